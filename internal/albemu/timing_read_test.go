package albemu

import (
	"strings"
	"testing"
	"time"
)

// TestLoadTimings: the settings a transition's timing model reads (health
// check interval, unhealthy threshold, deregistration delay, the service's
// grace period) come from the template, or are the AWS defaults where it
// sets none.
func TestLoadTimings(t *testing.T) {
	tests := []struct {
		name                string
		plant               func(f *fixture)
		interval, dereg, gp time.Duration
		unhealthy           int
	}{
		{"defaults", func(*fixture) {}, 30 * time.Second, 300 * time.Second, 0, 2},
		{"set", func(f *fixture) {
			p := f.props("WebTG")
			p["HealthCheckIntervalSeconds"] = 10.0
			p["UnhealthyThresholdCount"] = 3.0
			p["TargetGroupAttributes"] = []any{
				map[string]any{"Key": "stickiness.enabled", "Value": "false"},
				map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "15"},
			}
			f.props("WebService")["HealthCheckGracePeriodSeconds"] = 30.0
		}, 10 * time.Second, 15 * time.Second, 30 * time.Second, 3},
	}
	for _, tt := range tests {
		f := newFixture()
		tt.plant(f)
		a, err := Load(f.write(t))
		if err != nil {
			t.Fatal(err)
		}
		tg := a.TargetGroups[ResourceID{"Services", "WebTG"}]
		if tg.HealthCheckInterval != tt.interval || tg.UnhealthyThreshold != tt.unhealthy || tg.DeregistrationDelay != tt.dereg {
			t.Errorf("%s: interval %s, unhealthy threshold %d, deregistration delay %s; want %s, %d, %s",
				tt.name, tg.HealthCheckInterval, tg.UnhealthyThreshold, tg.DeregistrationDelay, tt.interval, tt.unhealthy, tt.dereg)
		}
		if gp := tg.Targets[0].Service.HealthCheckGracePeriod; gp != tt.gp {
			t.Errorf("%s: grace period %s, want %s", tt.name, gp, tt.gp)
		}
	}
}

// TestLoadBadDeregistrationDelay: a deregistration delay that is not a
// number names the target group.
func TestLoadBadDeregistrationDelay(t *testing.T) {
	f := newFixture()
	f.props("WebTG")["TargetGroupAttributes"] = []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "soon"}}
	_, err := Load(f.write(t))
	want := "Services/WebTG: TargetGroupAttributes deregistration_delay.timeout_seconds soon is not a number"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load error %v, want one containing %q", err, want)
	}
}
