package migration

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// Alarms configures the alarms on each service's target group, the
// monolith's included, so that the two sides of a weighted rule can be
// compared; the alarm on the load balancer's own 5xx answers; and the ECS
// deployment alarms that roll a service's deployment back when one of its
// alarms fires. Together they see what clients see: the errors a side's
// tasks return, the connections the load balancer cannot make to them, a
// side without a healthy task, slow answers, a storm of client errors,
// and the 502, 503 and 504 the load balancer answers itself. Each zero
// field takes its default.
type Alarms struct {
	// Disabled turns the alarms, and with them the deployment alarms and
	// the dashboard's alarm widgets, off. Default: false.
	Disabled bool
	// ErrorRatePercent is the rate of server errors that a side's clients
	// get, in percent of its requests, above which its error-rate alarm
	// fires: its tasks' 5xx answers, and the requests the load balancer
	// could not connect to a task for (it answers those 502 or 504
	// itself). Default: DefaultErrorRatePercent.
	ErrorRatePercent float64
	// ClientErrorRatePercent is the rate of 4xx answers of a side's tasks,
	// in percent of its requests, above which its client-error-rate alarm
	// fires: a storm of 404s where the monolith answered is how a service
	// that misses a route shows. Default: DefaultClientErrorRatePercent.
	ClientErrorRatePercent float64
	// LoadBalancerErrorRatePercent is the rate of the 5xx answers that the
	// load balancer itself gives (HTTPCode_ELB_5XX_Count: 502 when a task
	// resets or refuses, 503 when a target group has no registered target,
	// 504 when a task does not answer in time), in percent of all its
	// answers, above which the load-balancer-5xx alarm fires. CloudWatch
	// has this metric per load balancer only, not per target group, so it
	// is one alarm for every service. Default:
	// DefaultLoadBalancerErrorRatePercent.
	LoadBalancerErrorRatePercent float64
	// LatencyP99 is the 99th percentile of the target response time above
	// which the latency alarm fires. Default: DefaultLatencyP99.
	LatencyP99 time.Duration
	// UnhealthyHosts is the number of unhealthy targets at or above which
	// the unhealthy-hosts alarm fires. Default: DefaultUnhealthyHosts.
	UnhealthyHosts int
	// VersusMonolithErrorMargin is how many percentage points the error
	// rate of a service below 100 % (as ErrorRatePercent counts it) may
	// exceed the monolith's on the same paths, in the same period, before
	// its error-rate-vs-monolith alarm counts the period as a breach, if
	// the difference is also VersusMonolithZScore standard errors (not
	// chance); a period in which either side has no request is no breach.
	// From above 0 to 100. Default: DefaultVersusMonolithErrorMargin.
	VersusMonolithErrorMargin float64
	// VersusMonolithLatencyFactor is how many times the monolith's p99 on
	// the same paths the p99 of a service below 100 % may reach before its
	// latency-p99-vs-monolith alarm fires; a period in which either side
	// has no request is no breach. At least 1.
	// Default: DefaultVersusMonolithLatencyFactor.
	VersusMonolithLatencyFactor float64
	// VersusMonolithClientErrorMargin is how many percentage points the
	// rate of 4xx answers of a service below 100 % may exceed the
	// monolith's on the same paths, in the same period, before its
	// client-error-rate-vs-monolith alarm counts the period as a breach,
	// if the difference is also VersusMonolithZScore standard errors; a
	// period in which either side has no request is no breach. From above
	// 0 to 100. Default: DefaultVersusMonolithClientErrorMargin.
	VersusMonolithClientErrorMargin float64
	// VersusMonolithLatencyFloor is the least monolith p99 that the
	// latency comparison divides by, so that a monolith answering in
	// milliseconds does not make noise a breach: whole milliseconds, at
	// least 1ms. Default: DefaultVersusMonolithLatencyFloor.
	VersusMonolithLatencyFloor time.Duration
	// Period is the period of every alarm's metrics, whole minutes.
	// Default: DefaultAlarmPeriod.
	Period time.Duration
	// EvaluationPeriods is how many periods each alarm looks at.
	// Default: DefaultEvaluationPeriods.
	EvaluationPeriods int
	// DatapointsToAlarm is how many of those periods must breach, at most
	// EvaluationPeriods. Default: DefaultDatapointsToAlarm, or
	// EvaluationPeriods when that is smaller.
	DatapointsToAlarm int
	// NamePrefix begins every alarm's name, which is
	// PREFIX-SERVICE-SUFFIX (see the Suffix constants) or
	// PREFIX-load-balancer-5xx. Default: the stack's name.
	NamePrefix string
	// NoDeploymentRollback leaves the ECS services without deployment
	// alarms: a deployment is then rolled back by the circuit breaker
	// only. Default: false (a service's deployment rolls back when one of
	// its alarms, or the load balancer's, fires).
	NoDeploymentRollback bool
	// Topic is the SNS topic the alarms notify when they fire and when
	// they recover. A topic this app does not manage (imported) must let
	// CloudWatch publish, and its key let CloudWatch use it: the migration
	// cannot change their policies, so the synth says so in an info
	// message. Default: a new topic, encrypted with a KMS key that
	// CloudWatch may use, whose policy lets these alarms publish; subscribe
	// to it, or set Email. (Every alarm has an action: Control Tower
	// CT.CLOUDWATCH.PR.1.)
	Topic awssns.ITopic
	// Email subscribes an address to the new topic; it cannot be set with
	// Topic (subscribe to your own topic yourself). Default: "" (no
	// subscription: the synth warns that nobody is told).
	Email string
}

