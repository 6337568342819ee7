// Package microservice provides one ECS service behind a shared Application
// Load Balancer listener: a task definition (Fargate, or EC2 when the cluster
// has EC2 capacity), a container logging to its own log group, a service
// with a rolling-back circuit breaker, a target group, a listener rule for
// the path patterns the service owns, a security group open only to the load
// balancer, and target-tracking autoscaling.
//
// Its services run on a Platform: an ecsplit cluster and load balancer
// (PlatformOf), or any awsecs.ICluster and elbv2.IApplicationListener a
// team already has (PlatformFromAttributes).
package microservice

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/internal/kmskey"
)

// Props configures a Service. Platform, Name, Paths and Image are
// required; every other field has a documented default, which a zero value
// (or a nil pointer, where zero is a meaningful value) selects.
type Props struct {
	// Platform is where the service runs: the cluster, the listener that
	// routes its paths to it, and what it is checked against (the load
	// balancer's target ports, the EC2 capacity's architecture and task
	// slots). When the cluster has EC2 capacity the service runs on EC2,
	// otherwise on Fargate. Required: PlatformOf, or
	// PlatformFromAttributes.
	Platform *Platform
	// Name names the service's container, its log streams and its alarms:
	// 1 to MaxNameLength lower-case letters, digits and '-', starting with a
	// letter. Required. (The target group and the ECS service get names
	// CloudFormation derives, so that they can be replaced.)
	Name string
	// Paths are the ALB path patterns the service owns, such as
	// "/api/users" and "/api/users/*": 1 to MaxPathPatterns patterns, each
	// starting with '/'. A pattern can belong to one service per listener.
	// Required.
	Paths []string
	// Image is the container image. Required. See ImageFromDirectory and
	// ImageFromECR, or use any awsecs.ContainerImage.
	Image awsecs.ContainerImage
	// Inside names another service on the same listener whose paths this
	// service's lie inside: a more specific service carved out of a
	// broader one, such as "/shop/catalog/search*" inside "/shop/catalog*"
	// (a migration's services lie inside its monolith). Their patterns may
	// then match the same paths, every pattern of this service must lie
	// inside the other's, and this service's rules come first. Default: ""
	// (no pattern of this service may match a path that another service's
	// pattern matches).
	Inside string
	// Priority is the listener rule priority, from MinPriority+1 to
	// MaxPriority (the service's preview rule takes Priority-1). Default:
	// 0, computed from Paths by AutoPriority so that more specific paths
	// win.
	Priority int
	// ContainerPort is the port the container listens on, passed to it as
	// PORT. Default: DefaultContainerPort.
	ContainerPort int
	// CPU is the task's CPU units; on Fargate one of 256, 512, 1024, 2048,
	// 4096, 8192, 16384, and on EC2 the container's reservation, from 128
	// to 10240. Default: DefaultCPU.
	CPU int
	// MemoryMiB is the task's memory; on Fargate a size valid for CPU.
	// Default: DefaultMemoryMiB.
	MemoryMiB int
	// Architecture is the tasks' CPU architecture: X86_64 or ARM64
	// (Graviton), on Fargate or on EC2 capacity of that architecture. The
	// image must be built for it (ImageFromDirectory takes it).
	// Default: DefaultArchitecture.
	Architecture Architecture
	// User is the user the container runs as, a name or UID[:GID]; it must
	// not be root. Default: DefaultUser.
	User string
	// MinCapacity is the autoscaling minimum, at least 1.
	// Default: DefaultMinCapacity.
	MinCapacity int
	// MaxCapacity is the autoscaling maximum, at least MinCapacity.
	// Default: the larger of DefaultMaxCapacity and MinCapacity.
	MaxCapacity int
	// CPUTargetPercent is the average CPU utilization that target tracking
	// keeps, from 1 to 100. Default: DefaultCPUTargetPercent.
	CPUTargetPercent int
	// RequestsPerTarget adds a second target-tracking policy, on the ALB
	// requests per task per minute (one per target group, with
	// ExtraTargetGroups), for services whose load shows in requests
	// before it shows in CPU: size it from the service's measured
	// throughput per task, with headroom. It only scales out: a target
	// group without requests publishes no data, which would block every
	// scale-in; the CPU policy scales in. Default: 0, CPU tracking only.
	RequestsPerTarget int
	// MinHealthyPercent is the share of the running tasks a deployment
	// keeps running, from 0 to 100. Default: DefaultMinHealthyPercent.
	MinHealthyPercent *int
	// MaxHealthyPercent is the most tasks a deployment runs at once, as a
	// percent of the count, from 100 to MaxMaxHealthyPercent (it sizes what
	// the service needs of EC2 capacity). Default: DefaultMaxHealthyPercent.
	MaxHealthyPercent int
	// HealthCheck configures the target group's health check. Each zero
	// field takes its default.
	HealthCheck HealthCheck
	// DeregistrationDelay is how long the ALB lets a deregistered task
	// finish its requests, whole seconds up to MaxDeregistrationDelay; keep
	// it at least the service's graceful-shutdown time.
	// Default: DefaultDeregistrationDelay.
	DeregistrationDelay *time.Duration
	// HealthCheckGracePeriod is how long ECS ignores a new task's failing
	// ALB health checks, whole seconds. Default: DefaultHealthCheckGracePeriod.
	HealthCheckGracePeriod *time.Duration
	// StopTimeout is the time between SIGTERM and SIGKILL, whole seconds
	// from MinStopTimeout to MaxStopTimeout; keep it above the service's
	// graceful-shutdown time. Default: DefaultStopTimeout.
	StopTimeout time.Duration
	// Environment holds extra environment variables of the container:
	// plain configuration, never secrets (see Secrets). PORT is always set
	// from ContainerPort. Default: none.
	Environment map[string]string
	// Secrets are environment variables that ECS fills, when a task
	// starts, from AWS Secrets Manager or SSM Parameter Store
	// (awsecs.Secret_FromSecretsManager, Secret_FromSsmParameter). The
	// execution role may read exactly these. Default: none.
	Secrets map[string]awsecs.Secret
	// LogRetention is how long the service's log group keeps logs.
	// Default: DefaultLogRetention.
	LogRetention awslogs.RetentionDays
	// LogKey is the KMS key that encrypts the service's log group; its key
	// policy must let CloudWatch Logs use it. Default: a new key with
	// rotation, for this service's log group only.
	LogKey awskms.IKey
	// Share sends only part of the requests for Paths to this service and
	// the rest to another target group, such as the monolith's, during a
	// gradual cutover. Default: nil, every request for Paths goes to this
	// service.
	Share *Share
	// PreviewHeader names the request header of the preview rule: a
	// request for Paths whose header has the value Name reaches this
	// service whatever the weights, such as X-Ecsplit-Preview: users. It
	// adds a condition value to that rule, so Paths may then hold one
	// pattern fewer (MaxPathPatterns - 1). Default: "" (the preview rule
	// matches no request; it is still there, see ListenerRule).
	PreviewHeader string
	// ExtraTargetGroups registers the service in that many more target
	// groups (Service.ExtraTargetGroups), beside TargetGroup, with the
	// same port, health check and deregistration delay: for another
	// service's weighted rule (its Share.Other) that sends part of its
	// paths here and wants their metrics apart from the rest of this
	// service's traffic, as a migration compares an extracted service
	// with the monolith on the same paths. The preview rule associates
	// each with the listener, at weight 0 (no request is sent there by
	// it, and no rule priority is taken), as ECS requires before it
	// registers the service; with RequestsPerTarget, each gets its own
	// scale-out policy. From 0 to MaxExtraTargetGroups (ECS registers a
	// service in at most MaxTargetGroups target groups). Default: 0.
	ExtraTargetGroups int
}

