package deploy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// Timing is the timing model of a transition: how long the waits of ECS
// and the load balancer last. The health check interval, the unhealthy
// threshold, the health check grace period and the deregistration delay
// come from the templates; Timing adds what no template says, and scales
// every one of these waits alike so that a test runs a transition in
// seconds with the waits in their real order and proportions. The
// processes themselves run at their own speed: a service's start-up and
// graceful shutdown are not scaled.
type Timing struct {
	// Scale multiplies every modelled wait: 1 is real time, 0.01 turns a
	// 60 s task start into 0.6 s and a 15 s deregistration delay into
	// 150 ms. Default: 1.
	Scale float64
	// MinStartDelay and MaxStartDelay bound a new task's start delay, the
	// time from ECS placing it to its process starting: provisioning, the
	// network interface and the image pull. Each task draws one uniformly
	// between them. Default (both zero): DefaultMinStartDelay,
	// DefaultMaxStartDelay; see NoStartDelay.
	MinStartDelay, MaxStartDelay time.Duration
	// NoStartDelay starts each new task's processes at once, where a
	// zero MinStartDelay and MaxStartDelay would read as their defaults.
	// Both must be zero.
	NoStartDelay bool
	// FailedTasks is how many new tasks of a service may fail their
	// health check in a row before the deployment fails. Default:
	// DefaultFailedTasks.
	FailedTasks int
	// Seed seeds the start delays' draws. Default: 0.
	Seed uint64
}

// Defaults of Timing.
const (
	// DefaultMinStartDelay and DefaultMaxStartDelay are a Fargate task's
	// usual start: 30 to 90 s from placement to a running container.
	DefaultMinStartDelay = 30 * time.Second
	DefaultMaxStartDelay = 90 * time.Second
	// DefaultFailedTasks is the smallest failure threshold of the ECS
	// deployment circuit breaker (the templates enable it): 3 tasks.
	DefaultFailedTasks = 3
)

// minPoll is the shortest health check interval after scaling.
const minPoll = 5 * time.Millisecond

// Check fails on a timing model that cannot be: a negative Scale or
// FailedTasks, a start delay that is not a range (0 <= MinStartDelay <=
// MaxStartDelay), or NoStartDelay with a start delay. A zero field reads
// as its default and passes. Apply checks its Timing; check one first to
// refuse it before anything starts.
func (t Timing) Check() error {
	switch {
	case t.Scale < 0:
		return fmt.Errorf("timing: Scale %g is negative", t.Scale)
	case t.MinStartDelay < 0 || t.MaxStartDelay < t.MinStartDelay:
		return fmt.Errorf("timing: start delay from %s to %s is not a range", t.MinStartDelay, t.MaxStartDelay)
	case t.NoStartDelay && t.MaxStartDelay > 0:
		return fmt.Errorf("timing: NoStartDelay with a start delay from %s to %s", t.MinStartDelay, t.MaxStartDelay)
	case t.FailedTasks < 0:
		return fmt.Errorf("timing: FailedTasks %d is negative", t.FailedTasks)
	}
	return nil
}

// withDefaults checks t (Check) and fills in its zero fields.
func (t Timing) withDefaults() (Timing, error) {
	if err := t.Check(); err != nil {
		return t, err
	}
	if t.Scale == 0 {
		t.Scale = 1
	}
	if t.MinStartDelay == 0 && t.MaxStartDelay == 0 && !t.NoStartDelay {
		t.MinStartDelay, t.MaxStartDelay = DefaultMinStartDelay, DefaultMaxStartDelay
	}
	if t.FailedTasks == 0 {
		t.FailedTasks = DefaultFailedTasks
	}
	return t, nil
}

// scale returns d scaled.
func (t Timing) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * t.Scale)
}

// pollInterval is how often a new task's health is checked: the target
// group's interval, scaled.
func (t Timing) pollInterval(tg *albemu.TargetGroup) time.Duration {
	return max(t.scale(tg.HealthCheckInterval), minPoll)
}

// unhealthyAfter is how long a new task may fail its health checks before
// ECS stops it: the service's grace period, then the target group's
// unhealthy threshold of intervals; scaled.
func (t Timing) unhealthyAfter(svc *albemu.Service, tg *albemu.TargetGroup) time.Duration {
	return t.scale(svc.HealthCheckGracePeriod + time.Duration(tg.UnhealthyThreshold)*tg.HealthCheckInterval)
}

// delays draws start delays.
type delays struct {
	t   Timing
	mu  sync.Mutex
	rng *rand.Rand
}

func newDelays(t Timing) *delays {
	return &delays{t: t, rng: rand.New(rand.NewPCG(t.Seed, t.Seed^0x5851f42d4c957f2d))}
}

// start draws a task's start delay, scaled.
func (d *delays) start() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	span := d.t.MaxStartDelay - d.t.MinStartDelay
	delay := d.t.MinStartDelay
	if span > 0 {
		delay += time.Duration(d.rng.Int64N(int64(span) + 1))
	}
	return d.t.scale(delay)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
