package awsemu

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
)

// typeAlarm is the CloudFormation type of a metric alarm.
const typeAlarm = "AWS::CloudWatch::Alarm"

// How an alarm treats the periods without a datapoint (TreatMissingData).
const (
	missingMissing      = "missing"
	missingNotBreaching = "notBreaching"
	missingBreaching    = "breaching"
	missingIgnore       = "ignore"
)

// alarm is an AWS::CloudWatch::Alarm of the assembly's templates, as the
// emulator evaluates it, and its state.
type alarm struct {
	id          albemu.ResourceID
	name, arn   string
	description string
	actions     actions

	comparison        string
	threshold         float64
	evaluationPeriods int
	datapointsToAlarm int
	treatMissing      string
	period            int // seconds

	// The alarm watches one metric (single) or the ReturnData query of
	// queries.
	single  *metricStat
	queries []query

	// notEmulated, when not nil, says why the emulator cannot compute the
	// alarm: it stays in INSUFFICIENT_DATA.
	notEmulated error

	// Its state, guarded by the Server's mu.
	state     string
	reason    string
	updated   int64 // the second of the state's last change
	evaluated int64 // the last period boundary evaluated
}

// actions are an alarm's actions, as resolved.
type actions struct {
	enabled                     bool
	alarm, ok, insufficientData []string
}

// metricStat is a metric of the load balancer and a statistic of it.
type metricStat struct {
	namespace, name string
	dimensions      []dimension
	stat            statistic
	statText        string // as the template writes it, such as "p99"
	period          int    // seconds
	source          albemu.ResourceID
}

// dimension is a metric's dimension, as resolved.
type dimension struct{ name, value string }

// query is one of an alarm's Metrics: a metric, or an expression of the
// others.
type query struct {
	id, label  string
	returnData bool
	expression string
	parsed     node
	stat       *metricStat
}

// sources maps the dimensions of the load balancer's metrics to what the
// emulator measures: the load balancer of the served listener, and the
// target groups.
type sources struct {
	loadBalancer string                       // its full name, app/NAME/HEX
	targetGroups map[string]albemu.ResourceID // by full name, targetgroup/NAME/HEX
}

// newSources returns the sources of asm's load balancer and target groups.
func newSources(asm *albemu.Assembly, arns *ARNs) sources {
	s := sources{loadBalancer: arns.LoadBalancerFullName(asm.Listener.ID), targetGroups: map[string]albemu.ResourceID{}}
	for id := range asm.TargetGroups {
		s.targetGroups[arns.TargetGroupFullName(id)] = id
	}
	return s
}

// source returns the target group a metric's dimensions name, or the zero
// ResourceID for the load balancer.
func (s sources) source(namespace, name string, dims []dimension) (albemu.ResourceID, error) {
	if namespace != namespaceELB {
		return albemu.ResourceID{}, fmt.Errorf("namespace %s is not emulated (%s is)", namespace, namespaceELB)
	}
	var lb string
	var tg albemu.ResourceID
	for _, d := range dims {
		switch d.name {
		case "LoadBalancer":
			lb = d.value
		case "TargetGroup":
			id, ok := s.targetGroups[d.value]
			if !ok {
				return tg, fmt.Errorf("dimension TargetGroup %s is no target group of the assembly", d.value)
			}
			tg = id
		default:
			return tg, fmt.Errorf("dimension %s is not emulated (LoadBalancer and TargetGroup are)", d.name)
		}
	}
	if lb != s.loadBalancer {
		return tg, fmt.Errorf("dimension LoadBalancer %q is not the emulated load balancer %s", lb, s.loadBalancer)
	}
	if !metricOf(name, tg != (albemu.ResourceID{})) {
		what := "the load balancer"
		if tg != (albemu.ResourceID{}) {
			what = "a target group"
		}
		return tg, fmt.Errorf("metric %s of %s is not emulated", name, what)
	}
	return tg, nil
}

