package awsemu

import (
	"math"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// TestMetrics: the router's answers counted per target group and for the
// load balancer, as the ALB's metrics count them, per period.
func TestMetrics(t *testing.T) {
	origin := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	m := newMetrics(origin, time.Second, 3600)
	users, other := albemu.ResourceID{Stack: "S", LogicalID: "Users"}, albemu.ResourceID{Stack: "S", LogicalID: "Other"}
	at := func(sec int) time.Time { return origin.Add(time.Duration(sec) * time.Second) }
	// Period [0, 60): users answers 200 three times and 500 once, in 10
	// to 40 ms; one request finds no connection; the router answers a
	// 503 (no target) and a 404 (a fixed response).
	for i, ms := range []int{10, 20, 30} {
		m.observe(at(i), albemu.Served{TargetGroup: users, Status: 200, Elapsed: time.Duration(ms) * time.Millisecond})
	}
	m.observe(at(30), albemu.Served{TargetGroup: users, Status: 500, Elapsed: 40 * time.Millisecond})
	m.observe(at(40), albemu.Served{TargetGroup: users, Status: 502, TargetFailed: true})
	m.observe(at(50), albemu.Served{Status: 503})
	m.observe(at(59), albemu.Served{Status: 404})
	// Period [60, 120): other only.
	m.observe(at(61), albemu.Served{TargetGroup: other, Status: 404, Elapsed: time.Second})
	lb := albemu.ResourceID{}
	stat := func(s string) statistic {
		st, err := parseStatistic(s)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	tests := []struct {
		src      albemu.ResourceID
		metric   string
		stat     string
		from     int64
		want     float64
		hasPoint bool
	}{
		{users, "RequestCount", "Sum", 0, 5, true},
		{users, "RequestCount", "Average", 0, 1, true},
		{users, "HTTPCode_Target_2XX_Count", "Sum", 0, 3, true},
		{users, "HTTPCode_Target_5XX_Count", "Sum", 0, 1, true},
		{users, "HTTPCode_Target_4XX_Count", "Sum", 0, 0, false},
		{users, "TargetConnectionErrorCount", "Sum", 0, 1, true},
		{users, "TargetResponseTime", "Average", 0, 0.025, true},
		{users, "TargetResponseTime", "Maximum", 0, 0.04, true},
		{users, "TargetResponseTime", "Minimum", 0, 0.01, true},
		{users, "TargetResponseTime", "p50", 0, 0.02, true},
		{users, "TargetResponseTime", "p99", 0, 0.04, true},
		{users, "TargetResponseTime", "SampleCount", 0, 4, true},
		{users, "RequestCount", "Sum", 60, 0, false},
		{lb, "RequestCount", "Sum", 0, 6, true}, // the 503 without a target is not a request
		{lb, "HTTPCode_ELB_5XX_Count", "Sum", 0, 2, true},
		{lb, "HTTPCode_ELB_502_Count", "Sum", 0, 1, true},
		{lb, "HTTPCode_ELB_503_Count", "Sum", 0, 1, true},
		{lb, "HTTPCode_ELB_4XX_Count", "Sum", 0, 1, true},
		{lb, "HTTPCode_Target_5XX_Count", "Sum", 0, 1, true},
		{lb, "HTTPCode_Target_4XX_Count", "Sum", 60, 1, true},
		{lb, "TargetResponseTime", "Maximum", 60, 1, true},
		{other, "RequestCount", "Sum", 0, 0, false},
		{other, "RequestCount", "Sum", 60, 1, true},
	}
	for _, tt := range tests {
		got, ok := m.datapoint(tt.src, tt.metric, stat(tt.stat), tt.from, tt.from+60)
		if ok != tt.hasPoint || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s %s %s [%d, %d) = %v, %v; want %v, %v", tt.src, tt.metric, tt.stat, tt.from, tt.from+60, got, ok, tt.want, tt.hasPoint)
		}
	}
}

// TestMetricsHosts: a target group's registered targets hold from one
// sample to the next; without any, or before the first sample, there is
// no datapoint; the emulator counts none unhealthy.
func TestMetricsHosts(t *testing.T) {
	origin := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	m := newMetrics(origin, time.Second, 3600)
	tg := albemu.ResourceID{Stack: "S", LogicalID: "Users"}
	at := func(sec int) time.Time { return origin.Add(time.Duration(sec) * time.Second) }
	m.sampleHosts(at(70), map[albemu.ResourceID]int{tg: 2})
	m.sampleHosts(at(80), map[albemu.ResourceID]int{tg: 2})
	m.sampleHosts(at(100), map[albemu.ResourceID]int{tg: 1})
	m.sampleHosts(at(250), map[albemu.ResourceID]int{tg: 0})
	minimum, _ := parseStatistic("Minimum")
	maximum, _ := parseStatistic("Maximum")
	tests := []struct {
		metric   string
		st       statistic
		from     int64
		want     float64
		hasPoint bool
	}{
		{"HealthyHostCount", minimum, 0, 0, false},
		{"HealthyHostCount", minimum, 60, 1, true},
		{"HealthyHostCount", maximum, 60, 2, true},
		{"HealthyHostCount", maximum, 120, 1, true}, // held from second 100
		{"HealthyHostCount", minimum, 180, 1, true},
		{"HealthyHostCount", minimum, 240, 1, true},
		{"HealthyHostCount", minimum, 300, 0, false},
		{"UnHealthyHostCount", maximum, 60, 0, true},
		{"UnHealthyHostCount", maximum, 300, 0, false},
	}
	for _, tt := range tests {
		got, ok := m.datapoint(tg, tt.metric, tt.st, tt.from, tt.from+60)
		if ok != tt.hasPoint || got != tt.want {
			t.Errorf("%s %s [%d, %d) = %v, %v; want %v, %v", tt.metric, tt.st.name, tt.from, tt.from+60, got, ok, tt.want, tt.hasPoint)
		}
	}
}

// TestMetricsPrune: buckets older than the retention are dropped.
func TestMetricsPrune(t *testing.T) {
	origin := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	m := newMetrics(origin, time.Second, 100)
	tg := albemu.ResourceID{Stack: "S", LogicalID: "Users"}
	sum, _ := parseStatistic("Sum")
	m.observe(origin.Add(10*time.Second), albemu.Served{TargetGroup: tg, Status: 200})
	m.observe(origin.Add(105*time.Second), albemu.Served{TargetGroup: tg, Status: 200})
	if _, ok := m.datapoint(tg, "RequestCount", sum, 0, 60); !ok {
		t.Error("a bucket within the retention was dropped")
	}
	m.observe(origin.Add(205*time.Second), albemu.Served{TargetGroup: tg, Status: 200})
	if _, ok := m.datapoint(tg, "RequestCount", sum, 0, 60); ok {
		t.Error("a bucket past the retention was kept")
	}
	if got, _ := m.datapoint(tg, "RequestCount", sum, 100, 210); got != 2 {
		t.Errorf("recent requests %v, want 2", got)
	}
}

// TestStatistics: the statistics CloudWatch alarms use, and those the
// emulator does not know.
func TestStatistics(t *testing.T) {
	samples := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	tests := []struct {
		stat string
		want float64
	}{
		{"Sum", 55}, {"Average", 5.5}, {"Minimum", 1}, {"Maximum", 10}, {"SampleCount", 10},
		{"p50", 5}, {"p90", 9}, {"p99", 10}, {"p99.9", 10}, {"p0", 1}, {"p10", 1}, {"p11", 2},
	}
	for _, tt := range tests {
		st, err := parseStatistic(tt.stat)
		if err != nil {
			t.Errorf("%s: %v", tt.stat, err)
			continue
		}
		if got := st.of(samples); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.stat, got, tt.want)
		}
	}
	for _, bad := range []string{"tm99", "p101", "Median", "", "IQM"} {
		if _, err := parseStatistic(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
