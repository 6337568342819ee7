// Package microservice provides one ECS service behind a shared Application
// Load Balancer listener: a task definition (Fargate, or EC2 when the cluster
// has EC2 capacity), a container logging to its own log group, a service
// with a rolling-back circuit breaker, a target group, a listener rule for
// the path patterns the service owns, a security group open only to the load
// balancer, and target-tracking autoscaling.
//
// It depends only on CDK interfaces (awsecs.ICluster and
// elbv2.IApplicationListener), so it attaches to any cluster and any ALB.
package microservice

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/logkey"
	"github.com/ecsplit/ecsplit/constructs/internal/registry"
)

// Props configures a Service. Cluster, Listener, Name and Paths are
// required; every other field has a documented default.
type Props struct {
	// Cluster is the ECS cluster the service runs on. Required. When the
	// cluster has EC2 capacity the service runs on EC2, otherwise on Fargate.
	Cluster awsecs.ICluster
	// Listener is the ALB listener that routes the service's paths to it.
	// Required.
	Listener elbv2.IApplicationListener
	// Name names the service, its container and its target group: 1 to
	// MaxNameLength lower-case letters, digits and '-'. Required.
	Name string
	// Paths are the ALB path patterns the service owns, such as
	// "/api/users" and "/api/users/*": 1 to MaxPathPatterns patterns, each
	// starting with '/'. A pattern can belong to one service per listener.
	// Required.
	Paths []string
	// Priority is the listener rule priority, from MinPriority to
	// MaxPriority. Default: 0, computed from Paths by AutoPriority so that
	// more specific paths win.
	Priority int
	// Image is the container image. Default: an image asset built from
	// DefaultImageDirectory with the Dockerfile NAME/Dockerfile. See
	// ImageFromDirectory and ImageFromECR.
	Image awsecs.ContainerImage
	// HealthCheckPath is the path the target group's health check requests.
	// Default: DefaultHealthCheckPath.
	HealthCheckPath string
	// ContainerPort is the port the container listens on, passed to it as
	// PORT. Default: DefaultContainerPort.
	ContainerPort int
	// CPU is the task's CPU units; on Fargate one of 256, 512, 1024, 2048,
	// 4096, 8192, 16384. Default: DefaultCPU.
	CPU int
	// MemoryMiB is the task's memory; on Fargate a size valid for CPU.
	// Default: DefaultMemoryMiB.
	MemoryMiB int
	// MinCapacity is the autoscaling minimum, at least 1.
	// Default: DefaultMinCapacity.
	MinCapacity int
	// MaxCapacity is the autoscaling maximum, at least MinCapacity.
	// Default: the larger of DefaultMaxCapacity and MinCapacity.
	MaxCapacity int
	// Environment holds extra environment variables of the container.
	// PORT is always set from ContainerPort. Default: none.
	Environment map[string]string
	// CapacityProviderStrategies places the tasks on capacity providers,
	// such as the EC2 capacity provider of a cluster.Cluster. Default: the
	// FARGATE launch type on a Fargate cluster, the EC2 launch type on a
	// cluster with EC2 capacity.
	CapacityProviderStrategies []*awsecs.CapacityProviderStrategy
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
}

// Share is a weighted split of a service's paths between the service and
// another target group.
type Share struct {
	// Percent is the share of requests sent to this service, from 0 to 100;
	// the rest goes to Other.
	Percent int
	// Other is the target group that receives the rest. Required.
	Other elbv2.IApplicationTargetGroup
	// Stickiness keeps a client on the target group it first reached, for
	// MinStickiness to MaxStickiness, so that one session is not bounced
	// between implementations. Default: 0, no stickiness.
	Stickiness time.Duration
}

// Service is one microservice on a shared listener. Its fields are the CDK
// constructs it made, for users to extend.
type Service struct {
	constructs.Construct
	// Name is the service's name (Props.Name).
	Name string
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
	// ListenerRule forwards the service's paths to TargetGroup.
	ListenerRule elbv2.ApplicationListenerRule
	// Priority is ListenerRule's priority.
	Priority int
	// Scaling is the service's task-count autoscaling.
	Scaling awsecs.ScalableTaskCount
}

