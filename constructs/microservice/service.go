package microservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
)

// newService creates the ECS service in the cluster's private subnets with
// the tasks' security group, the deployment settings of p and a circuit
// breaker that rolls a failed deployment back. It sets no desired count:
// autoscaling owns the count (a desired count would reset it at every
// deployment); ECS starts a new service with one task and autoscaling
// raises it to MinCapacity.
func newService(s *Service, p Props, fargate bool) awsecs.BaseService {
	var strategies *[]*awsecs.CapacityProviderStrategy
	if env := p.Platform; len(env.CapacityProviderStrategies) > 0 {
		strategies = &env.CapacityProviderStrategies
	}
	circuit := &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)}
	grace := awscdk.Duration_Seconds(jsii.Number(p.HealthCheckGracePeriod.Seconds()))
	subnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	sgs := &[]awsec2.ISecurityGroup{s.SecurityGroup}
	// FargateServiceProps and Ec2ServiceProps are distinct jsii types with
	// the same fields: the two literals below differ only in AssignPublicIp.
	if fargate {
		return awsecs.NewFargateService(s, jsii.String("Service"), &awsecs.FargateServiceProps{
			Cluster:                    p.Platform.Cluster,
			TaskDefinition:             s.TaskDefinition,
			CircuitBreaker:             circuit,
			MinHealthyPercent:          jsii.Number(*p.MinHealthyPercent),
			MaxHealthyPercent:          jsii.Number(p.MaxHealthyPercent),
			HealthCheckGracePeriod:     grace,
			VpcSubnets:                 subnets,
			SecurityGroups:             sgs,
			AssignPublicIp:             jsii.Bool(false),
			CapacityProviderStrategies: strategies,
			PropagateTags:              awsecs.PropagatedTagSource_SERVICE,
		})
	}
	return awsecs.NewEc2Service(s, jsii.String("Service"), &awsecs.Ec2ServiceProps{
		Cluster:                    p.Platform.Cluster,
		TaskDefinition:             s.TaskDefinition,
		CircuitBreaker:             circuit,
		MinHealthyPercent:          jsii.Number(*p.MinHealthyPercent),
		MaxHealthyPercent:          jsii.Number(p.MaxHealthyPercent),
		HealthCheckGracePeriod:     grace,
		VpcSubnets:                 subnets,
		SecurityGroups:             sgs,
		CapacityProviderStrategies: strategies,
		PropagateTags:              awsecs.PropagatedTagSource_SERVICE,
	})
}

// addScaling makes the task count track CPU utilization, and ALB requests
// per task in each of its target groups when RequestsPerTarget is set,
// between MinCapacity and MaxCapacity.
func (s *Service) addScaling(p Props) awsecs.ScalableTaskCount {
	scaling := s.Service.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(p.MinCapacity),
		MaxCapacity: jsii.Number(p.MaxCapacity),
	})
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(p.CPUTargetPercent),
	})
	if p.RequestsPerTarget > 0 {
		// Scale-out only: with no requests the metric has no data, and
		// Application Auto Scaling scales in only when every policy that
		// may scale in agrees; the CPU policy, always fed, does. One
		// policy per target group: target tracking takes one metric, and
		// the largest capacity any policy asks for wins.
		for i, tg := range append([]elbv2.ApplicationTargetGroup{s.TargetGroup}, s.ExtraTargetGroups...) {
			id := "Requests"
			if i > 0 {
				id = fmt.Sprintf("Requests%d", i+1)
			}
			scaling.ScaleOnRequestCount(jsii.String(id), &awsecs.RequestCountScalingProps{
				RequestsPerTarget: jsii.Number(p.RequestsPerTarget),
				TargetGroup:       tg,
				DisableScaleIn:    jsii.Bool(true),
			})
		}
	}
	return scaling
}