// VersusMonolithZScore is how many standard errors a service's error or
// 4xx rate must lie above the monolith's on the same paths, besides the
// margin (Alarms.VersusMonolithErrorMargin, VersusMonolithClientErrorMargin),
// for its comparison alarm to count a period as a breach: at 3, chance
// alone breaches about one period in 700, and three of five periods
// practically never.
const VersusMonolithZScore = 3.0

// The suffixes of a service's alarm names, PREFIX-SERVICE-SUFFIX, and the
// name of the load balancer's alarm, PREFIX-LoadBalancerAlarmSuffix. The
// VersusMonolith suffixes name the alarms that compare a service below
// 100 % with the monolith on the same paths.
const (
	ErrorRateSuffix               = "error-rate"
	ClientErrorRateSuffix         = "client-error-rate"
	LatencySuffix                 = "latency-p99"
	UnhealthyHostsSuffix          = "unhealthy-hosts"
	NoHealthyHostsSuffix          = "no-healthy-hosts"
	VersusMonolithErrorRateSuffix = "error-rate-vs-monolith"
	VersusMonolithLatencySuffix   = "latency-p99-vs-monolith"
	// VersusMonolithClientErrorRateSuffix is the longest suffix.
	VersusMonolithClientErrorRateSuffix = "client-error-rate-vs-monolith"
	LoadBalancerAlarmSuffix             = "load-balancer-5xx"
)

// ServiceAlarms are the alarms on one service's target group.
type ServiceAlarms struct {
	// ErrorRate fires when the rate of server errors the service's
	// clients get (its tasks' 5xx answers and the load balancer's failed
	// connections to them) is above Alarms.ErrorRatePercent; periods
	// without requests count as fine.
	ErrorRate awscloudwatch.Alarm
	// ClientErrorRate fires when the rate of its tasks' 4xx answers is
	// above Alarms.ClientErrorRatePercent.
	ClientErrorRate awscloudwatch.Alarm
	// Latency fires when the p99 target response time is above
	// Alarms.LatencyP99.
	Latency awscloudwatch.Alarm
	// UnhealthyHosts fires when Alarms.UnhealthyHosts targets or more
	// fail their health check.
	UnhealthyHosts awscloudwatch.Alarm
	// NoHealthyHosts fires when the target group has registered targets
	// and none is healthy: the load balancer then sends every request to
	// unhealthy tasks (it fails open).
	NoHealthyHosts awscloudwatch.Alarm
	// VersusMonolithErrorRate fires when the service's error rate (as
	// ErrorRate counts it) is more than Alarms.VersusMonolithErrorMargin
	// percentage points above the monolith's on the same paths (its
	// target group for them, Migration.MonolithTargetGroups); a period in
	// which either side has no request is no breach. Nil when the service
	// is at 100 % or the monolith is retired, and for the monolith.
	VersusMonolithErrorRate awscloudwatch.Alarm
	// VersusMonolithLatency fires when the service's p99 response time is
	// above Alarms.VersusMonolithLatencyFactor times the monolith's p99 on
	// the same paths (taken as at least Alarms.VersusMonolithLatencyFloor);
	// a period in which either side has no request is no breach. Nil when
	// VersusMonolithErrorRate is.
	VersusMonolithLatency awscloudwatch.Alarm
	// VersusMonolithClientErrorRate fires when the rate of the service's
	// 4xx answers is more than Alarms.VersusMonolithClientErrorMargin
	// percentage points above the monolith's on the same paths: a route
	// the service misses, where the monolith answered. A period in which
	// either side has no request is no breach; nil when
	// VersusMonolithErrorRate is.
	VersusMonolithClientErrorRate awscloudwatch.Alarm
}