// HealthCheck configures a target group's health check.
type HealthCheck struct {
	// Path is the plain path the check requests. Default:
	// DefaultHealthCheckPath.
	Path string
	// Interval is the time between checks, whole seconds from
	// MinHealthCheckInterval to MaxHealthCheckInterval.
	// Default: DefaultHealthCheckInterval.
	Interval time.Duration
	// Timeout is how long one check may take, whole seconds from
	// MinHealthCheckTimeout to MaxHealthCheckTimeout, less than Interval.
	// Default: DefaultHealthCheckTimeout.
	Timeout time.Duration
	// HealthyThreshold is the passing checks that bring a failed target
	// back, from MinThreshold to MaxThreshold. Default:
	// DefaultHealthyThreshold.
	HealthyThreshold int
	// UnhealthyThreshold is the failing checks that take a target out, from
	// MinThreshold to MaxThreshold. Default: DefaultUnhealthyThreshold.
	UnhealthyThreshold int
	// HealthyHTTPCodes are the passing status codes, such as "200",
	// "200,204" or "200-299". Default: DefaultHealthyHTTPCodes.
	HealthyHTTPCodes string
}

// Share is a weighted split of a service's paths between the service and
// another target group.
type Share struct {
	// Percent is the share of requests sent to this service, from 0 to 100;
	// the rest goes to Other.
	Percent int
	// Other is the target group that receives the rest. Required.
	Other elbv2.IApplicationTargetGroup
	// OtherReady are the resources the routing rule waits for before it
	// sends Other a share, when the app creates Other's service: that
	// Service's Ready(), as for this service. Default: none, for an Other
	// whose targets exist already.
	OtherReady []awscdk.CfnResource
	// Stickiness keeps a client that returns the ALB's AWSALBTG cookie on
	// the target group it first reached, for MinStickiness to
	// MaxStickiness. Default: 0, no stickiness.
	Stickiness time.Duration
}

