// Package migration moves a monolith's paths to extracted services, one
// service and one traffic share at a time, on one ALB listener: the library
// form of ecsplit's gradual cutover. Give it the whole plan (the monolith
// and the services to extract, in order) and the current State; it checks
// the plan in every state, creates the monolith until the state retires it
// (an explicit step), and each extracted service with its share of its
// paths' requests (a weighted forward to it and the monolith), with
// listener rule priorities that come from the plan, so that changing the
// state never renumbers a rule.
//
// Each service is a microservice.Service; the migration sets their
// Platform, Share and PreviewHeader.
package migration

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// Props configures a Migration. Platform, Monolith and Services are
// required.
type Props struct {
	// Platform is where every service runs: the cluster, the listener that
	// routes every service's paths, and what they are checked against
	// (microservice.PlatformOf, or PlatformFromAttributes). Required.
	Platform *microservice.Platform
	// Monolith is the monolith: its Name, Paths (which must match every
	// path a service serves below 100 %), Image and any other
	// microservice prop. Leave Platform, Share and PreviewHeader unset:
	// the migration sets them. Required.
	Monolith microservice.Props
	// Services are the services to extract, in extraction order, each
	// with its Name, Paths, Image and any other microservice prop
	// (Platform, Share and PreviewHeader unset). Required: at least one.
	Services []microservice.Props
	// State is the current state: the services extracted so far and their
	// shares, and whether the monolith is retired. Names must be Services'
	// names. A state only decides what is created: every service's props
	// are checked in every state. Default: the zero State, the monolith
	// alone.
	State State
	// RetireUnownedPaths lets the monolith be retired (State.Retired)
	// although its patterns match paths that no service's pattern does:
	// those paths then get the listener's default action. Set it once a
	// comparison of the states with your clients' requests (ecsplit-local
	// compare) shows that no client needs them. Default: false: retiring
	// is refused, naming one such path.
	RetireUnownedPaths bool
	// Stickiness keeps a client that returns the ALB's AWSALBTG cookie on
	// the side of a weighted rule (service or monolith) it first reached,
	// for microservice.MinStickiness to MaxStickiness. Default: 0, none.
	Stickiness time.Duration
	// PreviewHeader names the preview header: a request that carries it
	// with a service's name as its value, for one of that service's paths,
	// reaches that service whatever its share, 0 % included, from the
	// moment it is extracted; with the monolith's name, the monolith, on
	// the paths no service owns more specifically. A service's Paths then
	// hold at most microservice.MaxPathPatterns - 1 patterns.
	// Default: DefaultPreviewHeader.
	PreviewHeader string
	// DisablePreview turns the preview header off: no request reaches a
	// service but by its share. Default: false.
	DisablePreview bool
	// Alarms configures the alarms on every service's target group and the
	// ECS deployment alarms. Default: on, with the Default* thresholds.
	Alarms Alarms
	// Dashboard configures the migration dashboard. Default: on, named
	// after the stack.
	Dashboard Dashboard
	// Ramp moves each extracted service from the share it has when the
	// stack deploys to its share in State step by step, baking at each
	// step and judged by its alarms, in one deploy (see Ramp). Default:
	// the zero Ramp, none: a deploy sets the state's shares at once.
	Ramp Ramp
}

