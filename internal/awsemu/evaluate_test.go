package awsemu

import (
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

var testTG = albemu.ResourceID{Stack: "S", LogicalID: "Users"}

// latencyAlarm is an alarm of M out of N 60-second periods in which the
// maximum response time of testTG is above 1 s.
func latencyAlarm(m, n int, treatMissing string) *alarm {
	st, _ := parseStatistic("Maximum")
	return &alarm{
		name: "latency", comparison: "GreaterThanThreshold", threshold: 1,
		evaluationPeriods: n, datapointsToAlarm: m, treatMissing: treatMissing, period: 60,
		single: &metricStat{namespace: namespaceELB, name: metricResponseTime, stat: st, statText: "Maximum", period: 60, source: testTG},
		state:  stateInsufficient,
	}
}

// observePeriods records, for each period of 60 s, an answer taking that
// many seconds, or none for "-".
func observePeriods(t *testing.T, m *metrics, pattern string) {
	t.Helper()
	for i, p := range parseSeries(t, pattern) {
		if p.ok {
			at := m.origin.Add(time.Duration(60*i+30) * time.Second)
			m.observe(at, albemu.Served{TargetGroup: testTG, Status: 200, Elapsed: time.Duration(p.v * float64(time.Second))})
		}
	}
}

// TestEvaluate: M out of N breaching periods make ALARM; periods without a
// datapoint count as TreatMissingData says.
func TestEvaluate(t *testing.T) {
	tests := []struct {
		periods                                  string
		missing, notBreaching, breaching, ignore string
	}{
		{"0 0 0", stateOK, stateOK, stateOK, stateOK},
		{"2 2 0", stateAlarm, stateAlarm, stateAlarm, stateAlarm},
		{"2 0 2", stateAlarm, stateAlarm, stateAlarm, stateAlarm},
		{"2 0 0", stateOK, stateOK, stateOK, stateOK},
		{"1 1 1", stateOK, stateOK, stateOK, stateOK}, // not greater than 1
		{"- - -", stateInsufficient, stateOK, stateAlarm, "was"},
		{"2 - -", stateOK, stateOK, stateAlarm, stateOK},
		{"0 - -", stateOK, stateOK, stateAlarm, stateOK},
		{"- 2 2", stateAlarm, stateAlarm, stateAlarm, stateAlarm},
		{"- 0 2", stateOK, stateOK, stateAlarm, stateOK},
	}
	for _, tt := range tests {
		for _, c := range []struct{ treat, want string }{
			{missingMissing, tt.missing}, {missingNotBreaching, tt.notBreaching}, {missingBreaching, tt.breaching}, {missingIgnore, tt.ignore},
		} {
			for _, was := range []string{stateInsufficient, stateAlarm} {
				m := newMetrics(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), time.Second, 3600)
				observePeriods(t, m, tt.periods)
				a := latencyAlarm(2, 3, c.treat)
				a.state = was
				want := c.want
				if want == "was" {
					want = was
				}
				if got, reason := a.evaluate(m, 180); got != want {
					t.Errorf("%s, TreatMissingData %s, was %s: %s (%s), want %s", tt.periods, c.treat, was, got, reason, want)
				}
			}
		}
	}
}

// TestEvaluateReason: the reason of a state names the datapoints, the
// most recent first, and the threshold, as CloudWatch's does.
func TestEvaluateReason(t *testing.T) {
	m := newMetrics(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), time.Second, 3600)
	observePeriods(t, m, "3 - 2")
	state, reason := latencyAlarm(2, 3, missingMissing).evaluate(m, 180)
	want := "Threshold Crossed: 2 out of the last 3 datapoints [2, 3] were greater than the threshold (1) (minimum 2 datapoints for OK -> ALARM transition)."
	if state != stateAlarm || reason != want {
		t.Errorf("%s: %q, want ALARM: %q", state, reason, want)
	}
	state, reason = latencyAlarm(2, 3, missingMissing).evaluate(m, 600)
	if state != stateInsufficient || !strings.HasPrefix(reason, "Insufficient Data") {
		t.Errorf("no datapoint: %s %q", state, reason)
	}
}

// TestCatchUp: an alarm is evaluated at the end of each period, and its
// state changes when a period ends, even when asked later.
func TestCatchUp(t *testing.T) {
	m := newMetrics(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), time.Second, 3600)
	observePeriods(t, m, "0 0 2 2 0 0 0")
	a := latencyAlarm(2, 2, missingMissing)
	steps := []struct {
		now     int64
		state   string
		updated int64
	}{
		{30, stateInsufficient, 0}, // no period has ended
		{60, stateOK, 60},
		{239, stateOK, 60},
		{240, stateAlarm, 240},
		{290, stateAlarm, 240},
		{7*60 + 5, stateOK, 300},
	}
	for _, s := range steps {
		a.catchUp(m, s.now)
		if a.state != s.state || a.updated != s.updated {
			t.Errorf("at %d s: %s since %d s, want %s since %d s", s.now, a.state, a.updated, s.state, s.updated)
		}
	}
}

// TestBreaches: the four comparison operators.
func TestBreaches(t *testing.T) {
	a := &alarm{threshold: 1}
	for _, tt := range []struct {
		op               string
		below, at, above bool
	}{
		{"GreaterThanThreshold", false, false, true},
		{"GreaterThanOrEqualToThreshold", false, true, true},
		{"LessThanThreshold", true, false, false},
		{"LessThanOrEqualToThreshold", true, true, false},
	} {
		a.comparison = tt.op
		if a.breaches(0) != tt.below || a.breaches(1) != tt.at || a.breaches(2) != tt.above {
			t.Errorf("%s: 0 %v, 1 %v, 2 %v", tt.op, a.breaches(0), a.breaches(1), a.breaches(2))
		}
	}
}
