package albemu

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// MaxConditionValues is the ALB's limit on condition values (match
// evaluations) across all the conditions of one rule; CloudFormation fails
// to create a rule with more.
const MaxConditionValues = 5

// ALB defaults of the target group settings the emulator reads.
const (
	defaultHealthCheckInterval = 30 * time.Second
	defaultUnhealthyThreshold  = 2
	defaultDeregistrationDelay = 300 * time.Second
)

func readTargetGroup(id ResourceID, p map[string]any) (*TargetGroup, error) {
	tg := &TargetGroup{ID: id, HealthCheckPath: "/", HealthyCodes: "200", HealthCheckInterval: defaultHealthCheckInterval,
		UnhealthyThreshold: defaultUnhealthyThreshold, DeregistrationDelay: defaultDeregistrationDelay}
	if s, ok := p["HealthCheckPath"].(string); ok {
		tg.HealthCheckPath = s
	}
	if m, ok := p["Matcher"].(map[string]any); ok {
		if s, ok := m["HttpCode"].(string); ok {
			tg.HealthyCodes = s
		}
	}
	if n, ok := intValue(p["HealthCheckIntervalSeconds"]); ok {
		tg.HealthCheckInterval = time.Duration(n) * time.Second
	}
	if n, ok := intValue(p["UnhealthyThresholdCount"]); ok {
		tg.UnhealthyThreshold = n
	}
	attrs, _ := p["TargetGroupAttributes"].([]any)
	for _, a := range attrs {
		kv, _ := a.(map[string]any)
		if kv["Key"] != "deregistration_delay.timeout_seconds" {
			continue
		}
		n, ok := intValue(kv["Value"])
		if !ok {
			return nil, fmt.Errorf("%s: TargetGroupAttributes deregistration_delay.timeout_seconds %v is not a number", id, kv["Value"])
		}
		tg.DeregistrationDelay = time.Duration(n) * time.Second
	}
	if t, _ := p["TargetType"].(string); t == "lambda" {
		return nil, fmt.Errorf("%s: TargetType lambda is not emulated", id)
	}
	return tg, nil
}

// readRouting reads every listener and attaches every rule to its listener.
// It returns the listener the rules attach to (they must all attach to
// one), or, with no rule at all, a listener that does not redirect; nil when
// there is no listener.
func (r *reader) readRouting(tgs map[ResourceID]*TargetGroup) (*Listener, error) {
	listeners := map[ResourceID]*Listener{}
	for _, id := range r.ofType(TypeListener) {
		l, err := r.readListener(id, tgs)
		if err != nil {
			return nil, err
		}
		listeners[id] = l
	}
	var served *Listener
	for _, id := range r.ofType(TypeListenerRule) {
		p := r.resource(id).Properties
		l, lid, err := lookup(r, id.Stack, p["ListenerArn"], listeners, "listener")
		if err != nil {
			return nil, fmt.Errorf("%s: ListenerArn: %w", id, err)
		}
		if served != nil && served != l {
			return nil, fmt.Errorf("%s: rules attach to two listeners, %s and %s; the emulator serves one", id, served.ID, lid)
		}
		served = l
		rule, err := r.readRule(id, p, tgs)
		if err != nil {
			return nil, err
		}
		if other := PriorityInUse(l.Rules, rule); other != nil {
			return nil, fmt.Errorf("%s: Priority %d is also the priority of %s (CloudFormation fails with PriorityInUse)", id, rule.Priority, other.ID)
		}
		l.Rules = append(l.Rules, rule)
	}
	if served == nil {
		for _, id := range slices.SortedFunc(maps.Keys(listeners), CompareIDs) {
			if served == nil || served.Default.Redirect != nil {
				served = listeners[id]
			}
		}
	}
	if served != nil {
		sortRules(served.Rules)
	}
	return served, nil
}

// sortRules puts rules in the order the ALB evaluates them: lowest priority
// first.
func sortRules(rules []*Rule) {
	slices.SortStableFunc(rules, func(x, y *Rule) int { return x.Priority - y.Priority })
}

func (r *reader) readListener(id ResourceID, tgs map[ResourceID]*TargetGroup) (*Listener, error) {
	p := r.resource(id).Properties
	l := &Listener{ID: id}
	l.Port, _ = intValue(p["Port"])
	l.Protocol, _ = p["Protocol"].(string)
	var err error
	l.Default, err = r.readActions(id, p, "DefaultActions", tgs)
	return l, err
}