// All returns the alarms in a fixed order: error rate, client error rate,
// latency, unhealthy hosts, no healthy hosts, then, when the service is
// compared with the monolith, error rate, latency and client error rate
// versus the monolith.
func (a *ServiceAlarms) All() []awscloudwatch.Alarm {
	all := []awscloudwatch.Alarm{a.ErrorRate, a.ClientErrorRate, a.Latency, a.UnhealthyHosts, a.NoHealthyHosts}
	for _, al := range []awscloudwatch.Alarm{a.VersusMonolithErrorRate, a.VersusMonolithLatency, a.VersusMonolithClientErrorRate} {
		if al != nil {
			all = append(all, al)
		}
	}
	return all
}

// serviceMetrics are the metrics of one target group that the alarms and
// the dashboard show: a service's own, or the monolith's on the paths of
// a service below 100 %.
type serviceMetrics struct {
	// name is the service whose tasks the target group holds.
	name string
	// id makes the metric math ids of the target group unique in a graph
	// or an alarm that shows several.
	id                 string
	requests           awscloudwatch.Metric
	errorRate          awscloudwatch.MathExpression
	clientErrorRate    awscloudwatch.MathExpression
	p50, p99           awscloudwatch.Metric
	healthy, unhealthy awscloudwatch.Metric
}

// every returns period as a CDK duration.
func every(period time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(period.Seconds()))
}

// metricsOf returns a service's target group metrics over period.
func metricsOf(s *microservice.Service, period time.Duration) *serviceMetrics {
	return targetGroupMetrics(s.Name, s.Name, s.Name, s.TargetGroup, period)
}

// targetGroupMetrics returns the metrics of target group tg of service
// name over period, labelled after side, their metric math ids made from
// key.
func targetGroupMetrics(name, side, key string, tg elbv2.IApplicationTargetGroup, period time.Duration) *serviceMetrics {
	opts := func(stat, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{
			Period:    every(period),
			Statistic: jsii.String(stat),
			Label:     jsii.String(side + " " + label),
		}
	}
	m := tg.Metrics()
	requests := m.RequestCount(opts("Sum", "requests"))
	// Metric math ids are unique in a graph that shows several target
	// groups.
	id := strings.ReplaceAll(key, "-", "_")
	req := "requests_" + id
	rate := func(label, expression string, using map[string]awscloudwatch.IMetric) awscloudwatch.MathExpression {
		using[req] = requests
		// IF without an else drops the periods without requests: the
		// alarm treats the missing points as fine, so no traffic is no
		// alarm.
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(fmt.Sprintf("IF(%s > 0, 100 * (%s) / %s)", req, expression, req)),
			UsingMetrics: &using,
			Label:        jsii.String(side + " " + label),
			Period:       every(period),
		})
	}
	errs, conn, client := "errors_"+id, "connection_errors_"+id, "client_errors_"+id
	return &serviceMetrics{
		name:     name,
		id:       id,
		requests: requests,
		// A request the load balancer could not connect to a task for is
		// counted in RequestCount (a target was chosen) and answered 502
		// or 504 by the load balancer, not by the task.
		errorRate: rate("5xx %", fmt.Sprintf("FILL(%s, 0) + FILL(%s, 0)", errs, conn), map[string]awscloudwatch.IMetric{
			errs: m.HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_5XX_COUNT, opts("Sum", "5xx")),
			conn: m.TargetConnectionErrorCount(opts("Sum", "connection errors")),
		}),
		clientErrorRate: rate("4xx %", fmt.Sprintf("FILL(%s, 0)", client), map[string]awscloudwatch.IMetric{
			client: m.HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_4XX_COUNT, opts("Sum", "4xx")),
		}),
		p50:       m.TargetResponseTime(opts("p50", "p50")),
		p99:       m.TargetResponseTime(opts("p99", "p99")),
		healthy:   m.HealthyHostCount(opts("Minimum", "healthy hosts")),
		unhealthy: m.UnhealthyHostCount(opts("Maximum", "unhealthy hosts")),
	}
}

