// Package cluster provides the ECS cluster that ecsplit services run on: a
// VPC (new or existing; a new one has flow logs to an encrypted log group)
// and an ECS cluster with Container Insights, with Fargate capacity by
// default and optional EC2 capacity from an Auto Scaling group that is built
// from a launch template and registered as a capacity provider.
//
// What it deploys passes the cdk-nag AwsSolutions checks; the few findings
// that are accepted are suppressed here, on the one resource they concern,
// with the reason (see docs/security.md).
package cluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/internal/kmskey"
)

// Props configures a Cluster. The zero value is valid: a new two-AZ VPC with
// a NAT gateway in each zone and flow logs, and a Fargate-only cluster.
type Props struct {
	// Vpc is an existing VPC to run in. It must have private subnets with
	// egress; its flow logs are its owner's business. Default: a new VPC
	// with public and private subnets in MaxAzs Availability Zones, no
	// public IP addresses assigned on launch, and flow logs of all traffic
	// to a KMS-encrypted log group kept for FlowLogRetention.
	Vpc awsec2.IVpc
	// MaxAzs is the most Availability Zones the new VPC spans, 2 or more
	// (the load balancer needs subnets in two zones); only without Vpc.
	// The CDK knows two zones only in a stack without an account and
	// Region (environment-agnostic): more than 2 needs the stack's env.
	// Default: DefaultMaxAzs (2).
	MaxAzs int
	// NatGateways is the number of NAT gateways of the new VPC, from 1 to
	// MaxAzs; only without Vpc. Default: one per zone, MaxAzs
	// (DefaultNatGateways with the default MaxAzs).
	NatGateways int
	// FlowLogRetention is how long the new VPC's flow log group keeps the
	// flow logs, one of the retention periods CloudWatch Logs accepts
	// (awslogs.RetentionDays); only without Vpc. Control Tower's
	// CT.CLOUDWATCH.PR.2 asks for one year or more. Default:
	// DefaultFlowLogRetention (one year).
	FlowLogRetention awslogs.RetentionDays
	// VpcEndpoints adds VPC endpoints to the new VPC, so that tasks reach
	// ECR, S3 (image layers), CloudWatch Logs and, with EC2 capacity, the
	// ECS agent's endpoints without a NAT gateway: a gateway endpoint for
	// S3 (free) and an interface endpoint per service in each zone (about
	// 7.30 USD a month each per zone, plus data, in us-east-1): 3 on
	// Fargate, 6 with EC2 capacity, about 44 or 88 USD a month over the two
	// zones. Default: false.
	VpcEndpoints bool
	// EC2 adds EC2 capacity to the cluster. Default: nil, Fargate only.
	EC2 *EC2Capacity
}

// EC2Capacity configures the EC2 capacity of a cluster: an Auto Scaling group
// of ECS-optimized Amazon Linux 2023 instances launched from a launch
// template that requires IMDSv2 with a hop limit of 1, has detailed
// monitoring and an encrypted root volume, and blocks tasks from the
// instance metadata; the group spreads over the VPC's private subnets in
// every Availability Zone and is registered as a capacity provider with
// managed scaling and managed instance draining. The instance role holds
// only what the ECS agent needs on this cluster.
type EC2Capacity struct {
	// InstanceType is the preferred EC2 instance type, such as "t3.medium".
	// A Graviton type (such as "c7g.large") makes the capacity ARM64: the
	// services on it must then set microservice.Props.Architecture to
	// ARM64. Default: DefaultInstanceType.
	InstanceType string
	// AlternativeInstanceTypes are instance types the group may launch when
	// InstanceType is short in an Availability Zone (a mixed instances
	// policy, on-demand, InstanceType first); pick types with at least
	// InstanceType's vCPUs, memory and ENIs. Default:
	// DefaultAlternativeInstanceTypes when InstanceType is unset too, none
	// when InstanceType is set (the defaults suit DefaultInstanceType only).
	AlternativeInstanceTypes []string
	// MinCapacity is the minimum number of instances, 0 or more.
	// Default: DefaultMinCapacity.
	MinCapacity *int
	// MaxCapacity is the maximum number of instances, at least 1 and at least
	// MinCapacity. It must give the services on the cluster enough awsvpc
	// task slots (see TasksPerInstance); synthesis fails with the numbers
	// when it does not. Default: enough instances for Tasks when it is
	// set, otherwise DefaultMaxCapacity, or MinCapacity when that is larger.
	MaxCapacity int
	// Tasks is the most awsvpc tasks the capacity must run at once, such as
	// a migration's whole plan at its peak (migration.PeakTasks): the
	// capacity is then sized once for every state, and never changes
	// between them. Default: 0 (MaxCapacity as given).
	Tasks int
	// TasksPerInstance is how many awsvpc tasks one instance runs: without
	// ENI trunking, one per network interface but the instance's own.
	// Default: from the instance types' network interfaces
	// (InstanceNetworkInterfaces), the smallest over InstanceType and
	// AlternativeInstanceTypes, minus one; set it for an instance type that
	// table does not know, or when the account has awsvpcTrunking on.
	TasksPerInstance int
	// CapacityProviderName names the ECS capacity provider: 1 to 255
	// letters, digits, '-' and '_', not beginning with "aws", "ecs" or
	// "fargate" in any letter case (ECS rejects those; left unnamed,
	// CloudFormation would derive a name from the stack name, which may
	// begin with them). Changing it replaces the capacity provider.
	// Default: DefaultCapacityProviderNamePrefix followed by a name unique
	// to the stack and the construct path.
	CapacityProviderName string
	// ManagedTerminationProtection keeps Auto Scaling from terminating an
	// instance that runs tasks. Off by default: with it, CloudFormation
	// cannot delete the capacity (a stack rollback or deletion hangs,
	// aws-cdk#18179), and ECS managed instance draining, always on here,
	// already moves tasks off an instance before Auto Scaling terminates
	// it. Default: false.
	ManagedTerminationProtection bool
	// RootVolumeGiB is the size of each instance's encrypted gp3 root
	// volume in GiB, from MinRootVolumeGiB (the ECS-optimized AMI's own
	// snapshot) to MaxRootVolumeGiB (gp3's largest). Default:
	// DefaultRootVolumeGiB (30).
	RootVolumeGiB int
	// TargetCapacityPercent is the capacity provider's managed-scaling
	// target: the share of the instances' capacity that the tasks should
	// use, from 1 to 100; below 100 keeps spare instances running for
	// faster task starts. Default: DefaultTargetCapacityPercent (100).
	TargetCapacityPercent int
	// SessionManager grants the instance role the AWS managed policy
	// AmazonSSMManagedInstanceCore, so that operators reach the instances
	// with AWS Systems Manager Session Manager (they have no SSH key and
	// no inbound rule). Leave it off when the account turns on Systems
	// Manager's Default Host Management Configuration, which manages
	// instances that require IMDSv2 (these do) without instance-role
	// permissions. Default: false.
	SessionManager bool
}

