package microservice

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Defaults for Props, in one place. Each is documented on the field it
// fills, and each can be overridden there; where one differs from the AWS
// default, the comment says why.
//
// Rollout timing: a new task takes traffic once it passes one health check
// (the ALB's rule for a newly registered target), at most
// DefaultHealthCheckInterval after it starts listening; an old task is
// deregistered and drained for DefaultDeregistrationDelay, then gets SIGTERM
// and up to DefaultStopTimeout to finish, which is longer than a service's
// graceful-shutdown limit should be.
const (
	// DefaultContainerPort is the port the container listens on; it is
	// passed to the container as the PORT environment variable.
	DefaultContainerPort = 8080
	// DefaultCPU is the task's CPU units (256 = 0.25 vCPU).
	DefaultCPU = 256
	// DefaultMemoryMiB is the task's memory in MiB.
	DefaultMemoryMiB = 512
	// DefaultMinCapacity is the autoscaling minimum number of tasks: two,
	// so one runs in each of two Availability Zones.
	DefaultMinCapacity = 2
	// DefaultMaxCapacity is the autoscaling maximum number of tasks.
	DefaultMaxCapacity = 10
	// DefaultCPUTargetPercent is the target-tracking goal for the service's
	// average CPU utilization.
	DefaultCPUTargetPercent = 60
	// DefaultHealthCheckPath is the path the target group's health check
	// requests: a conventional liveness path, outside the API paths.
	DefaultHealthCheckPath = "/healthz"
	// DefaultHealthCheckInterval is the time between health checks (ALB
	// default 30 s): a new task takes traffic at most this long after it
	// starts listening, so a rollout step (a new task in, an old one
	// drained) takes at most this plus DefaultDeregistrationDelay, 20 s.
	DefaultHealthCheckInterval = 5 * time.Second
	// DefaultHealthCheckTimeout is how long a health check may take (ALB
	// default 5 s); it must be shorter than the interval.
	DefaultHealthCheckTimeout = 3 * time.Second
	// DefaultHealthyThreshold is the number of passing checks that bring a
	// target that failed back into service (ALB default 5). A newly
	// registered target needs one.
	DefaultHealthyThreshold = 2
	// DefaultUnhealthyThreshold is the number of failing checks before a
	// task is taken out of service (ALB default 2): one slow check during a
	// garbage-collection pause does not cost a task.
	DefaultUnhealthyThreshold = 3
	// DefaultHealthyHTTPCodes are the health check's passing status codes
	// (the ALB default).
	DefaultHealthyHTTPCodes = "200"
	// DefaultDeregistrationDelay is how long the ALB lets in-flight
	// requests to a deregistered task finish (ALB default 300 s): longer
	// than a 10 s graceful shutdown, short enough for fast rollouts.
	DefaultDeregistrationDelay = 15 * time.Second
	// DefaultHealthCheckGracePeriod is how long ECS ignores failing ALB
	// health checks of a new task while it starts.
	DefaultHealthCheckGracePeriod = 30 * time.Second
	// DefaultStopTimeout is the time between SIGTERM and SIGKILL (ECS
	// default 30 s): above a 10 s graceful shutdown.
	DefaultStopTimeout = 20 * time.Second
	// DefaultMinHealthyPercent keeps every running task until its
	// replacement is healthy during a deployment (ECS default 100 % for
	// services behind a load balancer as well).
	DefaultMinHealthyPercent = 100
	// DefaultMaxHealthyPercent lets a deployment start a full set of new
	// tasks beside the old ones.
	DefaultMaxHealthyPercent = 200
	// DefaultUser is the user the container runs as: distroless "nonroot".
	// Control Tower CT.ECS.PR.3 and PR.8 require a non-root user.
	DefaultUser = "65532"
	// DefaultArchitecture is the tasks' CPU architecture.
	DefaultArchitecture = X86_64
)

// DefaultLogRetention is how long the service's log group keeps its logs:
// one year, the minimum of Control Tower's CT.CLOUDWATCH.PR.2.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// Limits the props are checked against.
const (
	// MaxNameLength is the longest service name: it names the container,
	// the log streams and the service's alarms, which stay readable.
	MaxNameLength = 32
	// MaxPathPatterns is the ALB's limit on condition values in one rule.
	MaxPathPatterns = 5
	// MaxPathPatternLength is the ALB's limit on one path pattern.
	MaxPathPatternLength = 128
	// MaxWildcards is the ALB's limit on wildcards in one rule's
	// conditions.
	MaxWildcards = 5
	// MaxHeaderNameLength is the ALB's limit on an http-header
	// condition's header name.
	MaxHeaderNameLength = 40
	// MinPriority and MaxPriority bound listener rule priorities.
	MinPriority, MaxPriority = 1, 50000
	// MinHealthCheckInterval and MaxHealthCheckInterval bound the ALB's
	// health check interval.
	MinHealthCheckInterval, MaxHealthCheckInterval = 5 * time.Second, 300 * time.Second
	// MinHealthCheckTimeout and MaxHealthCheckTimeout bound its timeout.
	MinHealthCheckTimeout, MaxHealthCheckTimeout = 2 * time.Second, 120 * time.Second
	// MinThreshold and MaxThreshold bound its healthy and unhealthy
	// threshold counts.
	MinThreshold, MaxThreshold = 2, 10
	// MaxDeregistrationDelay is the ALB's longest deregistration delay.
	MaxDeregistrationDelay = time.Hour
	// MinStopTimeout and MaxStopTimeout bound the ECS container stop
	// timeout.
	MinStopTimeout, MaxStopTimeout = 2 * time.Second, 120 * time.Second
	// MaxMaxHealthyPercent is the highest maximum healthy percent this
	// construct accepts.
	MaxMaxHealthyPercent = 400
	// MaxTargetGroups is the most target groups an ECS service behind an
	// Application Load Balancer may be registered in ("you cannot attach
	// more than five target groups to a service", ECS Developer Guide,
	// Registering multiple target groups with a service), and the most
	// target groups one forward action may name (the ALB quota Target
	// Groups per Action, not adjustable).
	MaxTargetGroups = 5
	// MaxExtraTargetGroups is the most ExtraTargetGroups: those beside the
	// service's own TargetGroup.
	MaxExtraTargetGroups = MaxTargetGroups - 1
)

// Bounds of Share.Stickiness, the ALB's limits on target group stickiness.
const (
	MinStickiness = time.Second
	MaxStickiness = 7 * 24 * time.Hour
)

// MaxTasks returns the most tasks a service runs at once: maxCapacity
// tasks, times maxHealthyPercent while a deployment starts their
// replacements, rounded up as ECS rounds it.
func MaxTasks(maxCapacity, maxHealthyPercent int) int {
	return (maxCapacity*maxHealthyPercent + 99) / 100
}

// ValidStickiness reports whether d is a stickiness the ALB accepts: 0
// (off), or whole seconds from MinStickiness to MaxStickiness.
func ValidStickiness(d time.Duration) bool {
	return d == 0 || (d >= MinStickiness && d <= MaxStickiness && d%time.Second == 0)
}