// readAlarms reads every metric alarm of the assembly's templates, in
// stack and logical id order. An alarm that the emulator cannot compute
// is read with notEmulated set.
func readAlarms(templates *cfn.Assembly, resolver *cfn.Resolver, src sources) []*alarm {
	if templates == nil {
		return nil
	}
	var out []*alarm
	for _, st := range templates.Artifacts {
		t := templates.Stacks[st.ID]
		for _, logical := range t.OfType(typeAlarm) {
			res := t.Resources[logical]
			if res.Condition != "" {
				if ok, err := resolver.Condition(st.ID, res.Condition); err == nil && !ok {
					continue // CloudFormation does not create it
				}
			}
			out = append(out, readAlarm(resolver, src, albemu.ResourceID{Stack: st.ID, LogicalID: logical}, res.Properties))
		}
	}
	return out
}

func readAlarm(resolver *cfn.Resolver, src sources, id albemu.ResourceID, props map[string]any) *alarm {
	a := &alarm{id: id, name: id.LogicalID, state: stateInsufficient, reason: "Unchecked: Initial alarm creation"}
	if name, err := resolver.Name(id.Stack, id.LogicalID); err == nil {
		a.name = name
	}
	if arn, err := resolver.Attribute(id.Stack, id.LogicalID, "Arn"); err == nil {
		a.arn, _ = arn.(string)
	}
	resolved, err := resolver.Resolve(id.Stack, props)
	if err == nil {
		p, _ := resolved.(map[string]any)
		err = a.read(p, src)
	}
	if err != nil {
		a.notEmulated = fmt.Errorf("alarm %s (%s): %w", a.name, id, err)
		a.reason = "Not emulated: " + a.notEmulated.Error()
	}
	return a
}

// read reads the alarm's resolved properties p.
func (a *alarm) read(p map[string]any, src sources) error {
	a.description, _ = p["AlarmDescription"].(string)
	a.actions.enabled = p["ActionsEnabled"] != false
	a.actions.alarm = stringList(p["AlarmActions"])
	a.actions.ok = stringList(p["OKActions"])
	a.actions.insufficientData = stringList(p["InsufficientDataActions"])
	switch a.comparison, _ = p["ComparisonOperator"].(string); a.comparison {
	case "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold":
	default:
		return fmt.Errorf("ComparisonOperator %q is not emulated", a.comparison)
	}
	if _, ok := p["ThresholdMetricId"]; ok {
		return errors.New("ThresholdMetricId (an anomaly detection band) is not emulated")
	}
	var ok bool
	if a.threshold, ok = float(p["Threshold"]); !ok {
		return fmt.Errorf("Threshold %v is not a number", p["Threshold"])
	}
	if a.evaluationPeriods, ok = integer(p["EvaluationPeriods"]); !ok || a.evaluationPeriods < 1 {
		return fmt.Errorf("EvaluationPeriods %v: want a positive number", p["EvaluationPeriods"])
	}
	a.datapointsToAlarm = a.evaluationPeriods
	if v, set := p["DatapointsToAlarm"]; set {
		if a.datapointsToAlarm, ok = integer(v); !ok || a.datapointsToAlarm < 1 || a.datapointsToAlarm > a.evaluationPeriods {
			return fmt.Errorf("DatapointsToAlarm %v: want 1 to EvaluationPeriods (%d)", v, a.evaluationPeriods)
		}
	}
	a.treatMissing = missingMissing
	if v, set := p["TreatMissingData"]; set {
		switch a.treatMissing, _ = v.(string); a.treatMissing {
		case missingMissing, missingNotBreaching, missingBreaching, missingIgnore:
		default:
			return fmt.Errorf("TreatMissingData %v: want missing, notBreaching, breaching or ignore", v)
		}
	}
	if metrics, ok := p["Metrics"].([]any); ok {
		return a.readQueries(metrics, src)
	}
	m, err := readMetricStat(p, p["Statistic"], p["ExtendedStatistic"], src)
	if err != nil {
		return err
	}
	if m.period < 1 {
		return errors.New("Period is missing")
	}
	a.single, a.period = m, m.period
	return nil
}