// loadBalancerErrorRate is the rate of the 5xx answers the load balancer
// of listener gives itself, over period, in percent of its answers. Its
// RequestCount leaves out the requests for which it chose no target (503
// without a registered target), so the 5xx answers are added to it: the
// 502 and 504 of a chosen target are then counted twice, which can only
// lower the rate (to 50 % when every answer is one).
func loadBalancerErrorRate(listener elbv2.IApplicationListener, period time.Duration) awscloudwatch.MathExpression {
	// arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/LISTENER-ID
	parts := awscdk.Fn_Split(jsii.String("/"), listener.ListenerArn(), nil)
	fullName := awscdk.Fn_Join(jsii.String("/"), &[]*string{
		awscdk.Fn_Select(jsii.Number(1), parts), awscdk.Fn_Select(jsii.Number(2), parts), awscdk.Fn_Select(jsii.Number(3), parts),
	})
	metric := func(name, label string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/ApplicationELB"),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{"LoadBalancer": fullName},
			Statistic:     jsii.String("Sum"),
			Period:        every(period),
			Label:         jsii.String(label),
		})
	}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(FILL(lb_requests, 0) + FILL(lb_5xx, 0) > 0, 100 * FILL(lb_5xx, 0) / (FILL(lb_requests, 0) + FILL(lb_5xx, 0)))"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"lb_requests": metric("RequestCount", "load balancer requests"),
			"lb_5xx":      metric("HTTPCode_ELB_5XX_Count", "load balancer 5xx"),
		},
		Label:  jsii.String("load balancer 5xx %"),
		Period: every(period),
	})
}

// alarmMaker makes the migration's alarms with the same evaluation and
// actions.
type alarmMaker struct {
	a      Alarms
	action awscloudwatchactions.SnsAction
	// names are the names of the alarms made, by alarm.
	names map[awscloudwatch.Alarm]string
}

// alarm makes one alarm under scope, named PREFIX-suffix.
func (am *alarmMaker) alarm(scope constructs.Construct, id, suffix, description string, metric awscloudwatch.IMetric,
	threshold float64, op awscloudwatch.ComparisonOperator) awscloudwatch.Alarm {
	name := am.a.NamePrefix + "-" + suffix
	al := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(name),
		AlarmDescription:   jsii.String(description),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		ComparisonOperator: op,
		EvaluationPeriods:  jsii.Number(am.a.EvaluationPeriods),
		DatapointsToAlarm:  jsii.Number(am.a.DatapointsToAlarm),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	if am.action != nil {
		al.AddAlarmAction(am.action)
		al.AddOkAction(am.action)
	}
	if am.names == nil {
		am.names = map[awscloudwatch.Alarm]string{}
	}
	am.names[al] = name
	return al
}

// newLoadBalancerAlarm creates the alarm on the load balancer's own 5xx
// answers, under scope.
func (am *alarmMaker) newLoadBalancerAlarm(scope constructs.Construct, rate awscloudwatch.IMetric) awscloudwatch.Alarm {
	return am.alarm(scope, "LoadBalancerErrorRateAlarm", LoadBalancerAlarmSuffix,
		fmt.Sprintf("ecsplit: more than %g %% of the load balancer's answers are 5xx that it gives itself (502, 503, 504: a task that resets, no registered task, a task that does not answer)", am.a.LoadBalancerErrorRatePercent),
		rate, am.a.LoadBalancerErrorRatePercent, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD)
}

