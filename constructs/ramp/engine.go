package ramp

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Slack is how long past its bakes a ramp may still run: a ramp that has
// not reached its target by Progress.Start + its bakes + Slack times out.
// With MaxTotal it stays within the hour a custom resource has.
const Slack = 5 * time.Minute

// Clients are the AWS APIs a ramp calls.
type Clients struct {
	// ELBV2 reads and writes the weighted rule.
	ELBV2 ELBV2
	// CloudWatch reads the alarms that judge each bake.
	CloudWatch CloudWatch
}

// Spec is one ramp: which rule, which share, how and judged by what.
type Spec struct {
	// Service is the service's name, for messages.
	Service string
	// ListenerArn is the listener of the weighted rule.
	ListenerArn string
	// Priority is the weighted rule's priority on that listener; a
	// migration keeps it stable, so it finds the rule across deployments.
	Priority int
	// ServiceTargetGroupArn is the service's target group in the forward.
	ServiceTargetGroupArn string
	// MonolithTargetGroupArn is the other target group of the forward.
	MonolithTargetGroupArn string
	// Percent is the target share of the service, 0 to 100.
	Percent int
	// Plan is the steps and bake going up. A ramp does not check it
	// against MinBake and MaxTotal (see Plan.Check), so that a local run
	// can compress time.
	Plan Plan
	// Alarms are the names of the CloudWatch alarms that judge each bake:
	// any in ALARM, or any that does not exist, fails the ramp.
	Alarms []string
}

// Check reports a Spec a ramp cannot follow: a missing ARN, a priority
// outside 1 to 50000, the same group on both sides, a target outside 0 to
// 100, steps that are not increasing percents from MinStep to MaxStep, or a
// negative bake. Unlike Plan.Check it allows short bakes, so that a local
// run can compress time. The error is one line.
func (s Spec) Check() error {
	var problem string
	switch {
	case s.ListenerArn == "":
		problem = "no listener ARN"
	case s.Priority < 1 || s.Priority > 50000:
		problem = fmt.Sprintf("rule priority %d is not from 1 to 50000", s.Priority)
	case s.ServiceTargetGroupArn == "":
		problem = "no target group ARN for the service"
	case s.MonolithTargetGroupArn == "":
		problem = "no target group ARN for the monolith"
	case s.ServiceTargetGroupArn == s.MonolithTargetGroupArn:
		problem = "the service's and the monolith's target groups are the same"
	case s.Percent < 0 || s.Percent > 100:
		problem = fmt.Sprintf("target %d %% is not from 0 to 100", s.Percent)
	case s.Plan.Bake < 0:
		problem = fmt.Sprintf("bake %s is negative", s.Plan.Bake)
	default:
		if stepsProblem(s.Plan.Steps) != "" {
			problem = fmt.Sprintf("steps %v are not increasing percents from %d to %d", s.Plan.Steps, MinStep, MaxStep)
		}
	}
	if problem != "" {
		return fmt.Errorf("ramp of %s: %s", s.Service, problem)
	}
	return nil
}

// Progress is where a ramp is, all that Check needs besides the Spec. It
// survives a round trip through encoding/json, so a ramp can carry it
// from one run of a function to the next.
type Progress struct {
	// Start is when the ramp began; step i of Steps is due at
	// Start + i*Plan.Bake.
	Start time.Time
	// From is the service's live share when the ramp began, which a
	// failed ramp writes back.
	From int
	// Steps are the shares the ramp writes in order, the last the
	// target; none when Begin wrote the target at once.
	Steps []int
}

// Wait is how long to wait before the next Check: poll (PollInterval when
// 0 or less), or less if a step falls due sooner.
func (p Progress) Wait(bake, poll time.Duration, now time.Time) time.Duration {
	if poll <= 0 {
		poll = PollInterval
	}
	if bake <= 0 {
		return poll
	}
	for i := range p.Steps {
		if until := p.Start.Add(time.Duration(i) * bake).Sub(now); until > 0 {
			return min(until, poll)
		}
	}
	return poll
}

// Failure is a ramp that stopped before its target and wrote back the
// share it started from.
type Failure struct {
	// Service is the service's name.
	Service string
	// At is the share that was live when the ramp stopped.
	At int
	// Baked is how long At had baked.
	Baked time.Duration
	// Cause is why the ramp stopped, one line.
	Cause string
	// From is the share the ramp wrote back.
	From int
	// RestoreErr is why writing From back failed, or nil.
	RestoreErr error
}

// Error is one line, such as "ramp of users stopped at 25 % after 40s of
// its bake: alarm users-5xx is in ALARM (REASON); weights restored to 10 %".
func (f *Failure) Error() string {
	restored := fmt.Sprintf("weights restored to %d %%", f.From)
	if f.RestoreErr != nil {
		restored = fmt.Sprintf("restoring the weights to %d %% failed: %s", f.From, oneLine(f.RestoreErr.Error()))
	}
	return fmt.Sprintf("ramp of %s stopped at %d %% after %s of its bake: %s; %s",
		f.Service, f.At, formatDuration(f.Baked.Round(time.Second)), f.Cause, restored)
}

// Unwrap is RestoreErr.
func (f *Failure) Unwrap() error { return f.RestoreErr }