// Migration is a monolith and the services extracted from it so far, on one
// listener.
type Migration struct {
	constructs.Construct
	// State is the state the migration was made in (Props.State).
	State State
	// Monolith is the monolith's service; nil once the state retires it
	// (State.Retired).
	Monolith *microservice.Service
	// Services holds every service created, the monolith included, by
	// name.
	Services map[string]*microservice.Service
	// MonolithTargetGroups holds, by service name, the monolith's target
	// group for that service's paths, for each service below 100 % while
	// the monolith runs: the service's weighted rule sends the monolith's
	// share there, not to the monolith's own target group, so that the two
	// sides are measured, alarmed on (ServiceAlarms.VersusMonolith*) and
	// drawn on the same paths. They are the monolith's
	// ExtraTargetGroups, MaxWeightedServices at most, which it is
	// registered in whatever the state (see MaxWeightedServices).
	MonolithTargetGroups map[string]elbv2.ApplicationTargetGroup
	// PreviewHeader is the preview header, "" when preview is off.
	PreviewHeader string
	// Alarms holds every service's alarms by name, the monolith's
	// included, with the comparisons with the monolith of each service
	// below 100 %; empty when Props.Alarms.Disabled.
	Alarms map[string]*ServiceAlarms
	// LoadBalancerAlarm fires on the load balancer's own 5xx answers; it
	// is a deployment alarm of every service. Nil when
	// Props.Alarms.Disabled.
	LoadBalancerAlarm awscloudwatch.Alarm
	// AlarmTopic is the topic the alarms notify (Props.Alarms.Topic, or
	// the new one); nil when Props.Alarms.Disabled.
	AlarmTopic awssns.ITopic
	// Dashboard is the migration dashboard; nil when
	// Props.Dashboard.Disabled.
	Dashboard awscloudwatch.Dashboard
	// Ramps holds each extracted service's ramp (a CloudFormation custom
	// resource of type RampResourceType), by name; empty without
	// Props.Ramp or once the monolith is retired.
	Ramps map[string]awscdk.CustomResource
	// names are the names of Props.Services, in extraction order.
	names []string
}

// New creates a Migration. It checks the whole plan, whatever the state:
// every service's props (as microservice.New does), names, paths that two
// services' patterns both match (unless one lies inside the other,
// microservice.Props.Inside), the rule priorities, and the state: a name
// missing from Services, a share below 100 % of a pattern the monolith's
// patterns do not match, and a retirement that drops paths no service owns
// (RetireUnownedPaths). It reports each problem as an error annotation on
// the new construct, naming the prop, the value and what is allowed
// (`cdk synth` then prints them and fails), and then builds nothing else.
func New(scope constructs.Construct, id string, props *Props) *Migration {
	m := &Migration{Services: map[string]*microservice.Service{}, Alarms: map[string]*ServiceAlarms{}, Ramps: map[string]awscdk.CustomResource{},
		MonolithTargetGroups: map[string]elbv2.ApplicationTargetGroup{}}
	constructs.NewConstruct_Override(m, scope, &id)
	p, plan, ok := validate(invalid.New(m, "migration", id), *awscdk.Stack_Of(m).StackName(), props)
	m.State, m.PreviewHeader = p.State, p.PreviewHeader
	for _, s := range p.Services {
		m.names = append(m.names, s.Name)
	}
	if !ok {
		return m
	}
	if !p.State.Retired {
		mono := plan[0]
		m.Monolith = microservice.New(m, mono.Name, &mono)
		m.Services[mono.Name] = m.Monolith
	}
	slots := weightedSlots(p.State, m.names, p.Ramp.on())
	for _, svc := range plan[1:] {
		percent, extracted := p.State.Percent(svc.Name)
		if !extracted {
			continue
		}
		if m.Monolith != nil && (svc.Inside == "" || !p.State.has(svc.Inside)) {
			// Carved out of the monolith: its patterns lie inside the
			// monolith's (checked), and its rules come first.
			svc.Inside = m.Monolith.Name
		}
		if slot, ok := slots[svc.Name]; ok { // weighted, and the monolith runs
			// The rest goes to the monolith, on its target group for
			// these paths, which a rollback from the retired state may be
			// creating again: the rule waits for it too.
			other := m.Monolith.ExtraTargetGroups[slot]
			m.MonolithTargetGroups[svc.Name] = other
			svc.Share = &microservice.Share{Percent: percent, Other: other,
				OtherReady: m.Monolith.Ready(), Stickiness: p.Stickiness}
		}
		m.Services[svc.Name] = microservice.New(m, svc.Name, &svc)
	}
	m.observe(p)
	m.addRamps(p)
	return m
}

// MaxWeightedServices is the most services that may be below 100 % at
// once while the monolith runs. The monolith's share of each one's paths
// has a target group of its own (Migration.MonolithTargetGroups), and ECS
// registers a service in at most microservice.MaxTargetGroups target
// groups, its own included.
//
// The monolith is registered in min(len(Props.Services),
// MaxWeightedServices) such target groups in every state in which it runs,
// whichever services are below 100 %: a state only chooses which service's
// weighted rule uses which. A registration that came and went with a
// service's share could not be ordered safely: when a service below 100 %
// leaves the state (a step back to the monolith), the monolith's update
// that drops the target group drains it during CloudFormation's update
// phase, while the service's rule, which still sends the monolith's share
// there, is deleted only in the cleanup phase after it.
const MaxWeightedServices = microservice.MaxExtraTargetGroups