// newAlarms creates a service's alarms, under the service's construct,
// with those that compare it with the monolith on the same paths when same
// (the metrics of the monolith's target group for its paths) is not nil,
// and, unless a.NoDeploymentRollback, makes them and lb (the load
// balancer's alarm) the service's ECS deployment alarms.
func (am *alarmMaker) newAlarms(s *microservice.Service, m, same *serviceMetrics, lb awscloudwatch.Alarm) *ServiceAlarms {
	a := am.a
	prefix := s.Name + "-"
	sa := &ServiceAlarms{
		ErrorRate: am.alarm(s, "ErrorRateAlarm", prefix+ErrorRateSuffix,
			fmt.Sprintf("ecsplit: more than %g %% of the requests to %s end in a server error: its tasks' 5xx, or no connection to a task", a.ErrorRatePercent, s.Name),
			m.errorRate, a.ErrorRatePercent, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD),
		ClientErrorRate: am.alarm(s, "ClientErrorRateAlarm", prefix+ClientErrorRateSuffix,
			fmt.Sprintf("ecsplit: more than %g %% of the answers of %s's tasks are 4xx", a.ClientErrorRatePercent, s.Name),
			m.clientErrorRate, a.ClientErrorRatePercent, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD),
		Latency: am.alarm(s, "LatencyAlarm", prefix+LatencySuffix,
			fmt.Sprintf("ecsplit: %s's p99 response time is above %s", s.Name, a.LatencyP99),
			m.p99, a.LatencyP99.Seconds(), awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD),
		UnhealthyHosts: am.alarm(s, "UnhealthyHostsAlarm", prefix+UnhealthyHostsSuffix,
			fmt.Sprintf("ecsplit: %d or more of %s's tasks fail their health check", a.UnhealthyHosts, s.Name),
			m.unhealthy, float64(a.UnhealthyHosts), awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD),
		// HealthyHostCount is reported only while targets are registered:
		// no data (no task yet, or none left) is not a breach here; the
		// load balancer's 503s then show in its own alarm.
		NoHealthyHosts: am.alarm(s, "NoHealthyHostsAlarm", prefix+NoHealthyHostsSuffix,
			fmt.Sprintf("ecsplit: %s has registered tasks and none passes its health check: the load balancer sends its requests to unhealthy tasks", s.Name),
			m.healthy, 1, awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD),
	}
	if same != nil {
		sa.VersusMonolithErrorRate, sa.VersusMonolithLatency, sa.VersusMonolithClientErrorRate = am.newVersusAlarms(s, m, same)
	}
	if !a.NoDeploymentRollback {
		svc := s.CfnService()
		var names []*string // literal names: ECS needs the names, and a Ref would tie the service to its alarms twice
		for _, al := range append(sa.All(), lb) {
			names = append(names, jsii.String(am.names[al]))
			// ECS checks the alarms when a deployment starts: create
			// them first.
			svc.AddResourceDependency(al.Node().DefaultChild().(awscdk.CfnResource), jsii.String("ECS checks its deployment alarms when a deployment starts"))
		}
		s.Service.EnableDeploymentAlarms(&names, &awsecs.DeploymentAlarmOptions{Behavior: awsecs.AlarmBehavior_ROLLBACK_ON_ALARM})
	}
	return sa
}

