package cluster

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
)

// addEC2Capacity adds the Auto Scaling group, its launch template and
// instance role, and the capacity provider to the cluster.
func (c *Cluster) addEC2Capacity(id string, ec2 *EC2Capacity) {
	c.ec2 = ec2
	sg := awsec2.NewSecurityGroup(c, jsii.String("InstanceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         c.Vpc,
		Description: jsii.String("ecsplit ECS container instances: no inbound rules; tasks use their own ENIs; reach instances with SSM Session Manager"),
	})
	c.InstanceRole = c.newInstanceRole(ec2)
	userData := awsec2.UserData_ForLinux(nil)
	// awsvpc tasks get their credentials from the ECS agent, never from the
	// instance metadata: block it, so a task cannot borrow the instance role.
	userData.AddCommands(jsii.String("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config"))
	c.LaunchTemplate = awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType: awsec2.NewInstanceType(jsii.String(ec2.InstanceType)),
		MachineImage: awsecs.EcsOptimizedImage_AmazonLinux2023(amiHardware(ec2.architecture()), nil),
		UserData:     userData,
		// The CDK adds the ECS agent's statements to the role of the
		// group it configures; they go nowhere here (the role is handed
		// over without policy updates) because newInstanceRole grants
		// the agent's permissions itself, minus what ecsplit does not use.
		Role:               c.InstanceRole.WithoutPolicyUpdates(nil),
		SecurityGroup:      sg,
		RequireImdsv2:      jsii.Bool(true),
		DetailedMonitoring: jsii.Bool(true),
		// A hop limit of 1 keeps instance credentials on the instance: no
		// container (bridge or awsvpc) can reach IMDS through it.
		HttpPutResponseHopLimit: jsii.Number(1),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(ec2.RootVolumeGiB), &awsec2.EbsDeviceOptions{
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
		for _, t := range ec2.instanceTypes() {
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
	suppress.On(c.AutoScalingGroup, suppress.Rule{
		ID: "AwsSolutions-AS3",
		Reason: "EC2 Auto Scaling sends every launch, termination and failure of this group to " +
			"Amazon EventBridge without configuration; operators subscribe there instead of to an SNS topic per group.",
	}, suppress.Rule{
		ID: "CdkNagValidationFailure",
		Reason: "AwsSolutions-EC26 cannot follow a launch template given through a mixed instances policy; " +
			"the launch template's only volume is encrypted (test/nag_test.go asserts it).",
		AppliesTo: []string{"AwsSolutions-EC26"},
	})

	name := ec2.CapacityProviderName
	if name == "" {
		name = DefaultCapacityProviderNamePrefix + *awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{
			MaxLength: jsii.Number(MaxCapacityProviderNameLength - len(DefaultCapacityProviderNamePrefix)),
			Separator: jsii.String("-"),
		})
	}
	c.CapacityProvider = awsecs.NewAsgCapacityProvider(c, jsii.String("CapacityProvider"), &awsecs.AsgCapacityProviderProps{
		AutoScalingGroup:                   c.AutoScalingGroup,
		CapacityProviderName:               jsii.String(name),
		EnableManagedScaling:               jsii.Bool(true),
		EnableManagedDraining:              jsii.Bool(true),
		EnableManagedTerminationProtection: jsii.Bool(ec2.ManagedTerminationProtection),
		TargetCapacityPercent:              jsii.Number(ec2.TargetCapacityPercent),
	})
	c.Cluster.AddAsgCapacityProvider(c.CapacityProvider, nil)
}

// newInstanceRole creates the instances' role with the ECS container
// agent's permissions on this cluster: those of the CDK's own ECS setup
// (aws-ecs Cluster.configureAutoScalingGroup), without the CloudWatch Logs
// actions it keeps for a CloudWatch agent ecsplit does not install: tasks
// log through their execution roles. With SessionManager, also the
// permissions of AWS Systems Manager.
func (c *Cluster) newInstanceRole(ec2 *EC2Capacity) awsiam.Role {
	role := awsiam.NewRole(c, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
	})
	clusterArn := c.Cluster.ClusterArn()
	policy := awsiam.NewPolicy(c, jsii.String("InstancePolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("RegisterWithThisCluster"),
				Actions: jsii.Strings("ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance",
					"ecs:SubmitAttachmentStateChanges", "ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange"),
				Resources: &[]*string{clusterArn},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("PollThisCluster"),
				Actions:    jsii.Strings("ecs:Poll", "ecs:StartTelemetrySession"),
				Resources:  jsii.Strings("*"),
				Conditions: &map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusterArn}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("WithoutResourceLevelPermissions"),
				Actions:   jsii.Strings("ecs:DiscoverPollEndpoint", "ecr:GetAuthorizationToken"),
				Resources: jsii.Strings("*"),
			}),
		},
	})
	suppress.On(policy, suppress.Rule{
		ID: "AwsSolutions-IAM5",
		Reason: "ecs:DiscoverPollEndpoint and ecr:GetAuthorizationToken have no resource-level permissions; " +
			"ecs:Poll and ecs:StartTelemetrySession act on container instances that do not exist yet, so they are " +
			"limited to this cluster by the ecs:cluster condition instead.",
		AppliesTo: []string{"Resource::*"},
	})
	if ec2.SessionManager {
		role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(SessionManagerPolicy)))
		suppress.On(role, suppress.Rule{
			ID: "AwsSolutions-IAM4",
			Reason: fmt.Sprintf("EC2.SessionManager asks for AWS Systems Manager on the instances; AWS maintains "+
				"its permissions in the managed policy %s, which AWS documents for this purpose.", SessionManagerPolicy),
			AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/" + SessionManagerPolicy},
		})
	}
	return role
}