// Service is one microservice on a shared listener. Its fields are the CDK
// constructs it made, for users to extend.
type Service struct {
	constructs.Construct
	// Name is the service's name (Props.Name).
	Name string
	// Paths are the path patterns the service owns (Props.Paths).
	Paths []string
	// Service is the ECS service (an awsecs.FargateService or an
	// awsecs.Ec2Service).
	Service awsecs.BaseService
	// TaskDefinition is the service's task definition.
	TaskDefinition awsecs.TaskDefinition
	// Container is the service's only container.
	Container awsecs.ContainerDefinition
	// LogGroup receives the container's stdout and stderr.
	LogGroup awslogs.LogGroup
	// LogKey encrypts LogGroup (Props.LogKey, or the new key).
	LogKey awskms.IKey
	// SecurityGroup is the tasks' security group: it admits the load
	// balancer on the container port, nothing else.
	SecurityGroup awsec2.SecurityGroup
	// TargetGroup is the service's target group.
	TargetGroup elbv2.ApplicationTargetGroup
	// ExtraTargetGroups are the service's other target groups
	// (Props.ExtraTargetGroups), in order; the ECS service is registered
	// in each, and PreviewRule forwards to each at weight 0.
	ExtraTargetGroups []elbv2.ApplicationTargetGroup
	// ListenerRule, the routing rule, forwards the service's paths to
	// TargetGroup, or splits them by weight (Props.Share). It depends on
	// the service's Ready() resources: CloudFormation creates it once the
	// service is stable and its scalable target registered, and deletes
	// it before them, so that no request reaches the target group while it
	// has no healthy target.
	ListenerRule elbv2.CfnListenerRule
	// Priority is ListenerRule's priority.
	Priority int
	// PreviewRule forwards requests for the service's paths that carry
	// Props.PreviewHeader with the service's name to TargetGroup, or none
	// without a header. It associates the target group with the listener,
	// which ECS needs before it creates the service, without carrying
	// traffic: the ECS service depends on it, not on ListenerRule.
	PreviewRule elbv2.ApplicationListenerRule
	// PreviewPriority is PreviewRule's priority, Priority - 1.
	PreviewPriority int
	// Scaling is the service's task-count autoscaling.
	Scaling awsecs.ScalableTaskCount
}