// Cluster is a VPC and an ECS cluster.
type Cluster struct {
	constructs.Construct
	// Vpc is the VPC the cluster runs in (the one passed in, or the new one).
	Vpc awsec2.IVpc
	// Cluster is the ECS cluster.
	Cluster awsecs.Cluster
	// AutoScalingGroup is the EC2 capacity's Auto Scaling group, nil on a
	// Fargate-only cluster.
	AutoScalingGroup awsautoscaling.AutoScalingGroup
	// LaunchTemplate is the EC2 capacity's launch template, nil on a
	// Fargate-only cluster.
	LaunchTemplate awsec2.LaunchTemplate
	// CapacityProvider is the EC2 capacity provider, nil on a Fargate-only
	// cluster.
	CapacityProvider awsecs.AsgCapacityProvider
	// InstanceRole is the EC2 instances' role, nil on a Fargate-only
	// cluster.
	InstanceRole awsiam.Role
	// FlowLogGroup receives the new VPC's flow logs; nil when Props.Vpc
	// was given.
	FlowLogGroup awslogs.LogGroup

	ec2 *EC2Capacity // the EC2 capacity with its defaults, nil on Fargate only
}

// New creates a Cluster. When props are invalid, it reports each problem
// as an error annotation on the new construct, naming the prop, the value
// and what is allowed (`cdk synth` then prints them and fails), and builds
// nothing else.
func New(scope constructs.Construct, id string, props *Props) *Cluster {
	if props == nil {
		props = &Props{}
	}
	p := *props
	c := &Cluster{}
	constructs.NewConstruct_Override(c, scope, &id)
	v := invalid.New(c, "cluster", id)
	fillNetwork(v.Fail, &p)
	validate(v, &p)
	if fillInstances(v.Fail, p.EC2); v.Failed() {
		return c
	}
	c.Vpc = p.Vpc
	if c.Vpc == nil {
		c.Vpc = awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
			// Explicit, so that it does not hang on the app's feature flag
			// (@aws-cdk/aws-ec2:restrictDefaultSecurityGroup): the VPC's
			// default security group allows nothing (Security Hub EC2.2).
			RestrictDefaultSecurityGroup: jsii.Bool(true),
			MaxAzs:                       jsii.Number(p.MaxAzs),
			NatGateways:                  jsii.Number(p.NatGateways),
			SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
				{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
				{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22)},
			},
		})
		if p.VpcEndpoints {
			c.addVpcEndpoints(p.EC2 != nil)
		}
		c.FlowLogGroup = awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
			Retention:     p.FlowLogRetention,
			EncryptionKey: kmskey.ForLogs(c, "FlowLogsKey", "ecsplit: encrypts the VPC flow logs"),
		})
		flowLog := c.Vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
			Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(c.FlowLogGroup, nil),
			TrafficType: awsec2.FlowLogTrafficType_ALL,
		})
		allowFlowLogDelivery(flowLog.IamRole(), c.FlowLogGroup)
	}
	c.Cluster = awsecs.NewCluster(c, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                            c.Vpc,
		ContainerInsightsV2:            awsecs.ContainerInsights_ENABLED,
		EnableFargateCapacityProviders: jsii.Bool(true),
	})
	if p.EC2 != nil {
		c.addEC2Capacity(id, p.EC2)
	}
	return c
}

// CapacityProviderStrategies returns the capacity provider strategy that
// services on this cluster should use: the EC2 capacity provider when the
// cluster has EC2 capacity, nil (Fargate launch type) otherwise.
func (c *Cluster) CapacityProviderStrategies() []*awsecs.CapacityProviderStrategy {
	if c.CapacityProvider == nil {
		return nil
	}
	return []*awsecs.CapacityProviderStrategy{{
		CapacityProvider: c.CapacityProvider.CapacityProviderName(),
		Weight:           jsii.Number(1),
	}}
}