// New creates a Service. It panics at synth time, naming the construct, the
// prop and the allowed values, when props are invalid, and when another
// service on the same listener already owns one of its path patterns or its
// rule priority.
func New(scope constructs.Construct, id string, props *Props) *Service {
	fargate := props == nil || props.Cluster == nil || !*props.Cluster.HasEc2Capacity()
	p := withDefaults(id, props, fargate)
	s := &Service{Name: p.Name}
	constructs.NewConstruct_Override(s, scope, &id)
	owner := fmt.Sprintf("%q (%s)", p.Name, *s.Node().Path())

	s.Priority = p.Priority
	if s.Priority == 0 {
		s.Priority = AutoPriority(p.Paths)
	}
	claimRoutes(p.Listener, owner, p.Paths, s.Priority, p.Priority != 0)

	image := p.Image
	if image == nil {
		image = ImageFromDirectory(id, DefaultImageDirectory, p.Name+"/Dockerfile")
	}
	s.LogKey = p.LogKey
	if s.LogKey == nil {
		s.LogKey = logkey.New(s, "LogsKey", "ecsplit: encrypts the logs of service "+p.Name)
	}
	s.LogGroup = awslogs.NewLogGroup(s, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: s.LogKey,
	})
	s.TaskDefinition = newTaskDefinition(s, p, fargate)
	env := map[string]*string{"PORT": jsii.String(fmt.Sprint(p.ContainerPort))}
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	s.Container = s.TaskDefinition.AddContainer(jsii.String(p.Name), &awsecs.ContainerDefinitionOptions{
		Image:                  image,
		Essential:              jsii.Bool(true),
		Environment:            &env,
		PortMappings:           &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(p.ContainerPort), Protocol: awsecs.Protocol_TCP}},
		Logging:                awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{LogGroup: s.LogGroup, StreamPrefix: jsii.String(p.Name), Mode: awsecs.AwsLogDriverMode_NON_BLOCKING}),
		StopTimeout:            awscdk.Duration_Seconds(jsii.Number(DefaultStopTimeoutSeconds)),
		ReadonlyRootFilesystem: jsii.Bool(true),
		User:                   jsii.String(DefaultUser),
		Privileged:             jsii.Bool(false),
		MemoryLimitMiB:         jsii.Number(p.MemoryMiB),
		LinuxParameters:        noCapabilities(s),
	})
	suppressNagFindings(s)

	s.SecurityGroup = awsec2.NewSecurityGroup(s, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         p.Cluster.Vpc(),
		Description: jsii.String(fmt.Sprintf("ecsplit %s tasks: only the load balancer, on port %d", p.Name, p.ContainerPort)),
	})
	listener, lbGroups := importListener(s, p.Listener)
	for _, sg := range lbGroups {
		s.SecurityGroup.AddIngressRule(sg, awsec2.Port_Tcp(jsii.Number(p.ContainerPort)),
			jsii.String(fmt.Sprintf("Load balancer to %s tasks", p.Name)), jsii.Bool(false))
	}
	s.Service = newService(s, p, fargate)
	if !fargate {
		registry.AddTaskDemand(*p.Cluster.ClusterArn(), registry.TaskDemand{
			Owner: owner,
			Tasks: (p.MaxCapacity*DefaultMaxHealthyPercent + 99) / 100,
		})
	}

	s.TargetGroup = elbv2.NewApplicationTargetGroup(s, jsii.String("TargetGroup"), &elbv2.ApplicationTargetGroupProps{
		Vpc:                 p.Cluster.Vpc(),
		Port:                jsii.Number(p.ContainerPort),
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		TargetType:          elbv2.TargetType_IP,
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(DefaultDeregistrationDelaySeconds)),
		HealthCheck: &elbv2.HealthCheck{
			Path:                    jsii.String(p.HealthCheckPath),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(DefaultHealthCheckIntervalSeconds)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(DefaultHealthCheckTimeoutSeconds)),
			HealthyThresholdCount:   jsii.Number(DefaultHealthyThreshold),
			UnhealthyThresholdCount: jsii.Number(DefaultUnhealthyThreshold),
		},
		Targets: &[]elbv2.IApplicationLoadBalancerTarget{
			s.Service.LoadBalancerTarget(&awsecs.LoadBalancerTargetOptions{
				ContainerName: jsii.String(p.Name),
				ContainerPort: jsii.Number(p.ContainerPort),
			}),
		},
	})
	s.ListenerRule = elbv2.NewApplicationListenerRule(s, jsii.String("Rule"), &elbv2.ApplicationListenerRuleProps{
		Listener:   listener,
		Priority:   jsii.Number(s.Priority),
		Conditions: &[]elbv2.ListenerCondition{elbv2.ListenerCondition_PathPatterns(jsii.Strings(p.Paths...))},
		Action:     s.ruleAction(p.Share),
	})

	s.Scaling = s.Service.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(p.MinCapacity),
		MaxCapacity: jsii.Number(p.MaxCapacity),
	})
	s.Scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(DefaultCPUTargetPercent),
	})
	s.Scaling.ScaleOnRequestCount(jsii.String("Requests"), &awsecs.RequestCountScalingProps{
		RequestsPerTarget: jsii.Number(DefaultRequestsPerTarget),
		TargetGroup:       s.TargetGroup,
	})
	return s
}

func newTaskDefinition(s *Service, p Props, fargate bool) awsecs.TaskDefinition {
	if fargate {
		return awsecs.NewFargateTaskDefinition(s, jsii.String("TaskDefinition"), &awsecs.FargateTaskDefinitionProps{
			Cpu:            jsii.Number(p.CPU),
			MemoryLimitMiB: jsii.Number(p.MemoryMiB),
			RuntimePlatform: &awsecs.RuntimePlatform{
				CpuArchitecture:       awsecs.CpuArchitecture_X86_64(),
				OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
			},
		})
	}
	return awsecs.NewEc2TaskDefinition(s, jsii.String("TaskDefinition"), &awsecs.Ec2TaskDefinitionProps{
		NetworkMode: awsecs.NetworkMode_AWS_VPC,
	})
}