func (r *reader) readRule(id ResourceID, p map[string]any, tgs map[ResourceID]*TargetGroup) (*Rule, error) {
	rule := &Rule{ID: id}
	var ok bool
	if rule.Priority, ok = intValue(p["Priority"]); !ok {
		return nil, fmt.Errorf("%s: Priority %v is not a number", id, p["Priority"])
	}
	conds, _ := p["Conditions"].([]any)
	if len(conds) == 0 {
		return nil, fmt.Errorf("%s: Conditions: a rule needs at least one condition", id)
	}
	values := 0
	for i, c := range conds {
		cond, err := readCondition(c)
		if err != nil {
			return nil, fmt.Errorf("%s: Conditions[%d]: %w", id, i, err)
		}
		values += len(cond.Values) + len(cond.Query)
		rule.Conditions = append(rule.Conditions, cond)
	}
	if values > MaxConditionValues {
		return nil, fmt.Errorf("%s: Conditions: %d values; the ALB allows at most %d per rule", id, values, MaxConditionValues)
	}
	var err error
	rule.Action, err = r.readActions(id, p, "Actions", tgs)
	return rule, err
}

// conditionConfig is the property that holds a condition's values, by
// Field.
var conditionConfig = map[string]string{
	FieldPathPattern: "PathPatternConfig",
	FieldHostHeader:  "HostHeaderConfig",
	FieldMethod:      "HttpRequestMethodConfig",
	FieldHTTPHeader:  "HttpHeaderConfig",
	FieldQueryString: "QueryStringConfig",
	FieldSourceIP:    "SourceIpConfig",
}

// readCondition reads a RuleCondition, in its current form (PathPatternConfig
// and the like) or its legacy form (Field and Values).
func readCondition(v any) (Condition, error) {
	m, _ := v.(map[string]any)
	field, _ := m["Field"].(string)
	c := Condition{Field: field}
	configKey := conditionConfig[field]
	if configKey == "" {
		return c, fmt.Errorf("Field %q is not a condition the ALB supports", field)
	}
	cfg, _ := m[configKey].(map[string]any)
	if cfg == nil {
		cfg = m // legacy: Values beside Field
	}
	if _, ok := cfg["RegexValues"]; ok {
		return c, fmt.Errorf("%s.RegexValues is not emulated", configKey)
	}
	if field == FieldQueryString {
		vals, _ := cfg["Values"].([]any)
		for _, kv := range vals {
			kvm, _ := kv.(map[string]any)
			k, _ := kvm["Key"].(string)
			val, _ := kvm["Value"].(string)
			c.Query = append(c.Query, KeyValue{k, val})
		}
	} else {
		var err error
		if c.Values, err = stringList(cfg["Values"]); err != nil {
			return c, fmt.Errorf("%s.Values: %w", configKey, err)
		}
	}
	if field == FieldHTTPHeader {
		c.HeaderName, _ = cfg["HttpHeaderName"].(string)
		if c.HeaderName == "" {
			return c, fmt.Errorf("%s.HttpHeaderName is missing", configKey)
		}
	}
	if len(c.Values) == 0 && len(c.Query) == 0 {
		return c, fmt.Errorf("%s condition has no values", field)
	}
	prepared, err := prepare(c)
	if err != nil {
		return c, fmt.Errorf("%s.Values: %w", configKey, err)
	}
	c.prepared = prepared
	return c, nil
}

// readActions reads the actions in property key of resource owner's
// properties p (a rule's Actions, a listener's DefaultActions): the
// emulator supports one final action, forward, fixed-response or redirect.
func (r *reader) readActions(owner ResourceID, p map[string]any, key string, tgs map[ResourceID]*TargetGroup) (Action, error) {
	a, err := r.readAction(owner, p[key], tgs)
	if err != nil {
		return a, fmt.Errorf("%s: %s: %w", owner, key, err)
	}
	return a, nil
}