// readQueries reads the Metrics form: metrics and expressions, one of
// which returns the alarm's datapoints.
func (a *alarm) readQueries(list []any, src sources) error {
	ids := map[string]bool{}
	returned := 0
	for i, v := range list {
		m, _ := v.(map[string]any)
		q := query{returnData: m["ReturnData"] != false}
		q.id, _ = m["Id"].(string)
		q.label, _ = m["Label"].(string)
		if q.id == "" || ids[q.id] {
			return fmt.Errorf("Metrics[%d]: Id %q is missing or not unique", i, q.id)
		}
		if q.returnData {
			returned++
		}
		expr, isExpr := m["Expression"].(string)
		stat, isStat := m["MetricStat"].(map[string]any)
		switch {
		case isExpr == isStat:
			return fmt.Errorf("Metrics[%d] (%s): want an Expression or a MetricStat", i, q.id)
		case isExpr:
			parsed, err := parseExpr(expr)
			if err != nil {
				return fmt.Errorf("Metrics[%d] (%s): Expression %q: %w", i, q.id, expr, err)
			}
			q.expression, q.parsed = expr, parsed
		default:
			metric, _ := stat["Metric"].(map[string]any)
			ms, err := readMetricStat(metric, stat["Stat"], nil, src)
			if err != nil {
				return fmt.Errorf("Metrics[%d] (%s): %w", i, q.id, err)
			}
			if ms.period, _ = integer(stat["Period"]); ms.period < 1 {
				return fmt.Errorf("Metrics[%d] (%s): MetricStat.Period %v: want a positive number", i, q.id, stat["Period"])
			}
			if a.period != 0 && ms.period != a.period {
				return fmt.Errorf("Metrics[%d] (%s): Period %d differs from the others' (%d)", i, q.id, ms.period, a.period)
			}
			a.period = ms.period
			q.stat = ms
		}
		a.queries = append(a.queries, q)
		ids[q.id] = true
	}
	if returned != 1 {
		return fmt.Errorf("Metrics: %d queries have ReturnData true; an alarm needs one", returned)
	}
	if a.period == 0 {
		return errors.New("Metrics: no MetricStat, so no period")
	}
	for _, q := range a.queries {
		if q.parsed == nil {
			continue
		}
		for _, ref := range refs(q.parsed) {
			if !ids[ref] {
				return fmt.Errorf("Metrics (%s): Expression %q: no query has the Id %s", q.id, q.expression, ref)
			}
		}
	}
	return a.checkCycles()
}

// checkCycles fails when an expression refers to itself, through others
// or not.
func (a *alarm) checkCycles() error {
	deps := map[string][]string{}
	for _, q := range a.queries {
		if q.parsed != nil {
			deps[q.id] = refs(q.parsed)
		}
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("Metrics: expression %s refers to itself", id)
		case 2:
			return nil
		}
		state[id] = 1
		for _, d := range deps[id] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[id] = 2
		return nil
	}
	for _, id := range slices.Sorted(maps.Keys(deps)) {
		if err := visit(id); err != nil {
			return err
		}
	}
	return nil
}

// readMetricStat reads a metric (MetricName, Namespace, Dimensions, and
// for an alarm of one metric, Period) and its statistic: stat, or the
// extended statistic ext.
func readMetricStat(p map[string]any, stat, ext any, src sources) (*metricStat, error) {
	m := &metricStat{}
	m.namespace, _ = p["Namespace"].(string)
	m.name, _ = p["MetricName"].(string)
	if m.name == "" {
		return nil, errors.New("MetricName is missing")
	}
	dims, _ := p["Dimensions"].([]any)
	for i, d := range dims {
		dm, _ := d.(map[string]any)
		name, _ := dm["Name"].(string)
		value, ok := dm["Value"].(string)
		if !ok {
			return nil, fmt.Errorf("Dimensions[%d] %s: value %v is not a string", i, name, dm["Value"])
		}
		m.dimensions = append(m.dimensions, dimension{name, value})
	}
	var err error
	if m.source, err = src.source(m.namespace, m.name, m.dimensions); err != nil {
		return nil, err
	}
	m.statText, _ = cmp.Or(stat, ext).(string)
	if m.stat, err = parseStatistic(m.statText); err != nil {
		return nil, err
	}
	if v, ok := p["Period"]; ok {
		if m.period, _ = integer(v); m.period < 1 {
			return nil, fmt.Errorf("Period %v: want a positive number", v)
		}
	}
	return m, nil
}

// float reads a number, which a template may write as a string.
func float(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// integer reads a whole number, which a template may write as a string.
func integer(v any) (int, bool) {
	f, ok := float(v)
	return int(f), ok && f == float64(int(f))
}

// stringList reads a list of strings, leaving out what is not one.
func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