// monolithTargetGroups is how many target groups beside its own the
// monolith of a plan of that many services is registered in.
func monolithTargetGroups(services int) int {
	return min(services, MaxWeightedServices)
}

// weighted reports whether a service extracted at percent has a weighted
// rule, with the monolith's share on the monolith's target group for its
// paths and the comparisons with it: below 100 %, and at 100 % too while
// a ramp may run (Props.Ramp), so that the steps of a ramp to 100 % are
// judged against the monolith on the same paths (the rule then sends the
// monolith 0 %).
func weighted(percent int, ramp bool) bool { return percent < 100 || ramp }

// weightedSlots says which of the monolith's extra target groups (its
// ExtraTargetGroups, for a plan of the services names) takes the monolith's
// share of each weighted service of state (see weighted), by name: the service's
// place in the plan modulo their number, or the next free one. A plan of
// at most MaxWeightedServices services thus gives each service the same
// target group in every state. Services beyond the slots get none (the
// plan's check refuses such a state).
func weightedSlots(state State, names []string, ramp bool) map[string]int {
	slots := monolithTargetGroups(len(names))
	out := map[string]int{}
	if state.Retired || slots == 0 {
		return out
	}
	taken := make([]bool, slots)
	for i, name := range names {
		if percent, ok := state.Percent(name); !ok || !weighted(percent, ramp) {
			continue
		}
		for k := range slots {
			if j := (i + k) % slots; !taken[j] {
				taken[j], out[name] = true, j
				break
			}
		}
	}
	return out
}

// observe adds the alarms, their topic and the dashboard.
func (m *Migration) observe(p Props) {
	metrics := map[string]*serviceMetrics{}
	for _, name := range append([]string{p.Monolith.Name}, m.names...) {
		if s := m.Services[name]; s != nil {
			metrics[name] = metricsOf(s, p.Alarms.Period)
		}
	}
	// The monolith on each weighted service's paths.
	same := map[string]*serviceMetrics{}
	for _, name := range m.names {
		if tg := m.MonolithTargetGroups[name]; tg != nil {
			mono := m.Monolith.Name
			same[name] = targetGroupMetrics(mono, fmt.Sprintf("%s (%s paths)", mono, name), mono+"_on_"+name, tg, p.Alarms.Period)
		}
	}
	lbRate := loadBalancerErrorRate(p.Platform.Listener, p.Alarms.Period)
	if !p.Alarms.Disabled {
		m.AlarmTopic = p.Alarms.Topic
		if m.AlarmTopic == nil {
			m.AlarmTopic = newAlarmTopic(m, p.Alarms.Email)
		}
		am := &alarmMaker{a: p.Alarms, action: awscloudwatchactions.NewSnsAction(m.AlarmTopic)}
		m.LoadBalancerAlarm = am.newLoadBalancerAlarm(m, lbRate)
		for _, name := range append([]string{p.Monolith.Name}, m.names...) {
			if s := m.Services[name]; s != nil {
				m.Alarms[name] = am.newAlarms(s, metrics[name], same[name], m.LoadBalancerAlarm)
			}
		}
		letAlarmsPublish(m, m.AlarmTopic, slices.Collect(maps.Values(am.names)))
	}
	if !p.Dashboard.Disabled {
		m.Dashboard = m.newDashboard(p.Dashboard.Name, metrics, same, lbRate)
	}
}

// Service returns the service of that name, the monolith included, or nil
// when the state does not run it.
func (m *Migration) Service(name string) *microservice.Service {
	return m.Services[name]
}

// StateText returns the state in ParseState's syntax ("split" once the
// monolith is retired).
func (m *Migration) StateText() string {
	return m.State.String()
}

// ServiceNames returns the names of the services to extract, in extraction
// order (Props.Services).
func (m *Migration) ServiceNames() []string {
	return slices.Clone(m.names)
}
