// Package deploy applies an update to a stage that package runner runs,
// the way `cdk deploy` and CloudFormation would apply it to the stacks of
// a real deployment, while its front door serves (Apply): in
// CloudFormation's order (package transition plans it), with ECS's and the
// load balancer's waits (Timing), scaled so that a test runs it in
// seconds, and with CloudFormation's rollback of a failed stack update.
// UnderLoad does it while a load (package probe) sends a corpus through
// the front door, and reports the answers no steady state would give.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// Options configures Apply.
type Options struct {
	// Timing is the timing model of the waits; see Timing for its
	// defaults.
	Timing Timing
	// Log receives a line per event of the transition. Default: the
	// stage's Options.Log.
	Log io.Writer
}

// Result is what a transition did.
type Result struct {
	// From and To are the cloud assemblies the transition went from and
	// to.
	From, To string
	// Steps is the number of steps the update started, rollback aside.
	Steps int
	// Events are what happened, in order.
	Events []Event
	// Listeners are the listeners the front door served, in order: the
	// one it served before the transition, then one per rule change.
	Listeners []*albemu.Listener
	// Failed is the step failure that stopped the update (a *StepError),
	// nil when the update completed.
	Failed error
	// RolledBack reports that the failed update was rolled back, as
	// CloudFormation rolls it back.
	RolledBack bool
	// Elapsed is how long the update took, rollback included (the builds
	// before it aside).
	Elapsed time.Duration
}

