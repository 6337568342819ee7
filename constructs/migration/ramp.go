package migration

import (
	"cmp"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/ramp"
	"github.com/ecsplit/ecsplit/constructs/ramp/lambda"
)

// Ramp is a hands-off cutover: one deploy moves each extracted service
// from the share its weighted listener rule has when the stack deploys
// (the live share) to its share in the state, through each of Steps that
// lies between them, baking Bake at each step. A bake fails when one of
// the alarms that judge it is in ALARM: the service's (its comparisons
// with the monolith on the same paths among them, but not its absolute
// client-error rate, which its comparison replaces) and the load
// balancer's. The ramp then puts the live share back at once, and the
// deploy fails, so CloudFormation rolls the stack back. Going down, as a
// rollback does, goes straight to the state's share.
//
// While a ramp is set, every extracted service has a weighted rule, at
// 100 % too (the monolith's target group for its paths then weighs 0), so
// that the steps of a ramp to 100 % are compared with the monolith; at
// most MaxWeightedServices services may then be extracted at once.
//
// The ramp is a CloudFormation custom resource per extracted service,
// backed by one Go function (provided.al2023, built from
// github.com/ecsplit/ecsplit/cmd/ecsplit-ramp at synth) that drives itself
// until it answers CloudFormation. Its limits are CloudFormation's: a
// custom resource must answer within an hour, so the bakes of one ramp
// total at most MaxRampTotal.
type Ramp struct {
	// Steps are the shares, in percent, a service stops at on its way up,
	// increasing, each from MinRampStep to MaxRampStep. Required for a
	// ramp; none (nil) turns the ramp off.
	Steps []int
	// Bake is how long each step lasts while its alarms judge it, from
	// MinRampBake to MaxRampTotal / len(Steps). Default: DefaultRampBake.
	Bake time.Duration
}

// Bounds of a Ramp, the mechanism's: see Ramp.
const (
	// MinRampStep and MaxRampStep bound a step: a share strictly between
	// the monolith alone and the service alone.
	MinRampStep = ramp.MinStep
	MaxRampStep = ramp.MaxStep
	// MinRampBake is the shortest bake: one period of the alarms that
	// judge it.
	MinRampBake = ramp.MinBake
	// MaxRampTotal bounds the bakes of one ramp together: CloudFormation
	// waits at most an hour (ServiceTimeout, 3600 seconds) for a custom
	// resource, and the rest of the hour is kept for the rule changes,
	// the polls and the answer.
	MaxRampTotal = ramp.MaxTotal
)

// ParseRamp parses a ramp written as STEP[,STEP...][:BAKE], such as
// "5,25,50:5m" (the app's context key ramp); a missing BAKE is
// DefaultRampBake, and "" is no ramp. The error is one line that says what
// is wrong and what is allowed.
func ParseRamp(s string) (Ramp, error) {
	plan, err := ramp.ParsePlan(s)
	if err != nil {
		return Ramp{}, err
	}
	return Ramp{Steps: plan.Steps, Bake: plan.Bake}, nil
}

// String returns the ramp in ParseRamp's syntax.
func (r Ramp) String() string { return r.plan().String() }

// plan is the ramp as package ramp takes it.
func (r Ramp) plan() ramp.Plan { return ramp.Plan{Steps: r.Steps, Bake: r.Bake} }

// on reports whether the ramp is set.
func (r Ramp) on() bool { return len(r.Steps) > 0 }

// checkRamp checks the ramp and fills in its defaults: a bake without steps
// is a mistake, and so is a ramp with the alarms off (nothing would judge
// it).
func checkRamp(v invalid.Construct, r *Ramp, alarmsDisabled bool) {
	if !r.on() {
		if r.Bake != 0 {
			v.Fail("Ramp.Bake", "is %s but Ramp.Steps is empty; set the steps (for example %s) or leave the bake unset", r.Bake, rampExample)
		}
		return
	}
	r.Bake = cmp.Or(r.Bake, DefaultRampBake)
	if err := r.plan().Check(); err != nil {
		v.Fail("Ramp", "%v", err)
	}
	if alarmsDisabled {
		v.Fail("Ramp", "is set but Alarms.Disabled is true: the alarms judge each bake, so a ramp needs them; turn the alarms on or remove the ramp")
	}
}

