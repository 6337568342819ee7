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
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/ecsplit/ecsplit/constructs/internal/logkey"
)

// Props configures a Cluster. The zero value is valid: a new two-AZ VPC with
// one NAT gateway and flow logs, and a Fargate-only cluster.
type Props struct {
	// Vpc is an existing VPC to run in. It must have private subnets with
	// egress; its flow logs are its owner's business. Default: a new VPC
	// with public and private subnets in DefaultMaxAzs Availability Zones,
	// no public IP addresses assigned on launch, and flow logs of all
	// traffic to a KMS-encrypted log group kept for DefaultFlowLogRetention.
	Vpc awsec2.IVpc
	// NatGateways is the number of NAT gateways of the new VPC, from 1 to the
	// number of AZs. Ignored when Vpc is set. Default: DefaultNatGateways.
	NatGateways int
	// EC2 adds EC2 capacity to the cluster. Default: nil, Fargate only.
	EC2 *EC2Capacity
}

// EC2Capacity configures the EC2 capacity of a cluster: an Auto Scaling group
// of ECS-optimized Amazon Linux 2023 instances launched from a launch
// template that requires IMDSv2 with a hop limit of 1, has detailed
// monitoring and an encrypted root volume, and blocks tasks from the
// instance metadata; the group spreads over the VPC's private subnets in
// every Availability Zone and is registered as a managed-scaling capacity
// provider.
type EC2Capacity struct {
	// InstanceType is the preferred EC2 instance type, such as "t3.medium".
	// Default: DefaultInstanceType.
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
	// MinCapacity. Default: DefaultMaxCapacity.
	MaxCapacity int
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
	// FlowLogGroup receives the new VPC's flow logs; nil when Props.Vpc
	// was given.
	FlowLogGroup awslogs.LogGroup
}

// New creates a Cluster. It panics, naming the prop and the allowed values,
// when props are invalid.
func New(scope constructs.Construct, id string, props *Props) *Cluster {
	if props == nil {
		props = &Props{}
	}
	p := *props
	validate(id, &p)

	c := &Cluster{}
	constructs.NewConstruct_Override(c, scope, &id)
	c.Vpc = p.Vpc
	if c.Vpc == nil {
		c.Vpc = awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
			MaxAzs:      jsii.Number(DefaultMaxAzs),
			NatGateways: jsii.Number(p.NatGateways),
			SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
				{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
				{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22)},
			},
		})
		c.FlowLogGroup = awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
			Retention:     DefaultFlowLogRetention,
			EncryptionKey: logkey.New(c, "FlowLogsKey", "ecsplit: encrypts the VPC flow logs"),
		})
		c.Vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
			Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(c.FlowLogGroup, nil),
			TrafficType: awsec2.FlowLogTrafficType_ALL,
		})
	}
	c.Cluster = awsecs.NewCluster(c, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                            c.Vpc,
		ContainerInsightsV2:            awsecs.ContainerInsights_ENABLED,
		EnableFargateCapacityProviders: jsii.Bool(true),
	})
	if p.EC2 != nil {
		c.addEC2Capacity(p.EC2)
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

func (c *Cluster) addEC2Capacity(ec2 *EC2Capacity) {
	sg := awsec2.NewSecurityGroup(c, jsii.String("InstanceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         c.Vpc,
		Description: jsii.String("ECS container instances: no inbound traffic (tasks use awsvpc ENIs; use SSM, not SSH)"),
	})
	role := awsiam.NewRole(c, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
	})
	userData := awsec2.UserData_ForLinux(nil)
	// awsvpc tasks get their credentials from the ECS agent, never from the
	// instance metadata: block it, so a task cannot borrow the instance role.
	userData.AddCommands(jsii.String("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config"))
	c.LaunchTemplate = awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:       awsec2.NewInstanceType(jsii.String(ec2.InstanceType)),
		MachineImage:       awsecs.EcsOptimizedImage_AmazonLinux2023(awsecs.AmiHardwareType_STANDARD, nil),
		UserData:           userData,
		Role:               role,
		SecurityGroup:      sg,
		RequireImdsv2:      jsii.Bool(true),
		DetailedMonitoring: jsii.Bool(true),
		// A hop limit of 1 keeps instance credentials on the instance: no
		// container (bridge or awsvpc) can reach IMDS through it.
		HttpPutResponseHopLimit: jsii.Number(1),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(DefaultRootVolumeGiB), &awsec2.EbsDeviceOptions{
				Encrypted:  jsii.Bool(true),
				VolumeType: awsec2.EbsDeviceVolumeType_GP3,
			}),
		}},
	})
	subnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	asgProps := &awsautoscaling.AutoScalingGroupProps{
		Vpc:         c.Vpc,
		VpcSubnets:  subnets,
		MinCapacity: jsii.Number(*ec2.MinCapacity),
		MaxCapacity: jsii.Number(ec2.MaxCapacity),
	}
	if len(ec2.AlternativeInstanceTypes) == 0 {
		asgProps.LaunchTemplate = c.LaunchTemplate
	} else {
		overrides := []*awsautoscaling.LaunchTemplateOverrides{}
		for _, t := range append([]string{ec2.InstanceType}, ec2.AlternativeInstanceTypes...) {
			overrides = append(overrides, &awsautoscaling.LaunchTemplateOverrides{InstanceType: awsec2.NewInstanceType(jsii.String(t))})
		}
		asgProps.MixedInstancesPolicy = &awsautoscaling.MixedInstancesPolicy{
			LaunchTemplate:          c.LaunchTemplate,
			LaunchTemplateOverrides: &overrides,
			InstancesDistribution: &awsautoscaling.InstancesDistribution{
				OnDemandPercentageAboveBaseCapacity: jsii.Number(100),
				OnDemandAllocationStrategy:          awsautoscaling.OnDemandAllocationStrategy_PRIORITIZED,
			},
		}
	}
	c.AutoScalingGroup = awsautoscaling.NewAutoScalingGroup(c, jsii.String("AutoScalingGroup"), asgProps)
	// Name the Availability Zones as well as the subnets, so that a review
	// of the template (Control Tower CT.AUTOSCALING.PR.1) sees that the
	// group spans more than one.
	c.AutoScalingGroup.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup).
		SetAvailabilityZones(c.Vpc.SelectSubnets(subnets).AvailabilityZones)
	cdknag.NagSuppressions_AddResourceSuppressions(c.AutoScalingGroup, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-AS3"),
		Reason: jsii.String("EC2 Auto Scaling sends every launch, termination and failure of this group to " +
			"Amazon EventBridge without configuration; operators subscribe there instead of to an SNS topic per group."),
	}, {
		Id: jsii.String("CdkNagValidationFailure"),
		Reason: jsii.String("AwsSolutions-EC26 cannot follow a launch template given through a mixed instances policy; " +
			"the launch template's only volume is encrypted (test/nag_test.go asserts it)."),
		AppliesTo: &[]any{"AwsSolutions-EC26"},
	}}, jsii.Bool(false))
	c.CapacityProvider = awsecs.NewAsgCapacityProvider(c, jsii.String("CapacityProvider"), &awsecs.AsgCapacityProviderProps{
		AutoScalingGroup:      c.AutoScalingGroup,
		EnableManagedScaling:  jsii.Bool(true),
		TargetCapacityPercent: jsii.Number(DefaultTargetCapacityPercent),
	})
	c.Cluster.AddAsgCapacityProvider(c.CapacityProvider, nil)
	// The ECS agent's policy, which the capacity provider attaches to the
	// instance role, is AWS's AmazonEC2ContainerServiceforEC2Role minus the
	// parts ecsplit does not use.
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The ECS container agent needs ecs:Submit* on its cluster's container instances and tasks, and " +
			"ecs:DiscoverPollEndpoint, ecs:StartTelemetrySession, ecr:GetAuthorizationToken and the CloudWatch Logs " +
			"actions CDK grants it, which have no resource-level permissions (Resource *)."),
		AppliesTo: &[]any{"Action::ecs:Submit*", "Resource::*"},
	}}, jsii.Bool(true))
}

