package microservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"
)

// newTaskDefinition creates the task definition: Fargate with the
// architecture as its runtime platform, or EC2 in awsvpc mode (the EC2
// capacity's instances decide the architecture there).
func newTaskDefinition(s *Service, p Props, fargate bool) awsecs.TaskDefinition {
	if fargate {
		return awsecs.NewFargateTaskDefinition(s, jsii.String("TaskDefinition"), &awsecs.FargateTaskDefinitionProps{
			Cpu:            jsii.Number(p.CPU),
			MemoryLimitMiB: jsii.Number(p.MemoryMiB),
			RuntimePlatform: &awsecs.RuntimePlatform{
				CpuArchitecture:       p.Architecture.cpu(),
				OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
			},
		})
	}
	return awsecs.NewEc2TaskDefinition(s, jsii.String("TaskDefinition"), &awsecs.Ec2TaskDefinitionProps{
		NetworkMode: awsecs.NetworkMode_AWS_VPC,
	})
}

// addContainer adds the service's one container: its environment with
// PORT, its secrets (which the CDK lets the execution role read, each
// exactly), awslogs to the service's log group, a read-only root
// filesystem, a non-root user, no privilege and no Linux capability; its
// memory limit is MemoryMiB. On EC2, where the task definition has no task
// size, the container reserves CPU units: ECS places the task by them, and
// the service's CPU utilization, which the CPU target tracks, is measured
// against them.
func (s *Service) addContainer(p Props, fargate bool) awsecs.ContainerDefinition {
	env := map[string]*string{"PORT": jsii.String(fmt.Sprint(p.ContainerPort))}
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	opts := &awsecs.ContainerDefinitionOptions{
		Image:        p.Image,
		Essential:    jsii.Bool(true),
		Environment:  &env,
		PortMappings: &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(p.ContainerPort), Protocol: awsecs.Protocol_TCP}},
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup: s.LogGroup, StreamPrefix: jsii.String(p.Name), Mode: awsecs.AwsLogDriverMode_NON_BLOCKING,
		}),
		StopTimeout:            awscdk.Duration_Seconds(jsii.Number(p.StopTimeout.Seconds())),
		ReadonlyRootFilesystem: jsii.Bool(true),
		User:                   jsii.String(p.User),
		Privileged:             jsii.Bool(false),
		MemoryLimitMiB:         jsii.Number(p.MemoryMiB),
		LinuxParameters:        noCapabilities(s),
	}
	if !fargate {
		opts.Cpu = jsii.Number(p.CPU)
	}
	if len(p.Secrets) > 0 {
		secrets := map[string]awsecs.Secret{}
		for k, v := range p.Secrets {
			secrets[k] = v
		}
		opts.Secrets = &secrets
	}
	return s.TaskDefinition.AddContainer(jsii.String(p.Name), opts)
}