// New creates a Service. When props are invalid, or when another service on
// the same listener already owns one of its path patterns or its rule
// priority, it reports each problem as an error annotation on the new
// construct, naming the construct, the prop, the value and what is allowed
// (`cdk synth` then prints them and fails; package synth returns them as a
// typed error), and builds nothing else.
func New(scope constructs.Construct, id string, props *Props) *Service {
	s := &Service{}
	constructs.NewConstruct_Override(s, scope, &id)
	v := invalid.New(s, "microservice", id)
	p, ok := check(v, props)
	s.Name, s.Paths = p.Name, p.Paths
	if !ok {
		return s
	}
	env := p.Platform
	fargate := !env.onEC2()
	owner := fmt.Sprintf("%q (%s)", p.Name, *s.Node().Path())
	if !fargate && env.TaskSlots > 0 {
		// The most tasks the service runs at once: at its maximum scale,
		// during a deployment that starts new tasks beside the old ones.
		if need, parts := env.reserve(owner, MaxTasks(p.MaxCapacity, p.MaxHealthyPercent)); need > env.TaskSlots {
			v.Fail("MaxCapacity", "the EC2 capacity of %s gives %d awsvpc task slots, but its services may run %d tasks at once "+
				"during deployments at their maximum scale (%s); size the capacity for them (cluster EC2.Tasks, or a larger EC2.MaxCapacity), "+
				"or lower MaxCapacity or MaxHealthyPercent", env.Owner, env.TaskSlots, need, parts)
			return s
		}
	}

	s.Priority = p.Priority
	if s.Priority == 0 {
		s.Priority = AutoPriority(p.Paths)
	}
	s.PreviewPriority = s.Priority - 1
	me := routeClaim{name: p.Name, inside: p.Inside, priority: s.Priority, owner: owner}
	if !claimRoutes(v, env.Listener, me, p.Paths, p.Priority != 0) {
		return s
	}

	s.LogKey = p.LogKey
	if s.LogKey == nil {
		s.LogKey = kmskey.ForLogs(s, "LogsKey", "ecsplit: encrypts the logs of service "+p.Name)
	}
	s.LogGroup = awslogs.NewLogGroup(s, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: s.LogKey,
	})
	s.TaskDefinition = newTaskDefinition(s, p, fargate)
	s.Container = s.addContainer(p, fargate)
	suppressNagFindings(s)

	s.SecurityGroup = awsec2.NewSecurityGroup(s, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         env.Cluster.Vpc(),
		Description: jsii.String(fmt.Sprintf("ecsplit %s tasks: only the load balancer, on port %d", p.Name, p.ContainerPort)),
	})
	listener, lbGroups := importListener(s, env.Listener)
	for _, sg := range lbGroups {
		s.SecurityGroup.AddIngressRule(sg, awsec2.Port_Tcp(jsii.Number(p.ContainerPort)),
			jsii.String(fmt.Sprintf("Load balancer to %s tasks", p.Name)), jsii.Bool(false))
	}
	s.Service = newService(s, p, fargate)
	s.TargetGroup = newTargetGroup(s, "TargetGroup", p)
	for i := range p.ExtraTargetGroups {
		s.ExtraTargetGroups = append(s.ExtraTargetGroups, newTargetGroup(s, fmt.Sprintf("ExtraTargetGroup%d", i+1), p))
	}
	s.PreviewRule = s.newPreviewRule(listener, p)
	s.Scaling = s.addScaling(p)
	s.ListenerRule = s.newRoutingRule(listener, p)
	return s
}

// CfnService returns the ECS service's CloudFormation resource, for a rule
// that must wait until the service is stable: rule.AddResourceDependency(svc.CfnService(), reason).
func (s *Service) CfnService() awscdk.CfnResource {
	return s.Service.Node().DefaultChild().(awscdk.CfnResource)
}

// Ready returns the resources that a rule which sends this service a share
// of traffic must wait for: the ECS service, which CloudFormation creates
// once it is stable (ECS starts a new service with one task, the desired
// count CloudFormation gives a service without one, and that task is
// healthy in the target group), and its scalable target. Application Auto
// Scaling raises a registered service's desired count to the minimum
// capacity when it registers the target ("it changes the resource's
// current capacity to a value that is inside of this range",
// RegisterScalableTarget), so when the rule takes its share, MinCapacity
// tasks are wanted, not one: the rest start as the rule comes in.
func (s *Service) Ready() []awscdk.CfnResource {
	target := s.Scaling.Node().FindChild(jsii.String("Target")).Node().DefaultChild().(awscdk.CfnResource)
	return []awscdk.CfnResource{s.CfnService(), target}
}

// Connections returns the network connections of the service's tasks, so
// that a user can open a database or another service to them:
// db.Connections().AllowDefaultPortFrom(svc, ...).
func (s *Service) Connections() awsec2.Connections {
	return s.Service.Connections()
}
