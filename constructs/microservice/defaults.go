package microservice

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Defaults for Props, in one place. Each one is documented on the field it
// fills; where it differs from the AWS default, the comment says why.
//
// Rollout timing: a new task is healthy after DefaultHealthyThreshold checks
// DefaultHealthCheckIntervalSeconds apart (about 20 s); an old task is
// deregistered and drained for DefaultDeregistrationDelaySeconds, then gets
// SIGTERM and up to DefaultStopTimeoutSeconds to finish, which is longer than
// the services' own 10 s graceful-shutdown limit.
const (
	// DefaultContainerPort is the port the container listens on; it is
	// passed to the container as the PORT environment variable.
	DefaultContainerPort = 8080
	// DefaultCPU is the task's CPU units (256 = 0.25 vCPU).
	DefaultCPU = 256
	// DefaultMemoryMiB is the task's memory in MiB.
	DefaultMemoryMiB = 512
	// DefaultMinCapacity is the autoscaling minimum number of tasks.
	DefaultMinCapacity = 2
	// DefaultMaxCapacity is the autoscaling maximum number of tasks.
	DefaultMaxCapacity = 10
	// DefaultCPUTargetPercent is the target-tracking goal for the service's
	// average CPU utilization.
	DefaultCPUTargetPercent = 60
	// DefaultRequestsPerTarget is the target-tracking goal for ALB requests
	// per task per minute.
	DefaultRequestsPerTarget = 1000
	// DefaultHealthCheckPath is the path the target group probes; the forum
	// services serve it outside every API path.
	DefaultHealthCheckPath = "/healthz"
	// DefaultHealthCheckIntervalSeconds is the time between health checks
	// (ALB default 30): a new task takes traffic in about 20 s.
	DefaultHealthCheckIntervalSeconds = 10
	// DefaultHealthCheckTimeoutSeconds is how long a health check may take
	// (ALB default 5).
	DefaultHealthCheckTimeoutSeconds = 5
	// DefaultHealthyThreshold is the number of passing checks before a task
	// takes traffic (ALB default 5).
	DefaultHealthyThreshold = 2
	// DefaultUnhealthyThreshold is the number of failing checks before a
	// task is taken out of service (ALB default 2): one slow check during a
	// garbage-collection pause does not cost a task.
	DefaultUnhealthyThreshold = 3
	// DefaultDeregistrationDelaySeconds is how long the ALB lets in-flight
	// requests to a deregistered task finish (ALB default 300): longer than
	// the services' 10 s graceful-shutdown limit, short enough for fast
	// rollouts.
	DefaultDeregistrationDelaySeconds = 15
	// DefaultHealthCheckGracePeriodSeconds is how long ECS ignores failing
	// ALB health checks of a new task while it starts.
	DefaultHealthCheckGracePeriodSeconds = 30
	// DefaultStopTimeoutSeconds is the time between SIGTERM and SIGKILL (ECS
	// default 30): above the services' graceful-shutdown limit.
	DefaultStopTimeoutSeconds = 20
	// DefaultMinHealthyPercent keeps every running task until its
	// replacement is healthy during a deployment.
	DefaultMinHealthyPercent = 100
	// DefaultMaxHealthyPercent lets a deployment start a full set of new
	// tasks beside the old ones.
	DefaultMaxHealthyPercent = 200
	// DefaultImageDirectory is the Docker build context of the default
	// image asset, relative to the CDK app's working directory. The
	// Dockerfile is NAME/Dockerfile inside it.
	DefaultImageDirectory = "services"
	// DefaultUser is the user the container runs as: distroless "nonroot".
	DefaultUser = "65532"
)

// DefaultLogRetention is how long the service's log group keeps its logs:
// one year, the minimum of Control Tower's CT.CLOUDWATCH.PR.2.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// Limits the props are checked against.
const (
	// MaxNameLength is the longest service name: a target group name has at
	// most 32 characters.
	MaxNameLength = 32
	// MaxPathPatterns is the ALB's limit on condition values in one rule.
	MaxPathPatterns = 5
	// MaxPathPatternLength is the ALB's limit on one path pattern.
	MaxPathPatternLength = 128
	// MinPriority and MaxPriority bound listener rule priorities.
	MinPriority, MaxPriority = 1, 50000
)

// Bounds of Share.Stickiness, the ALB's limits on target group stickiness.
const (
	MinStickiness = time.Second
	MaxStickiness = 7 * 24 * time.Hour
)
