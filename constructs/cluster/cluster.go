// Package cluster provides the ECS cluster that ecsplit services run on: a
// VPC (new or existing) and an ECS cluster with Container Insights, with
// Fargate capacity by default and optional EC2 capacity from an Auto Scaling
// group that is built from a launch template and registered as a capacity
// provider.
package cluster

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures a Cluster. The zero value is valid: a new two-AZ VPC with
// one NAT gateway and a Fargate-only cluster.
type Props struct {
	// Vpc is an existing VPC to run in. It must have private subnets with
	// egress. Default: a new VPC with public and private subnets in
	// DefaultMaxAzs Availability Zones.
	Vpc awsec2.IVpc
	// NatGateways is the number of NAT gateways of the new VPC, from 1 to the
	// number of AZs. Ignored when Vpc is set. Default: DefaultNatGateways.
	NatGateways int
	// EC2 adds EC2 capacity to the cluster. Default: nil, Fargate only.
	EC2 *EC2Capacity
}

// EC2Capacity configures the EC2 capacity of a cluster: an Auto Scaling group
// of ECS-optimized Amazon Linux 2023 instances launched from a launch
// template that requires IMDSv2, registered as a managed-scaling capacity
// provider.
type EC2Capacity struct {
	// InstanceType is the EC2 instance type, such as "t3.medium".
	// Default: DefaultInstanceType.
	InstanceType string
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
	c.LaunchTemplate = awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:  awsec2.NewInstanceType(jsii.String(ec2.InstanceType)),
		MachineImage:  awsecs.EcsOptimizedImage_AmazonLinux2023(awsecs.AmiHardwareType_STANDARD, nil),
		UserData:      awsec2.UserData_ForLinux(nil),
		Role:          role,
		SecurityGroup: sg,
		RequireImdsv2: jsii.Bool(true),
		// Tasks reach IMDS through the awsvpc ENI only with a hop limit of 2.
		HttpPutResponseHopLimit: jsii.Number(2),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(DefaultRootVolumeGiB), &awsec2.EbsDeviceOptions{
				Encrypted:  jsii.Bool(true),
				VolumeType: awsec2.EbsDeviceVolumeType_GP3,
			}),
		}},
	})
	c.AutoScalingGroup = awsautoscaling.NewAutoScalingGroup(c, jsii.String("AutoScalingGroup"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:            c.Vpc,
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		LaunchTemplate: c.LaunchTemplate,
		MinCapacity:    jsii.Number(*ec2.MinCapacity),
		MaxCapacity:    jsii.Number(ec2.MaxCapacity),
	})
	c.CapacityProvider = awsecs.NewAsgCapacityProvider(c, jsii.String("CapacityProvider"), &awsecs.AsgCapacityProviderProps{
		AutoScalingGroup:      c.AutoScalingGroup,
		EnableManagedScaling:  jsii.Bool(true),
		TargetCapacityPercent: jsii.Number(DefaultTargetCapacityPercent),
	})
	c.Cluster.AddAsgCapacityProvider(c.CapacityProvider, nil)
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
	}
	if !validInstanceType(e.InstanceType) {
		fail("EC2.InstanceType", "must be an EC2 instance type such as %q (family.size), got %q", DefaultInstanceType, e.InstanceType)
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