// Begin starts a ramp of spec at time now. It reads the weighted rule
// (the rule with spec.Priority on spec.ListenerArn) and the service's live
// share in it. Going up, it writes nothing and returns the steps for
// Check to write in turn. Going down, staying, or when straight (a
// rollback) it writes the target at once and returns a Progress with no
// steps left.
//
// A listener without a rule of that priority is an error, unless the
// target is 0: a ramp moves an existing share, so a service's extraction
// is deployed first at 0 % (the ramp then has nothing to do, and
// CloudFormation creates the rule after it), and ramped later.
func Begin(ctx context.Context, c Clients, spec Spec, now time.Time, straight bool) (Progress, error) {
	if err := spec.Check(); err != nil {
		return Progress{}, err
	}
	r, ok, err := readLiveRule(ctx, c.ELBV2, spec)
	if err != nil || !ok {
		return Progress{Start: now}, err
	}
	live := r.share(spec)
	p := Progress{Start: now, From: live}
	if straight || spec.Percent <= live {
		if live != spec.Percent {
			if err := r.write(ctx, c.ELBV2, spec, spec.Percent); err != nil {
				return Progress{}, err
			}
		}
		return p, nil
	}
	p.Steps = spec.Plan.Schedule(live, spec.Percent)
	return p, nil
}

// Check moves the ramp p of spec on at time now. It keeps no state
// beyond p, so calling it again at the same time does nothing more.
//
// Step i of p.Steps is due at p.Start + i*spec.Plan.Bake. Check writes
// the due step if the live share differs (only the two weights change:
// the service's is the step, the monolith's 100 minus it). While a step
// bakes, and before the next replaces it, it reads spec.Alarms: an alarm
// in ALARM, or one that does not exist, writes back p.From and returns a
// *Failure. done is true once the last step, the target, is live; it
// does not bake (the target's own alarms and the ECS deployment alarms
// keep watching). A ramp still short of its target Slack after its bakes
// should have ended times out, as a *Failure too.
func Check(ctx context.Context, c Clients, spec Spec, p Progress, now time.Time) (done bool, err error) {
	if err := spec.Check(); err != nil {
		return false, err
	}
	r, ok, err := readLiveRule(ctx, c.ELBV2, spec)
	if err != nil {
		return false, err
	}
	if !ok {
		return true, nil // no rule yet, and a target of 0
	}
	live := r.share(spec)
	steps := p.Steps
	if len(steps) == 0 {
		steps = []int{spec.Percent}
	}
	last := len(steps) - 1
	if live == steps[last] {
		return true, nil
	}
	bake := spec.Plan.Bake
	stop := func(cause string) error {
		f := &Failure{Service: spec.Service, At: live, Baked: now.Sub(p.Start), Cause: cause, From: p.From}
		if j := slices.Index(steps, live); j >= 0 {
			f.Baked = now.Sub(p.Start.Add(time.Duration(j) * bake))
		}
		if live != p.From {
			f.RestoreErr = r.write(ctx, c.ELBV2, spec, p.From)
		}
		return f
	}
	bakes := time.Duration(last) * bake
	if deadline := p.Start.Add(bakes + Slack); now.After(deadline) {
		return false, stop(fmt.Sprintf("timed out, %s after it began, when its bakes take %s and %s more is allowed",
			formatDuration(now.Sub(p.Start).Round(time.Second)), formatDuration(bakes), formatDuration(Slack)))
	}
	i := last
	if bake > 0 {
		i = int(max(now.Sub(p.Start), 0) / bake)
		i = min(i, last)
	}
	if live == steps[i] || live != p.From {
		// A step bakes: judge it, whether it stays or the next replaces it.
		v, err := judge(ctx, c.CloudWatch, spec)
		if err != nil {
			return false, stop(fmt.Sprintf("its alarms could not be read (%s)", oneLine(err.Error())))
		}
		if v.cause != "" {
			return false, stop(v.cause)
		}
		if live == steps[i] {
			return false, nil
		}
	}
	if err := r.write(ctx, c.ELBV2, spec, steps[i]); err != nil {
		return false, err
	}
	return i == last, nil
}

// Clock is the time a Run follows; a local run can compress it.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Sleep waits d or until ctx is done, then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
	// Interval is how long Run waits between two Checks while a step
	// bakes (it wakes sooner when a step falls due).
	Interval() time.Duration
}

// Wall is the real clock, with Checks every interval (PollInterval
// when 0 or less).
func Wall(interval time.Duration) Clock {
	if interval <= 0 {
		interval = PollInterval
	}
	return wall(interval)
}

type wall time.Duration

func (wall) Now() time.Time { return time.Now() }

func (wall) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return ctx.Err()
}

func (w wall) Interval() time.Duration { return time.Duration(w) }

// Run ramps spec to its target in one go, for local use: Begin, then
// Check every clock.Interval() (or when a step falls due) until the
// target is live or the ramp fails. Its error is Begin's or Check's, or
// ctx's when it is done first, which leaves the live step as it is.
func Run(ctx context.Context, c Clients, spec Spec, clock Clock) error {
	p, err := Begin(ctx, c, spec, clock.Now(), false)
	if err != nil {
		return err
	}
	for {
		done, err := Check(ctx, c, spec, p, clock.Now())
		if err != nil || done {
			return err
		}
		if err := clock.Sleep(ctx, p.Wait(spec.Plan.Bake, clock.Interval(), clock.Now())); err != nil {
			return err
		}
	}
}
