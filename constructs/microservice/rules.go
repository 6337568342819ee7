package microservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
)

// newTargetGroup creates the service's target group (IP targets on the
// container port) with the health check and deregistration delay of p,
// and registers the service's container in it.
func newTargetGroup(s *Service, p Props) elbv2.ApplicationTargetGroup {
	hc := p.HealthCheck
	return elbv2.NewApplicationTargetGroup(s, jsii.String("TargetGroup"), &elbv2.ApplicationTargetGroupProps{
		Vpc:                 p.Cluster.Vpc(),
		Port:                jsii.Number(p.ContainerPort),
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		TargetType:          elbv2.TargetType_IP,
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(p.DeregistrationDelay.Seconds())),
		HealthCheck: &elbv2.HealthCheck{
			Path:                    jsii.String(hc.Path),
			HealthyHttpCodes:        jsii.String(hc.HealthyHTTPCodes),
			Interval:                awscdk.Duration_Seconds(jsii.Number(hc.Interval.Seconds())),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(hc.Timeout.Seconds())),
			HealthyThresholdCount:   jsii.Number(hc.HealthyThreshold),
			UnhealthyThresholdCount: jsii.Number(hc.UnhealthyThreshold),
		},
		Targets: &[]elbv2.IApplicationLoadBalancerTarget{
			s.Service.LoadBalancerTarget(&awsecs.LoadBalancerTargetOptions{
				ContainerName: jsii.String(p.Name),
				ContainerPort: jsii.Number(p.ContainerPort),
			}),
		},
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