// rampExample is a ramp for messages.
const rampExample = "5,25,50:5m"

// addRamps adds, when Props.Ramp is set and the monolith runs, one ramp per
// extracted service, and the function that drives them. Each ramp waits
// for what the service's routing rule waits for (the service's and the
// monolith's Ready resources), and for its alarms and its function's
// policy; the routing rule then waits for the ramp, so CloudFormation
// changes the rule only once the ramp has brought the live share to the
// state's.
func (m *Migration) addRamps(p Props) {
	if !p.Ramp.on() || m.Monolith == nil || len(m.Alarms) == 0 {
		return
	}
	code, err := rampBuild()
	if err != nil {
		invalid.New(m, "migration", *m.Node().Id()).Fail("Ramp", "cannot build the ramp's function: %v", err)
		return
	}
	// Each ramp's spec; its alarm names are Refs, so CloudFormation
	// creates the alarms before the ramp reads them.
	var specs []ramp.Spec
	var names []string
	for _, name := range m.names {
		svc := m.Services[name]
		if svc == nil {
			continue
		}
		percent, _ := m.State.Percent(name)
		spec := ramp.Spec{
			Service:                name,
			ListenerArn:            *p.Platform.Listener.ListenerArn(),
			Priority:               svc.Priority,
			ServiceTargetGroupArn:  *svc.TargetGroup.TargetGroupArn(),
			MonolithTargetGroupArn: *m.MonolithTargetGroups[name].TargetGroupArn(),
			Percent:                percent,
			Plan:                   p.Ramp.plan(),
		}
		for _, a := range rampJudges(m.Alarms[name], m.LoadBalancerAlarm) {
			spec.Alarms = append(spec.Alarms, *a.AlarmName())
		}
		names = append(names, spec.Alarms...)
		specs = append(specs, spec)
	}
	if len(specs) == 0 {
		return
	}
	slices.Sort(names)
	fn := newRampFunction(m, code, p.Platform.Listener, slices.Compact(names))
	for _, spec := range specs {
		svc := m.Services[spec.Service]
		props := lambda.Properties(spec)
		cr := awscdk.NewCustomResource(m, jsii.String("Ramp"+spec.Service), &awscdk.CustomResourceProps{
			ServiceToken:   fn.fn.FunctionArn(),
			ResourceType:   jsii.String(RampResourceType),
			ServiceTimeout: awscdk.Duration_Seconds(jsii.Number(rampServiceTimeout.Seconds())),
			Properties:     &props,
		})
		cr.Node().AddDependency(fn.policy)
		for _, r := range slices.Concat(svc.Ready(), m.Monolith.Ready()) {
			cr.Node().AddDependency(r)
		}
		svc.ListenerRule.Node().AddDependency(cr)
		m.Ramps[spec.Service] = cr
	}
}

// rampJudges are the alarms that judge the bakes of a service's ramp:
// every alarm of the service (its comparisons with the monolith on the
// same paths among them) but its client-error rate, whose absolute
// threshold measures the clients' requests as much as the service (a
// share of paths that answer many 404s by design fails it on the monolith
// too): its comparison with the monolith judges the 4xx instead; and the
// load balancer's 5xx alarm.
func rampJudges(a *ServiceAlarms, lb awscloudwatch.Alarm) []awscloudwatch.Alarm {
	var out []awscloudwatch.Alarm
	for _, al := range a.All() {
		if al != a.ClientErrorRate {
			out = append(out, al)
		}
	}
	return append(out, lb)
}

// RampResourceType is the CloudFormation type of a ramp.
const RampResourceType = "Custom::EcsplitRamp"
