package lambda

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ecsplit/ecsplit/constructs/ramp"
)

// The names of the ramp resource's properties. CloudFormation passes
// every scalar as a string; AlarmNames is a list of strings.
const (
	// PropService is the service's name, for messages.
	PropService = "Service"
	// PropListenerArn is the listener of the weighted rule.
	PropListenerArn = "ListenerArn"
	// PropPriority is the weighted rule's priority on that listener.
	PropPriority = "Priority"
	// PropServiceTargetGroupArn is the service's target group.
	PropServiceTargetGroupArn = "ServiceTargetGroupArn"
	// PropMonolithTargetGroupArn is the other target group of the
	// weighted forward, the monolith's.
	PropMonolithTargetGroupArn = "MonolithTargetGroupArn"
	// PropPercent is the target share, a whole percent from 0 to 100.
	PropPercent = "Percent"
	// PropSteps are the plan's steps, as FormatSteps writes them
	// ("5,25,50"); "" or left out is no steps: straight to the target.
	PropSteps = "Steps"
	// PropBakeSeconds is the plan's bake in whole seconds.
	PropBakeSeconds = "BakeSeconds"
	// PropAlarmNames are the names of the alarms that judge each bake.
	PropAlarmNames = "AlarmNames"
)

// FormatSteps writes steps as PropSteps takes them: "5,25,50".
func FormatSteps(steps []int) string {
	return ramp.Plan{Steps: steps}.String()
}

// Properties is the ramp resource's properties for spec, the reverse of
// SpecOf.
func Properties(spec ramp.Spec) map[string]any {
	return map[string]any{
		PropService:                spec.Service,
		PropListenerArn:            spec.ListenerArn,
		PropPriority:               strconv.Itoa(spec.Priority),
		PropServiceTargetGroupArn:  spec.ServiceTargetGroupArn,
		PropMonolithTargetGroupArn: spec.MonolithTargetGroupArn,
		PropPercent:                strconv.Itoa(spec.Percent),
		PropSteps:                  FormatSteps(spec.Plan.Steps),
		PropBakeSeconds:            strconv.FormatInt(int64(spec.Plan.Bake/time.Second), 10),
		PropAlarmNames:             append([]string(nil), spec.Alarms...),
	}
}

// SpecOf reads a ramp from the resource's properties. Numbers may be
// strings, as CloudFormation passes them, or JSON numbers. Every property
// but Steps is required, AlarmNames with at least one name. The error is
// one line naming the property.
func SpecOf(props map[string]any) (ramp.Spec, error) {
	r := reader{props: props}
	spec := ramp.Spec{
		Service:                r.text(PropService),
		ListenerArn:            r.text(PropListenerArn),
		Priority:               r.number(PropPriority),
		ServiceTargetGroupArn:  r.text(PropServiceTargetGroupArn),
		MonolithTargetGroupArn: r.text(PropMonolithTargetGroupArn),
		Percent:                r.number(PropPercent),
		Plan: ramp.Plan{
			Steps: r.steps(PropSteps),
			Bake:  time.Duration(r.number(PropBakeSeconds)) * time.Second,
		},
		Alarms: r.names(PropAlarmNames),
	}
	if r.err != nil {
		name := spec.Service
		if name == "" {
			name = "a service"
		}
		return ramp.Spec{}, fmt.Errorf("ramp of %s: %w", name, r.err)
	}
	if err := spec.Check(); err != nil {
		return ramp.Spec{}, err
	}
	return spec, nil
}

// reader reads properties, keeping the first problem.
type reader struct {
	props map[string]any
	err   error
}

func (r *reader) fail(name string, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("property %s %s", name, fmt.Sprintf(format, args...))
	}
}

// get is the property's value, or nil after reporting it missing.
func (r *reader) get(name string) any {
	v, ok := r.props[name]
	if !ok || v == nil {
		r.fail(name, "is missing")
		return nil
	}
	return v
}

// text is a non-empty string property.
func (r *reader) text(name string) string {
	v := r.get(name)
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok || s == "" {
		r.fail(name, "is %s, want a non-empty string", describe(v))
		return ""
	}
	return s
}

// number is a whole number property, a string or a JSON number.
func (r *reader) number(name string) int {
	v := r.get(name)
	switch n := v.(type) {
	case nil:
		return 0
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			r.fail(name, "is %s, want a whole number", describe(v))
		}
		return i
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
			r.fail(name, "is %s, want a whole number", describe(v))
		}
		return int(n)
	case json.Number:
		i, err := strconv.Atoi(n.String())
		if err != nil {
			r.fail(name, "is %s, want a whole number", describe(v))
		}
		return i
	case int:
		return n
	}
	r.fail(name, "is %s, want a whole number", describe(v))
	return 0
}

// steps is a property in FormatSteps's syntax; left out, it is no steps.
func (r *reader) steps(name string) []int {
	v, ok := r.props[name]
	if !ok || v == nil || v == "" {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		r.fail(name, "is %s, want steps such as \"5,25,50\"", describe(v))
		return nil
	}
	var steps []int
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			r.fail(name, "is %s, want whole percents separated by commas, such as \"5,25,50\"", describe(v))
			return nil
		}
		steps = append(steps, n)
	}
	return steps
}

// names is a list of at least one non-empty string.
func (r *reader) names(name string) []string {
	v := r.get(name)
	var names []string
	switch l := v.(type) {
	case nil:
		return nil
	case []string:
		names = append(names, l...)
	case []any:
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				r.fail(name, "holds %s, want names (strings)", describe(e))
				return nil
			}
			names = append(names, s)
		}
	default:
		r.fail(name, "is %s, want a list of alarm names", describe(v))
		return nil
	}
	if len(names) == 0 {
		r.fail(name, "is empty: at least one alarm judges a ramp")
		return nil
	}
	for _, n := range names {
		if n == "" {
			r.fail(name, "holds an empty name")
			return nil
		}
	}
	return names
}

// describe is a property's value for a message.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case float64, json.Number, int:
		return fmt.Sprint(v)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	case bool:
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("a %T", v)
}
