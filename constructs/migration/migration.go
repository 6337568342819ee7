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
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
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
	// PreviewHeader is the preview header, "" when preview is off.
	PreviewHeader string
	// Alarms holds every service's alarms by name, the monolith's
	// included; empty when Props.Alarms.Disabled.
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
	m := &Migration{Services: map[string]*microservice.Service{}, Alarms: map[string]*ServiceAlarms{}, Ramps: map[string]awscdk.CustomResource{}}
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
		if percent < 100 {
			// The rest goes to the monolith, which a rollback from the
			// retired state may be creating again: the rule waits for it
			// too.
			svc.Share = &microservice.Share{Percent: percent, Other: m.Monolith.TargetGroup,
				OtherReady: m.Monolith.Ready(), Stickiness: p.Stickiness}
		}
		m.Services[svc.Name] = microservice.New(m, svc.Name, &svc)
	}
	m.observe(p)
	m.addRamps(p)
	return m
}

// observe adds the alarms, their topic and the dashboard.
func (m *Migration) observe(p Props) {
	metrics := map[string]*serviceMetrics{}
	for _, name := range append([]string{p.Monolith.Name}, m.names...) {
		if s := m.Services[name]; s != nil {
			metrics[name] = metricsOf(s, p.Alarms.Period)
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
				m.Alarms[name] = am.newAlarms(s, metrics[name], m.LoadBalancerAlarm)
			}
		}
		letAlarmsPublish(m, m.AlarmTopic, slices.Collect(maps.Values(am.names)))
	}
	if !p.Dashboard.Disabled {
		m.Dashboard = m.newDashboard(p.Dashboard.Name, metrics, lbRate)
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