func (r *reader) readAction(owner ResourceID, v any, tgs map[ResourceID]*TargetGroup) (Action, error) {
	actions, _ := v.([]any)
	if len(actions) == 0 {
		return Action{}, errors.New("no action")
	}
	if len(actions) > 1 {
		return Action{}, fmt.Errorf("%d actions: only a single action is emulated (no authenticate-* actions)", len(actions))
	}
	m, _ := actions[0].(map[string]any)
	typ, _ := m["Type"].(string)
	var a Action
	var err error
	switch typ {
	case ActionFixedResponse:
		a.FixedResponse, err = readFixedResponse(m)
	case ActionRedirect:
		a.Redirect, err = readRedirect(m)
	case ActionForward:
		a.Forward, err = r.readForward(owner, m, tgs)
	default:
		err = fmt.Errorf("action Type %q is not emulated", typ)
	}
	return a, err
}

func readFixedResponse(m map[string]any) (*FixedResponse, error) {
	cfg, _ := m["FixedResponseConfig"].(map[string]any)
	code, ok := intValue(cfg["StatusCode"])
	if !ok {
		return nil, fmt.Errorf("FixedResponseConfig.StatusCode %v is not a number", cfg["StatusCode"])
	}
	fr := &FixedResponse{StatusCode: code, ContentType: "text/plain"}
	if s, ok := cfg["ContentType"].(string); ok {
		fr.ContentType = s
	}
	fr.Body, _ = cfg["MessageBody"].(string)
	return fr, nil
}

func readRedirect(m map[string]any) (*Redirect, error) {
	cfg, _ := m["RedirectConfig"].(map[string]any)
	rd := &Redirect{}
	rd.Protocol, _ = cfg["Protocol"].(string)
	rd.Host, _ = cfg["Host"].(string)
	rd.Port, _ = cfg["Port"].(string)
	rd.Path, _ = cfg["Path"].(string)
	rd.Query, _ = cfg["Query"].(string)
	switch cfg["StatusCode"] {
	case "HTTP_301":
		rd.StatusCode = 301
	case "HTTP_302":
		rd.StatusCode = 302
	default:
		return nil, fmt.Errorf("RedirectConfig.StatusCode %v: want HTTP_301 or HTTP_302", cfg["StatusCode"])
	}
	return rd, nil
}

// readForward reads a forward action, in its plain form (TargetGroupArn) or
// its weighted form (ForwardConfig), to target groups of tgs.
func (r *reader) readForward(owner ResourceID, m map[string]any, tgs map[ResourceID]*TargetGroup) (*Forward, error) {
	f := &Forward{}
	cfg, _ := m["ForwardConfig"].(map[string]any)
	list, _ := cfg["TargetGroups"].([]any)
	for i, t := range list {
		tm, _ := t.(map[string]any)
		_, id, err := lookup(r, owner.Stack, tm["TargetGroupArn"], tgs, "target group")
		if err != nil {
			return nil, fmt.Errorf("ForwardConfig.TargetGroups[%d].TargetGroupArn: %w", i, err)
		}
		w := 1 // the ALB's default weight
		if v, ok := tm["Weight"]; ok {
			if w, ok = intValue(v); !ok || w < 0 || w > 999 {
				return nil, fmt.Errorf("ForwardConfig.TargetGroups[%d].Weight %v: want 0 to 999", i, v)
			}
		}
		f.TargetGroups = append(f.TargetGroups, WeightedTarget{id, w})
	}
	if arn, ok := m["TargetGroupArn"]; ok {
		_, id, err := lookup(r, owner.Stack, arn, tgs, "target group")
		if err != nil {
			return nil, fmt.Errorf("TargetGroupArn: %w", err)
		}
		if len(f.TargetGroups) == 0 {
			f.TargetGroups = []WeightedTarget{{id, 1}}
		} else if len(f.TargetGroups) != 1 || f.TargetGroups[0].TargetGroup != id {
			return nil, errors.New("TargetGroupArn and ForwardConfig.TargetGroups disagree")
		}
	}
	if len(f.TargetGroups) == 0 {
		return nil, errors.New("forward action without a target group")
	}
	if st, ok := cfg["TargetGroupStickinessConfig"].(map[string]any); ok && st["Enabled"] == true {
		secs, ok := intValue(st["DurationSeconds"])
		if !ok || secs < 1 || secs > 604800 {
			return nil, fmt.Errorf("TargetGroupStickinessConfig.DurationSeconds %v: want 1 to 604800", st["DurationSeconds"])
		}
		f.Stickiness = time.Duration(secs) * time.Second
	}
	return f, nil
}
