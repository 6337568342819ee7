package awsemu

import (
	"fmt"
	"strconv"
	"strings"
)

// Alarm states (StateValue).
const (
	stateOK           = "OK"
	stateAlarm        = "ALARM"
	stateInsufficient = "INSUFFICIENT_DATA"
)

// catchUp evaluates the alarm at each boundary of its periods up to
// second now that it has not evaluated yet, as CloudWatch evaluates it at
// the end of each period, and records each change of state at the second
// it happened. Only the last EvaluationPeriods+1 boundaries are evaluated:
// the older ones could not change the state it ends in.
func (a *alarm) catchUp(m *metrics, now int64) {
	if a.notEmulated != nil {
		return // it stays as read
	}
	p := int64(a.period)
	last := now / p // the boundary at the start of the current period
	if now < 0 {
		last = -1
	}
	for k := max(a.evaluated+1, last-int64(a.evaluationPeriods)); k <= last; k++ {
		if k < 1 {
			continue // no period complete yet
		}
		state, reason := a.evaluate(m, k*p)
		if state != a.state {
			a.state, a.updated = state, k*p
		}
		a.reason = reason
	}
	a.evaluated = max(a.evaluated, last)
}

// evaluate returns the alarm's state and its reason from the
// EvaluationPeriods periods that end at second end, as CloudWatch
// evaluates an alarm of M (DatapointsToAlarm) out of N
// (EvaluationPeriods) with its TreatMissingData:
//   - ALARM when at least M periods breach, a period without a datapoint
//     breaching with TreatMissingData breaching;
//   - otherwise OK when some period has a datapoint, or none has and
//     TreatMissingData is notBreaching;
//   - otherwise INSUFFICIENT_DATA, or the state it was in with
//     TreatMissingData ignore.
//
// Unlike CloudWatch, it does not look past the evaluation range for
// datapoints that missing ones would have hidden.
func (a *alarm) evaluate(m *metrics, end int64) (state, reason string) {
	points, err := a.datapoints(m, end)
	if err != nil {
		return stateInsufficient, "Not emulated: " + err.Error()
	}
	breaching, known := 0, 0
	var values []string
	for i := len(points) - 1; i >= 0; i-- { // the most recent first, as CloudWatch lists them
		p := points[i]
		switch {
		case p.ok:
			known++
			if a.breaches(p.v) {
				breaching++
			}
			values = append(values, strconv.FormatFloat(p.v, 'g', 6, 64))
		case a.treatMissing == missingBreaching:
			known++
			breaching++
		case a.treatMissing == missingNotBreaching:
			known++
		}
	}
	crossed := fmt.Sprintf("%d out of the last %d datapoints [%s] %s the threshold (%s) (minimum %d datapoints for OK -> ALARM transition).",
		breaching, a.evaluationPeriods, strings.Join(values, ", "), a.crossing(), strconv.FormatFloat(a.threshold, 'g', -1, 64), a.datapointsToAlarm)
	switch {
	case breaching >= a.datapointsToAlarm:
		return stateAlarm, "Threshold Crossed: " + crossed
	case known > 0:
		return stateOK, "Threshold Crossed: " + crossed
	case a.treatMissing == missingIgnore:
		return a.state, a.reason
	}
	return stateInsufficient, fmt.Sprintf("Insufficient Data: %d datapoints were unknown.", a.evaluationPeriods)
}

// breaches reports whether a datapoint is on the alarm's side of the
// threshold.
func (a *alarm) breaches(v float64) bool {
	switch a.comparison {
	case "GreaterThanThreshold":
		return v > a.threshold
	case "GreaterThanOrEqualToThreshold":
		return v >= a.threshold
	case "LessThanThreshold":
		return v < a.threshold
	}
	return v <= a.threshold // LessThanOrEqualToThreshold
}

// crossing says how breaching datapoints stand to the threshold, as a
// StateReason says it.
func (a *alarm) crossing() string {
	return map[string]string{
		"GreaterThanThreshold":          "were greater than",
		"GreaterThanOrEqualToThreshold": "were greater than or equal to",
		"LessThanThreshold":             "were less than",
		"LessThanOrEqualToThreshold":    "were less than or equal to",
	}[a.comparison]
}

// datapoints returns the alarm's datapoints in its EvaluationPeriods
// periods that end at second end, the oldest first.
func (a *alarm) datapoints(m *metrics, end int64) (series, error) {
	n := a.evaluationPeriods
	p := int64(a.period)
	of := func(ms *metricStat) series {
		s := make(series, n)
		for i := range s {
			from := end - int64(n-i)*p
			s[i].v, s[i].ok = m.datapoint(ms.source, ms.name, ms.stat, from, from+p)
		}
		return s
	}
	if a.single != nil {
		return of(a.single), nil
	}
	byID := map[string]*query{}
	var returned *query
	for i := range a.queries {
		q := &a.queries[i]
		byID[q.id] = q
		if q.returnData {
			returned = q
		}
	}
	done := map[string]series{}
	var vars func(id string) (series, error)
	vars = func(id string) (series, error) {
		if s, ok := done[id]; ok {
			return s, nil
		}
		q := byID[id]
		if q == nil {
			return nil, fmt.Errorf("no query has the Id %s", id)
		}
		var s series
		if q.stat != nil {
			s = of(q.stat)
		} else {
			var err error
			if s, err = q.parsed.eval(vars, n); err != nil { // read checked for cycles
				return nil, fmt.Errorf("%s: %w", q.id, err)
			}
		}
		done[id] = s
		return s, nil
	}
	return vars(returned.id)
}