// ruleAction forwards to the service's target group, or splits requests
// by weight with share.Other.
func (s *Service) ruleAction(share *Share) elbv2.ListenerAction {
	if share == nil {
		return elbv2.ListenerAction_Forward(&[]elbv2.IApplicationTargetGroup{s.TargetGroup}, nil)
	}
	var opts *elbv2.ForwardOptions
	if share.Stickiness > 0 {
		opts = &elbv2.ForwardOptions{StickinessDuration: awscdk.Duration_Seconds(jsii.Number(share.Stickiness.Seconds()))}
	}
	return elbv2.ListenerAction_WeightedForward(&[]*elbv2.WeightedTargetGroup{
		{TargetGroup: s.TargetGroup, Weight: jsii.Number(share.Percent)},
		{TargetGroup: share.Other, Weight: jsii.Number(100 - share.Percent)},
	}, opts)
}

func newService(s *Service, p Props, fargate bool) awsecs.BaseService {
	var strategies *[]*awsecs.CapacityProviderStrategy
	if len(p.CapacityProviderStrategies) > 0 {
		strategies = &p.CapacityProviderStrategies
	}
	circuit := &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)}
	grace := awscdk.Duration_Seconds(jsii.Number(DefaultHealthCheckGracePeriodSeconds))
	subnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	sgs := &[]awsec2.ISecurityGroup{s.SecurityGroup}
	// FargateServiceProps and Ec2ServiceProps are distinct jsii types with
	// the same fields: the two literals below differ only in AssignPublicIp.
	if fargate {
		return awsecs.NewFargateService(s, jsii.String("Service"), &awsecs.FargateServiceProps{
			Cluster:                    p.Cluster,
			TaskDefinition:             s.TaskDefinition,
			CircuitBreaker:             circuit,
			MinHealthyPercent:          jsii.Number(DefaultMinHealthyPercent),
			MaxHealthyPercent:          jsii.Number(DefaultMaxHealthyPercent),
			HealthCheckGracePeriod:     grace,
			VpcSubnets:                 subnets,
			SecurityGroups:             sgs,
			AssignPublicIp:             jsii.Bool(false),
			CapacityProviderStrategies: strategies,
			PropagateTags:              awsecs.PropagatedTagSource_SERVICE,
		})
	}
	return awsecs.NewEc2Service(s, jsii.String("Service"), &awsecs.Ec2ServiceProps{
		Cluster:                    p.Cluster,
		TaskDefinition:             s.TaskDefinition,
		CircuitBreaker:             circuit,
		MinHealthyPercent:          jsii.Number(DefaultMinHealthyPercent),
		MaxHealthyPercent:          jsii.Number(DefaultMaxHealthyPercent),
		HealthCheckGracePeriod:     grace,
		VpcSubnets:                 subnets,
		SecurityGroups:             sgs,
		CapacityProviderStrategies: strategies,
		PropagateTags:              awsecs.PropagatedTagSource_SERVICE,
	})
}

// ImageFromDirectory returns a container image built by `cdk deploy` from a
// Docker build context directory and a Dockerfile inside it (relative to
// the directory), for linux/amd64. It panics at synth time, naming the
// construct id, when the directory or the Dockerfile is missing.
func ImageFromDirectory(id, directory, dockerfile string) awsecs.ContainerImage {
	if _, err := os.Stat(filepath.Join(directory, dockerfile)); err != nil {
		abs, _ := filepath.Abs(directory)
		panic(fmt.Sprintf("ecsplit microservice %q: Image: no Dockerfile %q in image directory %q (%s): %v", id, dockerfile, directory, abs, err))
	}
	return awsecs.ContainerImage_FromAsset(jsii.String(directory), &awsecs.AssetImageProps{
		File:     jsii.String(dockerfile),
		Platform: awsecrassets.Platform_LINUX_AMD64(),
	})
}

// ImageFromECR returns a container image taken from an existing ECR
// repository, by repository name and tag. The task's execution role gets
// pull access to that repository only. It panics when name or tag is empty.
func ImageFromECR(scope constructs.Construct, id, repositoryName, tag string) awsecs.ContainerImage {
	if repositoryName == "" || tag == "" {
		panic(fmt.Sprintf("ecsplit microservice %q: Image: an ECR image needs a repository name and a tag, got %q and %q", id, repositoryName, tag))
	}
	repo := awsecr.Repository_FromRepositoryName(scope, jsii.String(id), jsii.String(repositoryName))
	return awsecs.ContainerImage_FromEcrRepository(repo, jsii.String(tag))
}

// Connections returns the network connections of the service's tasks, so
// that a user can open a database or another service to them:
// db.Connections().AllowDefaultPortFrom(svc, ...).
func (s *Service) Connections() awsec2.Connections {
	return s.Service.Connections()
}
