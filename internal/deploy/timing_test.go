package deploy

import (
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// TestTimingDefaults: zero fields take the documented defaults; a model
// that cannot be is refused.
func TestTimingDefaults(t *testing.T) {
	tests := []struct {
		in      Timing
		want    Timing
		wantErr string
	}{
		{Timing{}, Timing{Scale: 1, MinStartDelay: 30 * time.Second, MaxStartDelay: 90 * time.Second, FailedTasks: 3}, ""},
		{Timing{Scale: 0.01, MinStartDelay: time.Second, MaxStartDelay: time.Second, FailedTasks: 1, Seed: 7},
			Timing{Scale: 0.01, MinStartDelay: time.Second, MaxStartDelay: time.Second, FailedTasks: 1, Seed: 7}, ""},
		{Timing{Scale: -1}, Timing{}, "timing: Scale -1 is negative"},
		{Timing{MinStartDelay: 2 * time.Second, MaxStartDelay: time.Second}, Timing{}, "timing: start delay from 2s to 1s is not a range"},
		{Timing{FailedTasks: -2}, Timing{}, "timing: FailedTasks -2 is negative"},
		// No start delay is not the default start delay.
		{Timing{NoStartDelay: true}, Timing{Scale: 1, NoStartDelay: true, FailedTasks: 3}, ""},
		{Timing{NoStartDelay: true, MaxStartDelay: time.Second}, Timing{}, "timing: NoStartDelay with a start delay from 0s to 1s"},
	}
	for _, tt := range tests {
		got, err := tt.in.withDefaults()
		if checkErr := tt.in.Check(); (checkErr == nil) != (err == nil) || err != nil && checkErr.Error() != err.Error() {
			t.Errorf("%+v: Check %v, but withDefaults %v", tt.in, checkErr, err)
		}
		switch {
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%+v: error %v, want %q", tt.in, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("%+v: %v", tt.in, err)
		case got != tt.want:
			t.Errorf("%+v: %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestTimingScales: every wait the model derives from a template scales
// alike, keeping their order; a draw of the start delay falls in its
// range, scaled.
func TestTimingScales(t *testing.T) {
	svc := &albemu.Service{HealthCheckGracePeriod: 30 * time.Second}
	tg := &albemu.TargetGroup{HealthCheckInterval: 10 * time.Second, UnhealthyThreshold: 3, DeregistrationDelay: 15 * time.Second}
	tests := []struct {
		scale                  float64
		poll, unhealthy, drain time.Duration
	}{
		{1, 10 * time.Second, 60 * time.Second, 15 * time.Second},
		{0.01, 100 * time.Millisecond, 600 * time.Millisecond, 150 * time.Millisecond},
		{0.0001, minPoll, 6 * time.Millisecond, 1500 * time.Microsecond},
	}
	for _, tt := range tests {
		tm, err := Timing{Scale: tt.scale}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if p, u, d := tm.pollInterval(tg), tm.unhealthyAfter(svc, tg), tm.scale(tg.DeregistrationDelay); p != tt.poll || u != tt.unhealthy || d != tt.drain {
			t.Errorf("scale %g: poll %s, unhealthy after %s, drain %s; want %s, %s, %s", tt.scale, p, u, d, tt.poll, tt.unhealthy, tt.drain)
		}
		draws := newDelays(tm)
		for range 100 {
			if d := draws.start(); d < tm.scale(DefaultMinStartDelay) || d > tm.scale(DefaultMaxStartDelay) {
				t.Fatalf("scale %g: start delay %s outside [%s, %s]", tt.scale, d, tm.scale(DefaultMinStartDelay), tm.scale(DefaultMaxStartDelay))
			}
		}
	}
}

// TestNoStartDelay: with NoStartDelay every task starts at once.
func TestNoStartDelay(t *testing.T) {
	tm, err := Timing{NoStartDelay: true, Seed: 1}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	draws := newDelays(tm)
	for range 10 {
		if d := draws.start(); d != 0 {
			t.Fatalf("start delay %s, want 0", d)
		}
	}
}

// TestStartDelaysSeeded: the same seed draws the same start delays, so a
// run's order of events can be replayed.
func TestStartDelaysSeeded(t *testing.T) {
	a, b, c := newDelays(Timing{Seed: 3, MinStartDelay: 30 * time.Second, MaxStartDelay: 90 * time.Second, Scale: 1}),
		newDelays(Timing{Seed: 3, MinStartDelay: 30 * time.Second, MaxStartDelay: 90 * time.Second, Scale: 1}),
		newDelays(Timing{Seed: 4, MinStartDelay: 30 * time.Second, MaxStartDelay: 90 * time.Second, Scale: 1})
	same, differ := true, false
	for range 10 {
		x, y, z := a.start(), b.start(), c.start()
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Errorf("same seed same draws: %v; other seed other draws: %v", same, differ)
	}
}
