package deploy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecsplit/ecsplit/constructs/ramp"
	"github.com/ecsplit/ecsplit/constructs/ramp/lambda"
	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/awsemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// A ramp (transition.RampType, Custom::EcsplitRamp) created or updated is
// carried out as CloudFormation has its function carry it out: the same
// Go code (ramp.Begin, then ramp.Check until the target is live or the
// ramp fails), reading and writing the weighted rule and reading the
// alarms through the AWS SDK, against an emulator of those APIs
// (package awsemu) on the stage's router. Its spec is the template's
// properties, resolved as CloudFormation resolves them in awsemu.Env
// (so the ARNs are those the emulator serves) and read with
// lambda.SpecOf. In a rollback the ramp writes its target at once, as the
// function does when the stack is rolling back. A ramp deleted does
// nothing: the listener rule owns the weights.
//
// Time is compressed by Timing.Scale, the same factor as the other waits:
// an emulated second of the alarms lasts Scale real seconds (their 60 s
// periods last 0.6 s at 0.01), and the ramp follows a clock that runs
// 1/Scale times faster than the wall clock, so a bake of 5m lasts 3 s at
// 0.01 and the ramp reads the alarms every ramp.PollInterval (15 s), 150 ms
// at 0.01. The ramp's Slack (its time-out past its bakes) is compressed
// alike.
//
// A failed ramp (a *ramp.Failure: an alarm in ALARM during a bake) has
// written back the share it started from; the step fails, and the stack
// rolls back as for any failed step. A ramp whose context ends (another
// step failed) stops where it is, as ramp.Run does.

// rampEmulators are the AWS API emulators of a run's ramps, one per
// assembly whose ramps run (the new one; the old one in a rollback), all
// on the stage's router, which reports its traffic to the latest.
type rampEmulators struct {
	mu   sync.Mutex
	emus map[*albemu.Assembly]*rampEmulator
}

// rampEmulator is an emulator serving, and the SDK configuration of its
// clients.
type rampEmulator struct {
	srv *awsemu.Server
	cfg aws.Config
}

// startRamps starts the emulator of the assembly to when a step of plans
// creates or updates a ramp, before any step, so that the alarms have
// the traffic of the whole update, as they have in AWS.
func (r *run) startRamps(to *albemu.Assembly, plans map[string]*transition.Plan) error {
	for _, p := range plans {
		for _, st := range p.Steps {
			if st.Type == transition.RampType && st.Change != transition.Delete {
				_, err := r.rampEmulator(to)
				return err
			}
		}
	}
	return nil
}

// rampEmulator returns the emulator of asm, started on first use: from
// then on the router reports its traffic to it.
func (r *run) rampEmulator(asm *albemu.Assembly) (*rampEmulator, error) {
	r.ramps.mu.Lock()
	defer r.ramps.mu.Unlock()
	if e, ok := r.ramps.emus[asm]; ok {
		return e, nil
	}
	srv := awsemu.New(asm, r.s.Router, awsemu.Options{Scale: r.timing.Scale})
	endpoint, err := srv.Start("")
	if err != nil {
		return nil, fmt.Errorf("the ramps' AWS API emulator: %w", err)
	}
	r.s.Router.SetObserver(srv.Observe)
	if r.ramps.emus == nil {
		r.ramps.emus = map[*albemu.Assembly]*rampEmulator{}
	}
	e := &rampEmulator{srv: srv, cfg: awsemu.Config(endpoint)}
	r.ramps.emus[asm] = e
	for _, err := range srv.NotEmulated() {
		r.log.Printf("ramps: %v: it stays in INSUFFICIENT_DATA, so it cannot fail a bake", err)
	}
	return e, nil
}

// endRamps stops the emulators and the router's reports to them.
func (r *run) endRamps() {
	r.ramps.mu.Lock()
	defer r.ramps.mu.Unlock()
	if len(r.ramps.emus) == 0 {
		return
	}
	r.s.Router.SetObserver(nil)
	for _, e := range r.ramps.emus {
		e.srv.Close()
	}
	r.ramps.emus = nil
}

// runRamp carries out a ramp created or updated (see above).
func (r *run) runRamp(ctx context.Context, ph phase, st *transition.Step, id albemu.ResourceID) error {
	spec, err := rampSpec(ph.to, id)
	if err != nil {
		return err
	}
	emu, err := r.rampEmulator(ph.to)
	if err != nil {
		return err
	}
	elb := &rampELB{ELBV2: elbv2.NewFromConfig(emu.cfg), r: r, ph: ph, st: st, spec: spec, arns: emu.srv.ARNs()}
	c := ramp.Clients{ELBV2: elb, CloudWatch: cloudwatch.NewFromConfig(emu.cfg)}
	clock := newCompressed(r.timing.Scale)
	p, err := ramp.Begin(ctx, c, spec, clock.Now(), ph.rollback)
	if err != nil {
		return err
	}
	r.event(ph, st, describeRamp(spec, p, ph.rollback, r.timing))
	for {
		done, err := ramp.Check(ctx, c, spec, p, clock.Now())
		if err != nil || done {
			return err
		}
		if err := clock.Sleep(ctx, p.Wait(spec.Plan.Bake, clock.Interval(), clock.Now())); err != nil {
			return err
		}
	}
}