// Timeline returns the events, one a line.
func (r *Result) Timeline() string {
	var b strings.Builder
	for _, e := range r.Events {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

// Event is one moment of a transition.
type Event struct {
	// At is the time since the update started (after the builds).
	At time.Duration
	// Stack and ID name the resource (its stack's name and its logical
	// id) and Type is its type.
	Stack, ID, Type string
	// Change is what happens to the resource.
	Change transition.Change
	// Rollback marks the events of a rollback.
	Rollback bool
	// What says what happened: "start", "done", "failed: ...",
	// "cancelled" (another step failed) or what a step did, such as
	// "task healthy, registered in usersTargetGroup6461AC4A".
	What string
}

// String reports the event on one line, such as
// "+1.204s EcsplitServices usersRule646A1757 create: done".
func (e Event) String() string {
	rb := ""
	if e.Rollback {
		rb = "rollback "
	}
	return fmt.Sprintf("+%.3fs %s %s %s%s: %s", e.At.Seconds(), e.Stack, e.ID, rb, e.Change, e.What)
}

// StepError is the failure of one step of a transition.
type StepError struct {
	// Stack is the name of the step's stack.
	Stack string
	// Step is the step that failed.
	Step transition.Step
	// Err is why.
	Err error
}

// Error names the stack, the step and why it failed.
func (e *StepError) Error() string {
	where := ""
	if e.Stack != "" {
		where = "stack " + e.Stack + ": "
	}
	return fmt.Sprintf("%s%s (%s) %s: %v", where, e.Step.ID, e.Step.Type, e.Step.Change, e.Err)
}

// Unwrap returns Err.
func (e *StepError) Unwrap() error { return e.Err }

// Apply updates the running stage s from its cloud assembly to the one
// in dir, another synthesis of the same app: it loads it (albemu.Load)
// and applies it (ApplyTo).
func Apply(ctx context.Context, s *runner.Stage, dir string, opts Options) (*Result, error) {
	to, err := albemu.Load(dir)
	if err != nil {
		return nil, err
	}
	return ApplyTo(ctx, s, to, opts)
}

// ApplyTo updates the running stage s from its cloud assembly to the
// assembly to, another synthesis of the same app, the way `cdk deploy` and
// CloudFormation would, while the front door serves: stack after stack
// in dependency order, and in each stack the steps of transition.Plans,
// each as soon as the steps it waits for are done, independent steps at
// the same time. What each step means here:
//
//   - an ECS service created: after a start delay its task's processes
//     start; each is registered in its target groups once their health
//     check passes on it; the step ends when every one is. A task that
//     does not pass within the service's grace period plus the target
//     group's unhealthy threshold of intervals, counted from when its
//     processes listen, is stopped and replaced; after Timing.FailedTasks
//     such tasks the step fails.
//   - an ECS service updated (or its task definition replaced): a rolling
//     replacement, as ECS does with a minimum of 100 % and a maximum of
//     200 %: the new task starts and is registered as above, then the old
//     one is deregistered, drained and stopped.
//   - an ECS service deleted: its tasks are deregistered, keep running for
//     their target groups' deregistration delay, then get SIGTERM and are
//     waited for.
//   - a listener rule created, updated or deleted: the front door's rules
//     change at that moment, to the new template's rule (albemu's reading
//     of it) among the rules it serves; a listener updated: its default
//     action changes.
//   - a ramp (Custom::EcsplitRamp) created or updated: the ramp's own
//     code moves the rule's live share step by step, baking while the
//     alarms judge each step, through an emulator of the AWS APIs it
//     calls (see ramp.go); it fails, having written back the share it
//     started from, when an alarm fires. A ramp deleted does nothing.
//   - anything else happens at once.
//
// The waits are those of the templates and of opts.Timing, scaled by it.
//
// When a step fails, the stack's update stops: steps under way are
// cancelled, and the stack is rolled back as CloudFormation rolls it
// back (see rollbackSteps); the stacks after it are not updated, those
// before it stay updated. The result reports the failure and the
// rollback; an error means the transition could not be carried out or
// rolled back at all (a container that does not build, a rollback that
// failed). After a completed transition the stage's Assembly is the new
// one.
//
// Builds come first, before any step, as `cdk deploy` publishes its assets
// before it updates a stack.
//
// It holds the stage (runner.Stage.Lock) while it runs: another Apply, or
// Close, waits for it.
func ApplyTo(ctx context.Context, s *runner.Stage, to *albemu.Assembly, opts Options) (*Result, error) {
	s.Lock()
	defer s.Unlock()
	timing, err := opts.Timing.withDefaults()
	if err != nil {
		return nil, err
	}
	plans := transition.Plans(s.Assembly.Templates, to.Templates)
	order, err := transition.StackOrder(to.Templates.Artifacts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", to.Dir, err)
	}
	logw := opts.Log
	if logw == nil {
		logw = s.Log()
	}
	r := &run{s: s, timing: timing, delays: newDelays(timing), log: log.New(logw, "transition ", 0),
		resolved: map[*albemu.Service]map[*albemu.Container]runner.Launch{}}
	if err := r.prepare(ctx, to, plans, order); err != nil {
		return nil, err
	}
	defer r.endRamps()
	if err := r.startRamps(to, plans); err != nil {
		return nil, err
	}
	r.begin = time.Now()
	r.res = &Result{From: s.Assembly.Dir, To: to.Dir, Listeners: []*albemu.Listener{s.Router.Listener()}}
	defer func() { r.res.Elapsed = time.Since(r.begin) }()
	for _, stack := range order {
		p := plans[stack.ID]
		if p == nil {
			continue
		}
		forward := phase{stack: stack, to: to}
		started, err := runSteps(ctx, p.Steps, func(ctx context.Context, st *transition.Step) error {
			return r.apply(ctx, forward, st)
		})
		r.res.Steps += len(started)
		if err == nil {
			continue
		}
		var se *StepError
		if !errors.As(err, &se) {
			return r.res, err // ctx ended, or the plan's steps could never all start
		}
		se.Stack = stack.Name
		r.res.Failed = se
		if se.Step.Change == transition.Delete {
			return r.res, nil // CloudFormation does not roll back its cleanup
		}
		back := phase{stack: stack, to: s.Assembly, rollback: true}
		if _, err := runSteps(ctx, rollbackSteps(p, started), func(ctx context.Context, st *transition.Step) error {
			return r.apply(ctx, back, st)
		}); err != nil {
			return r.res, fmt.Errorf("stack %s: the rollback failed (UPDATE_ROLLBACK_FAILED): %w", stack.Name, err)
		}
		r.res.RolledBack = true
		return r.res, nil
	}
	s.Assembly = to
	return r.res, nil
}

// run is one transition under way.
type run struct {
	s      *runner.Stage
	timing Timing
	delays *delays
	begin  time.Time
	log    *log.Logger

	mu  sync.Mutex // guards res, and the router's listener between read and write
	res *Result

	launchMu sync.Mutex // guards resolved
	// resolved holds how to launch the containers of each service the
	// run starts, by service (of the new assembly, or of the old one in a
	// rollback).
	resolved map[*albemu.Service]map[*albemu.Container]runner.Launch

	ramps rampEmulators // the AWS API emulators of the ramps (ramp.go)
}

// phase is a stack's update, or its rollback: the stack, and the assembly
// whose resources the steps move to.
type phase struct {
	stack    cfn.Stack
	to       *albemu.Assembly
	rollback bool
}

// prepare builds every container that the update starts, before any step,
// and keeps how to launch each.
func (r *run) prepare(ctx context.Context, to *albemu.Assembly, plans map[string]*transition.Plan, order []cfn.Stack) error {
	for _, stack := range order {
		p := plans[stack.ID]
		if p == nil {
			continue
		}
		for _, st := range p.Steps {
			svc := to.Service(albemu.ResourceID{Stack: stack.ID, LogicalID: st.ID})
			if st.Type != albemu.TypeService || st.Change == transition.Delete || svc == nil {
				continue
			}
			if _, err := r.launches(ctx, to, svc); err != nil {
				return err
			}
		}
	}
	return nil
}

// launches says how to run the containers of service svc of asm (see
// runner.Stage.Launches), resolving them once per service: prepare resolves
// those of the update, a rollback those it starts of the old assembly.
func (r *run) launches(ctx context.Context, asm *albemu.Assembly, svc *albemu.Service) (map[*albemu.Container]runner.Launch, error) {
	r.launchMu.Lock()
	defer r.launchMu.Unlock()
	if ls, ok := r.resolved[svc]; ok {
		return ls, nil
	}
	ls, err := r.s.Launches(ctx, asm, svc)
	if err != nil {
		return nil, err
	}
	r.resolved[svc] = ls
	return ls, nil
}

// apply carries out one step.
func (r *run) apply(ctx context.Context, ph phase, st *transition.Step) error {
	id := albemu.ResourceID{Stack: ph.stack.ID, LogicalID: st.ID}
	r.event(ph, st, "start")
	var err error
	switch st.Type {
	case albemu.TypeService:
		switch st.Change {
		case transition.Create:
			err = r.createService(ctx, ph, st, id)
		case transition.Update:
			err = r.updateService(ctx, ph, st, id)
		case transition.Delete:
			err = r.retireAll(ctx, ph, st, r.s.Tasks(id))
		}
	case albemu.TypeListenerRule:
		err = r.setRule(ph, id, st.Change)
	case albemu.TypeListener:
		if st.Change == transition.Update {
			r.setDefault(ph, id)
		}
	case transition.RampType:
		if st.Change != transition.Delete {
			err = r.runRamp(ctx, ph, st, id)
		}
	}
	switch {
	case err != nil && ctx.Err() != nil:
		r.event(ph, st, "cancelled")
		return err
	case err != nil:
		r.event(ph, st, "failed: "+firstLine(err.Error()))
		return err
	}
	r.event(ph, st, "done")
	return nil
}

// event records and logs what happened to a step's resource.
func (r *run) event(ph phase, st *transition.Step, what string) {
	e := Event{At: time.Since(r.begin), Stack: ph.stack.Name, ID: st.ID, Type: st.Type, Change: st.Change, Rollback: ph.rollback, What: what}
	r.mu.Lock()
	r.res.Events = append(r.res.Events, e)
	r.mu.Unlock()
	r.log.Print(e)
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
