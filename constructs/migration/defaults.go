package migration

import "time"

// Defaults for Props. Each is documented on the field it fills.
const (
	// DefaultErrorRatePercent is the target 5xx rate, in percent of the
	// requests, above which a service's error-rate alarm fires.
	DefaultErrorRatePercent = 1.0
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
