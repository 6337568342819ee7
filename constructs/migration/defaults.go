package migration

import "time"

// Defaults for Props. Each is documented on the field it fills.
const (
	// DefaultErrorRatePercent is the target 5xx rate, in percent of the
	// requests, above which a service's error-rate alarm fires.
	DefaultErrorRatePercent = 1.0
	// DefaultClientErrorRatePercent is the rate of a service's 4xx
	// answers, in percent of its requests, above which its
	// client-error-rate alarm fires: a storm, well above the 404s an API
	// answers to clients that ask for what is not there.
	DefaultClientErrorRatePercent = 25.0
	// DefaultLoadBalancerErrorRatePercent is the rate of the load
	// balancer's own 5xx answers, in percent of its answers, above which
	// the load-balancer-5xx alarm fires.
	DefaultLoadBalancerErrorRatePercent = 1.0
	// DefaultLatencyP99 is the p99 target response time above which a
	// service's latency alarm fires.
	DefaultLatencyP99 = time.Second
	// DefaultUnhealthyHosts is the count of unhealthy targets at which a
	// service's unhealthy-hosts alarm fires.
	DefaultUnhealthyHosts = 1
	// DefaultAlarmPeriod is the period of the alarms' metrics (ALB
	// metrics have one-minute resolution).
	DefaultAlarmPeriod = time.Minute
	// DefaultEvaluationPeriods is how many periods an alarm looks at.
	DefaultEvaluationPeriods = 5
	// DefaultDatapointsToAlarm is how many of those must breach: three
	// bad minutes out of five, so one slow minute is no alarm.
	DefaultDatapointsToAlarm = 3
	// DefaultDashboardSuffix ends the dashboard's default name, after the
	// stack's name.
	DefaultDashboardSuffix = "-migration"
	// DefaultPreviewHeader is the preview header: X-Ecsplit-Preview: users
	// reaches the users service on its paths, whatever its share.
	DefaultPreviewHeader = "X-Ecsplit-Preview"
)
