package migration

import (
	"time"

	"github.com/ecsplit/ecsplit/constructs/ramp"
)

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
	// DefaultVersusMonolithErrorMargin is how many percentage points a
	// service's error rate may exceed the monolith's on the same paths
	// before its error-rate-vs-monolith alarm fires: one point, so that a
	// service that fails 1.5 % of the requests the monolith fails 0.2 % of
	// (on the same paths, in the same minutes) is judged worse.
	DefaultVersusMonolithErrorMargin = 1.0
	// DefaultVersusMonolithClientErrorMargin is how many percentage
	// points the rate of a service's 4xx answers may exceed the
	// monolith's on the same paths before its
	// client-error-rate-vs-monolith alarm fires: five points, well above
	// the noise of a share's sample, well below the storm of 404s of a
	// route the service misses.
	DefaultVersusMonolithClientErrorMargin = 5.0
	// DefaultVersusMonolithLatencyFactor is how many times the monolith's
	// p99 on the same paths a service's p99 may reach before its
	// latency-p99-vs-monolith alarm fires.
	DefaultVersusMonolithLatencyFactor = 1.5
	// DefaultVersusMonolithLatencyFloor is the least monolith p99 the
	// latency comparison divides by: a service is not judged slower than
	// a monolith that answers in a few milliseconds until its own p99 is
	// above DefaultVersusMonolithLatencyFactor times this (150 ms), so
	// that milliseconds of noise do not fire the alarm.
	DefaultVersusMonolithLatencyFloor = 100 * time.Millisecond
	// DefaultDashboardSuffix ends the dashboard's default name, after the
	// stack's name.
	DefaultDashboardSuffix = "-migration"
	// DefaultPreviewHeader is the preview header: X-Ecsplit-Preview: users
	// reaches the users service on its paths, whatever its share.
	DefaultPreviewHeader = "X-Ecsplit-Preview"
)

// DefaultRampBake is how long each step of a Ramp bakes when Ramp.Bake is
// unset: five alarm periods, the alarms' whole evaluation window (it is
// also ParseRamp's when the bake is left out).
const DefaultRampBake = ramp.DefaultBake