// validate fills defaults into p and panics on invalid values.
func validate(id string, p *Props) {
	fail := func(prop string, format string, args ...any) {
		panic(fmt.Sprintf("ecsplit cluster %q: %s: %s", id, prop, fmt.Sprintf(format, args...)))
	}
	switch {
	case p.Vpc != nil && p.NatGateways != 0:
		fail("NatGateways", "must be left unset (0) when Vpc is given, got %d", p.NatGateways)
	case p.NatGateways == 0:
		p.NatGateways = DefaultNatGateways
	case p.NatGateways < 1 || p.NatGateways > DefaultMaxAzs:
		fail("NatGateways", "must be from 1 to %d (one per AZ), got %d", DefaultMaxAzs, p.NatGateways)
	}
	if p.EC2 == nil {
		return
	}
	e := *p.EC2
	if e.InstanceType == "" {
		e.InstanceType = DefaultInstanceType
		if e.AlternativeInstanceTypes == nil {
			e.AlternativeInstanceTypes = slices.Clone(DefaultAlternativeInstanceTypes)
		}
	}
	if !validInstanceType(e.InstanceType) {
		fail("EC2.InstanceType", "must be an EC2 instance type such as %q (family.size), got %q", DefaultInstanceType, e.InstanceType)
	}
	for i, t := range e.AlternativeInstanceTypes {
		if !validInstanceType(t) || t == e.InstanceType || slices.Contains(e.AlternativeInstanceTypes[:i], t) {
			fail("EC2.AlternativeInstanceTypes", "must be distinct EC2 instance types such as %q (family.size), other than InstanceType %q, got %q", DefaultAlternativeInstanceTypes[0], e.InstanceType, t)
		}
	}
	if e.MinCapacity == nil {
		n := DefaultMinCapacity
		e.MinCapacity = &n
	}
	if e.MaxCapacity == 0 {
		e.MaxCapacity = max(DefaultMaxCapacity, *e.MinCapacity)
	}
	if *e.MinCapacity < 0 {
		fail("EC2.MinCapacity", "must be 0 or more, got %d", *e.MinCapacity)
	}
	if e.MaxCapacity < 1 || e.MaxCapacity < *e.MinCapacity {
		fail("EC2.MaxCapacity", "must be at least 1 and at least MinCapacity (%d), got %d", *e.MinCapacity, e.MaxCapacity)
	}
	p.EC2 = &e
}

var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)

func validInstanceType(s string) bool { return instanceTypeRE.MatchString(s) }
