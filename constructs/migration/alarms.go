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
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// Alarms configures the alarms on each service's target group, the
// monolith's included, so that the two sides of a weighted rule can be
// compared, and the ECS deployment alarms that roll a service's deployment
// back when one of its alarms fires. Each zero field takes its default.
type Alarms struct {
	// Disabled turns the alarms, and with them the deployment alarms and
	// the dashboard's alarm widgets, off. Default: false.
	Disabled bool
	// ErrorRatePercent is the 5xx rate (the target group's target 5xx
	// responses per request, in percent) above which the error-rate alarm
	// fires. Default: DefaultErrorRatePercent.
	ErrorRatePercent float64
	// LatencyP99 is the 99th percentile of the target response time above
	// which the latency alarm fires. Default: DefaultLatencyP99.
	LatencyP99 time.Duration
	// UnhealthyHosts is the number of unhealthy targets at or above which
	// the unhealthy-hosts alarm fires. Default: DefaultUnhealthyHosts.
	UnhealthyHosts int
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
	// PREFIX-SERVICE-error-rate, -latency-p99 or -unhealthy-hosts.
	// Default: the stack's name.
	NamePrefix string
	// NoDeploymentRollback leaves the ECS services without deployment
	// alarms: a deployment is then rolled back by the circuit breaker
	// only. Default: false (a service's deployment rolls back when one of
	// its alarms fires).
	NoDeploymentRollback bool
	// Topic is the SNS topic the alarms notify when they fire and when
	// they recover. Default: a new topic, encrypted with a KMS key that
	// only CloudWatch alarms of the account may use; subscribe to it, or
	// set Email. (Every alarm has an action: Control Tower
	// CT.CLOUDWATCH.PR.1.)
	Topic awssns.ITopic
	// Email subscribes an address to the new topic (ignored when Topic is
	// set). Default: "" (no subscription).
	Email string
}

// ServiceAlarms are the alarms on one service's target group.
type ServiceAlarms struct {
	// ErrorRate fires when the target 5xx rate is above
	// Alarms.ErrorRatePercent; periods without requests count as fine.
	ErrorRate awscloudwatch.Alarm
	// Latency fires when the p99 target response time is above
	// Alarms.LatencyP99.
	Latency awscloudwatch.Alarm
	// UnhealthyHosts fires when Alarms.UnhealthyHosts targets or more
	// fail their health check.
	UnhealthyHosts awscloudwatch.Alarm
}

// all returns the alarms in a fixed order.
func (a *ServiceAlarms) all() []awscloudwatch.Alarm {
	return []awscloudwatch.Alarm{a.ErrorRate, a.Latency, a.UnhealthyHosts}
}

// serviceMetrics are the metrics of one service's target group that the
// alarms and the dashboard show.
type serviceMetrics struct {
	name               string
	requests           awscloudwatch.Metric
	errorRate          awscloudwatch.MathExpression
	p50, p99           awscloudwatch.Metric
	healthy, unhealthy awscloudwatch.Metric
}

// metricsOf returns a service's target group metrics over period.
func metricsOf(s *microservice.Service, period time.Duration) *serviceMetrics {
	every := awscdk.Duration_Seconds(jsii.Number(period.Seconds()))
	opts := func(stat, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{
			Period:    every,
			Statistic: jsii.String(stat),
			Label:     jsii.String(s.Name + " " + label),
		}
	}
	m := s.TargetGroup.Metrics()
	requests := m.RequestCount(opts("Sum", "requests"))
	errors := m.HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_5XX_COUNT, opts("Sum", "5xx"))
	// Metric math ids are unique in a graph that shows several services.
	id := strings.ReplaceAll(s.Name, "-", "_")
	req, errs := "requests_"+id, "errors_"+id
	return &serviceMetrics{
		name:     s.Name,
		requests: requests,
		// IF without an else drops the periods without requests: the alarm
		// treats the missing points as fine, so no traffic is no alarm.
		errorRate: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(fmt.Sprintf("IF(%s > 0, 100 * FILL(%s, 0) / %s)", req, errs, req)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{req: requests, errs: errors},
			Label:        jsii.String(s.Name + " 5xx %"),
			Period:       every,
		}),
		p50:       m.TargetResponseTime(opts("p50", "p50")),
		p99:       m.TargetResponseTime(opts("p99", "p99")),
		healthy:   m.HealthyHostCount(opts("Minimum", "healthy hosts")),
		unhealthy: m.UnhealthyHostCount(opts("Maximum", "unhealthy hosts")),
	}
}

// newAlarms creates a service's alarms, under the service's construct,
// notifies topic (when set), and, unless a.NoDeploymentRollback, makes them
// the service's ECS deployment alarms.
func newAlarms(s *microservice.Service, m *serviceMetrics, a Alarms, topic awssns.ITopic) *ServiceAlarms {
	var names []*string // literal names: ECS needs the names, and a Ref would tie the service to its alarms twice
	var action awscloudwatchactions.SnsAction
	if topic != nil {
		action = awscloudwatchactions.NewSnsAction(topic)
	}
	alarm := func(id, suffix, description string, metric awscloudwatch.IMetric, threshold float64, op awscloudwatch.ComparisonOperator) awscloudwatch.Alarm {
		name := fmt.Sprintf("%s-%s-%s", a.NamePrefix, s.Name, suffix)
		names = append(names, jsii.String(name))
		al := awscloudwatch.NewAlarm(s, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(name),
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: op,
			EvaluationPeriods:  jsii.Number(a.EvaluationPeriods),
			DatapointsToAlarm:  jsii.Number(a.DatapointsToAlarm),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		if action != nil {
			al.AddAlarmAction(action)
			al.AddOkAction(action)
		}
		return al
	}
	sa := &ServiceAlarms{
		ErrorRate: alarm("ErrorRateAlarm", "error-rate",
			fmt.Sprintf("ecsplit: more than %g %% of the responses of %s's tasks are 5xx", a.ErrorRatePercent, s.Name),
			m.errorRate, a.ErrorRatePercent, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD),
		Latency: alarm("LatencyAlarm", "latency-p99",
			fmt.Sprintf("ecsplit: %s's p99 response time is above %s", s.Name, a.LatencyP99),
			m.p99, a.LatencyP99.Seconds(), awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD),
		UnhealthyHosts: alarm("UnhealthyHostsAlarm", "unhealthy-hosts",
			fmt.Sprintf("ecsplit: %d or more of %s's tasks fail their health check", a.UnhealthyHosts, s.Name),
			m.unhealthy, float64(a.UnhealthyHosts), awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD),
	}
	if !a.NoDeploymentRollback {
		svc := s.CfnService()
		for _, al := range sa.all() {
			// ECS checks the alarms when a deployment starts: create them
			// first.
			svc.AddResourceDependency(al.Node().DefaultChild().(awscdk.CfnResource), jsii.String("ECS checks its deployment alarms when a deployment starts"))
		}
		s.Service.EnableDeploymentAlarms(&names, &awsecs.DeploymentAlarmOptions{Behavior: awsecs.AlarmBehavior_ROLLBACK_ON_ALARM})
	}
	return sa
}