// newVersusAlarms creates, under the service's construct, the alarms that
// compare service s (its metrics m) with the monolith on the same paths
// (same, the metrics of the monolith's target group for them): its error
// rate minus the monolith's, in percentage points, and its p99 over the
// monolith's. Each judges only the periods in which both sides have
// requests (IF without an else drops the others, which the alarm treats
// as fine): a side without traffic proves nothing.
func (am *alarmMaker) newVersusAlarms(s *microservice.Service, m, same *serviceMetrics) (errorRate, latency, clientErrorRate awscloudwatch.Alarm) {
	a := am.a
	reqS, reqM := "requests_"+m.id, "requests_"+same.id
	both := fmt.Sprintf("FILL(%s, 0) > 0 AND FILL(%s, 0) > 0", reqS, reqM)
	// excess judges a rate of service s (a percentage of its requests)
	// against the monolith's on the same paths, in the periods with
	// requests on both sides: when the service's lies more than margin
	// points above, it is how many standard errors above (a
	// two-proportion z-test with the pooled rate), and 0 otherwise. The
	// alarm fires above VersusMonolithZScore: the few requests a small
	// share gets in a period make differences of several points by chance
	// alone, which the margin alone would take for a fault.
	excess := func(what, key string, rateS, rateM awscloudwatch.IMetric, margin float64) awscloudwatch.MathExpression {
		idS, idM := key+"_"+m.id, key+"_"+same.id
		nS, nM := fmt.Sprintf("FILL(%s, 0)", reqS), fmt.Sprintf("FILL(%s, 0)", reqM)
		rS, rM := fmt.Sprintf("FILL(%s, 0)", idS), fmt.Sprintf("FILL(%s, 0)", idM)
		diff := fmt.Sprintf("(%s - %s)", rS, rM)
		pooled := fmt.Sprintf("((%s * %s + %s * %s) / (100 * (%s + %s)))", rS, nS, rM, nM, nS, nM)
		stderr := fmt.Sprintf("(100 * ((%[1]s * (1 - %[1]s) * (1 / %[2]s + 1 / %[3]s)) ^ 0.5))", pooled, nS, nM)
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf("IF(%s, IF(%s > %g, %s / %s, 0))", both, diff, margin, diff, stderr)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				reqS: m.requests, reqM: same.requests, idS: rateS, idM: rateM,
			},
			Label:  jsii.String(fmt.Sprintf("%s %s %%, standard errors above %s's on the same paths", s.Name, what, same.name)),
			Period: every(a.Period),
		})
	}
	diff := excess("5xx", "error_rate", m.errorRate, same.errorRate, a.VersusMonolithErrorMargin)
	p99S, p99M := "p99_"+m.id, "p99_"+same.id
	floor := a.VersusMonolithLatencyFloor.Seconds()
	ratio := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf("IF(FILL(%[1]s, 0) > 0 AND FILL(%[2]s, 0) > 0, FILL(%[1]s, 0) / IF(FILL(%[2]s, 0) > %[3]g, FILL(%[2]s, 0), %[3]g))",
			p99S, p99M, floor)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{p99S: m.p99, p99M: same.p99},
		Label:        jsii.String(fmt.Sprintf("%s p99 / %s's on the same paths", s.Name, same.name)),
		Period:       every(a.Period),
	})
	prefix := s.Name + "-"
	errorRate = am.alarm(s, "VersusMonolithErrorRateAlarm", prefix+VersusMonolithErrorRateSuffix,
		fmt.Sprintf("ecsplit: %s's error rate (its tasks' 5xx and failed connections, per request) is more than %g percentage points, and %g standard errors, above %s's on the same paths",
			s.Name, a.VersusMonolithErrorMargin, VersusMonolithZScore, same.name),
		diff, VersusMonolithZScore, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD)
	latency = am.alarm(s, "VersusMonolithLatencyAlarm", prefix+VersusMonolithLatencySuffix,
		fmt.Sprintf("ecsplit: %s's p99 response time is more than %g times %s's on the same paths (taken as at least %s)",
			s.Name, a.VersusMonolithLatencyFactor, same.name, a.VersusMonolithLatencyFloor),
		ratio, a.VersusMonolithLatencyFactor, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD)
	clientErrorRate = am.alarm(s, "VersusMonolithClientErrorRateAlarm", prefix+VersusMonolithClientErrorRateSuffix,
		fmt.Sprintf("ecsplit: the rate of %s's 4xx answers is more than %g percentage points, and %g standard errors, above %s's on the same paths",
			s.Name, a.VersusMonolithClientErrorMargin, VersusMonolithZScore, same.name),
		excess("4xx", "client_error_rate", m.clientErrorRate, same.clientErrorRate, a.VersusMonolithClientErrorMargin), VersusMonolithZScore,
		awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD)
	return errorRate, latency, clientErrorRate
}