// rampSpec reads the spec of the ramp id of asm: its properties resolved
// in awsemu.Env, read by lambda.SpecOf.
func rampSpec(asm *albemu.Assembly, id albemu.ResourceID) (ramp.Spec, error) {
	t := asm.Templates.Stacks[id.Stack]
	if t == nil || t.Resources[id.LogicalID] == nil {
		return ramp.Spec{}, fmt.Errorf("no ramp %s in the assembly %s", id, asm.Dir)
	}
	props, err := cfn.NewResolver(asm.Templates, awsemu.Env()).Resolve(id.Stack, t.Resources[id.LogicalID].Properties)
	if err != nil {
		return ramp.Spec{}, fmt.Errorf("resolving the properties of ramp %s: %w", id, err)
	}
	m, _ := props.(map[string]any)
	return lambda.SpecOf(m)
}

// describeRamp says what a ramp is about to do, for its event.
func describeRamp(spec ramp.Spec, p ramp.Progress, straight bool, t Timing) string {
	switch {
	case straight:
		return fmt.Sprintf("ramp of %s from %d %% to %d %% at once: the stack is rolling back", spec.Service, p.From, spec.Percent)
	case len(p.Steps) == 0:
		return fmt.Sprintf("ramp of %s from %d %% to %d %% at once (going down or staying)", spec.Service, p.From, spec.Percent)
	}
	var through []string
	for _, s := range p.Steps[:len(p.Steps)-1] {
		through = append(through, fmt.Sprintf("%d %%", s))
	}
	how := "straight"
	if len(through) > 0 {
		how = fmt.Sprintf("through %s, baking %s each (%s here) judged by %s", strings.Join(through, ", "),
			spec.Plan.Bake, t.scale(spec.Plan.Bake).Round(time.Millisecond), strings.Join(spec.Alarms, ", "))
	}
	return fmt.Sprintf("ramp of %s from %d %% to %d %% %s", spec.Service, p.From, spec.Percent, how)
}

// rampELB is a ramp's Elastic Load Balancing client: the SDK's, on the
// emulator, whose ModifyRule swaps the router's listener under the run's
// lock, as setRule does, so that a ramp and a rule change elsewhere on
// the listener never lose each other's change; it records the listener
// served after, and an event with the share written.
type rampELB struct {
	ramp.ELBV2
	r    *run
	ph   phase
	st   *transition.Step
	spec ramp.Spec
	arns *awsemu.ARNs
}

func (c *rampELB) ModifyRule(ctx context.Context, in *elbv2.ModifyRuleInput, opts ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error) {
	c.r.mu.Lock()
	out, err := c.ELBV2.ModifyRule(ctx, in, opts...)
	if err == nil {
		c.r.res.Listeners = append(c.r.res.Listeners, c.r.s.Router.Listener())
	}
	c.r.mu.Unlock()
	if err == nil {
		c.r.event(c.ph, c.st, "wrote "+c.shares(in))
	}
	return out, err
}

// shares describes the weights a ModifyRule writes, such as
// "users 25 %, monolithTargetGroup 75 %": the service by name, another
// group by its logical id.
func (c *rampELB) shares(in *elbv2.ModifyRuleInput) string {
	var parts []string
	for _, a := range in.Actions {
		if a.ForwardConfig == nil {
			continue
		}
		for _, g := range a.ForwardConfig.TargetGroups {
			who := aws.ToString(g.TargetGroupArn)
			if who == c.spec.ServiceTargetGroupArn {
				who = c.spec.Service
			} else if id, ok := c.arns.Lookup(who); ok {
				who = id.LogicalID
			}
			parts = append(parts, fmt.Sprintf("%s %d %%", who, aws.ToInt32(g.Weight)))
		}
	}
	return strings.Join(parts, ", ")
}

// compressed is a ramp.Clock that runs 1/scale times faster than the wall
// clock from when it is made, and reads the alarms every
// ramp.PollInterval of its own time.
type compressed struct {
	origin time.Time
	scale  float64
}

func newCompressed(scale float64) compressed { return compressed{origin: time.Now(), scale: scale} }

func (c compressed) Now() time.Time {
	return c.origin.Add(time.Duration(float64(time.Since(c.origin)) / c.scale))
}

func (c compressed) Sleep(ctx context.Context, d time.Duration) error {
	return sleep(ctx, time.Duration(float64(d)*c.scale))
}

func (c compressed) Interval() time.Duration { return ramp.PollInterval }
