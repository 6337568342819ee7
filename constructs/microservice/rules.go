package microservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// A service's two listener rules, and the order CloudFormation must make
// them in so that no request reaches a target group without a healthy
// target (the ALB answers 503 then):
//
//   - The preview rule (PreviewRule) forwards requests for the service's
//     paths that carry the preview header, or no request at all when
//     PreviewHeader is unset. It associates the target group with the
//     listener, which ECS requires before it creates the service, without
//     carrying a share of the traffic: the ECS service depends on it.
//   - The routing rule (ListenerRule) carries the paths' traffic, or a
//     weighted share of it. It depends on the ECS service and its scalable
//     target (Service.Ready), so that CloudFormation creates it only once
//     the service is stable (its first task passes the health check) and
//     its desired count raised to MinCapacity, and deletes it before them.
//
// The CDK would make the ECS service depend on every rule that forwards to
// its target group; the routing rule is therefore a CfnListenerRule, which
// registers nothing.

// unreachableSource is the source address of the preview rule when there
// is no preview header: no client connects from it.
const unreachableSource = "0.0.0.0/32"

// newTargetGroup creates a target group of the service, with construct id
// id (IP targets on the container port), with the health check and
// deregistration delay of p, and registers the service's container in it.
func newTargetGroup(s *Service, id string, p Props) elbv2.ApplicationTargetGroup {
	hc := p.HealthCheck
	return elbv2.NewApplicationTargetGroup(s, jsii.String(id), &elbv2.ApplicationTargetGroupProps{
		Vpc:                 p.Platform.Cluster.Vpc(),
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

// newPreviewRule creates the preview rule, at the priority just before the
// routing rule's: for a request with the preview header, a more specific
// rule of another service still wins, and this service's own routing rule
// (or any broader one) does not. It forwards to TargetGroup, and to each
// of ExtraTargetGroups at weight 0 (never chosen: ELBv2 weights run from 0
// to 999): that associates them with the listener, which ECS requires
// before it registers the service in them, without a rule priority of
// their own.
func (s *Service) newPreviewRule(listener elbv2.IApplicationListener, p Props) elbv2.ApplicationListenerRule {
	conditions := []elbv2.ListenerCondition{elbv2.ListenerCondition_SourceIps(jsii.Strings(unreachableSource))}
	if p.PreviewHeader != "" {
		conditions = []elbv2.ListenerCondition{
			elbv2.ListenerCondition_HttpHeader(jsii.String(p.PreviewHeader), jsii.Strings(p.Name)),
			elbv2.ListenerCondition_PathPatterns(jsii.Strings(p.Paths...)),
		}
	}
	action := elbv2.ListenerAction_Forward(&[]elbv2.IApplicationTargetGroup{s.TargetGroup}, nil)
	if len(s.ExtraTargetGroups) > 0 {
		weighted := []*elbv2.WeightedTargetGroup{{TargetGroup: s.TargetGroup, Weight: jsii.Number(1)}}
		for _, tg := range s.ExtraTargetGroups {
			weighted = append(weighted, &elbv2.WeightedTargetGroup{TargetGroup: tg, Weight: jsii.Number(0)})
		}
		action = elbv2.ListenerAction_WeightedForward(&weighted, nil)
	}
	return elbv2.NewApplicationListenerRule(s, jsii.String("PreviewRule"), &elbv2.ApplicationListenerRuleProps{
		Listener:   listener,
		Priority:   jsii.Number(s.PreviewPriority),
		Conditions: &conditions,
		Action:     action,
	})
}

// newRoutingRule creates the routing rule: a forward of the service's paths
// to its target group, or a weighted split with share.Other. It depends on
// the service's Ready() resources, and on share.OtherReady.
func (s *Service) newRoutingRule(listener elbv2.IApplicationListener, p Props) elbv2.CfnListenerRule {
	action := &elbv2.CfnListenerRule_ActionProperty{Type: jsii.String("forward")}
	if p.Share == nil {
		action.TargetGroupArn = s.TargetGroup.TargetGroupArn()
	} else {
		forward := &elbv2.CfnListenerRule_ForwardConfigProperty{TargetGroups: &[]*elbv2.CfnListenerRule_TargetGroupTupleProperty{
			{TargetGroupArn: s.TargetGroup.TargetGroupArn(), Weight: jsii.Number(p.Share.Percent)},
			{TargetGroupArn: p.Share.Other.TargetGroupArn(), Weight: jsii.Number(100 - p.Share.Percent)},
		}}
		if p.Share.Stickiness > 0 {
			forward.TargetGroupStickinessConfig = &elbv2.CfnListenerRule_TargetGroupStickinessConfigProperty{
				Enabled:         jsii.Bool(true),
				DurationSeconds: jsii.Number(p.Share.Stickiness.Seconds()),
			}
		}
		action.ForwardConfig = forward
	}
	// Under a construct "Rule" with id "Resource", like the CDK's own
	// rules: the logical id stays the one the rule had when it was an
	// ApplicationListenerRule (a new logical id would replace the rule,
	// and CloudFormation creates the new one before deleting the old, at
	// the same priority: PriorityInUse).
	scope := constructs.NewConstruct(s, jsii.String("Rule"))
	rule := elbv2.NewCfnListenerRule(scope, jsii.String("Resource"), &elbv2.CfnListenerRuleProps{
		ListenerArn: listener.ListenerArn(),
		Priority:    jsii.Number(s.Priority),
		Conditions: &[]*elbv2.CfnListenerRule_RuleConditionProperty{{
			Field:             jsii.String("path-pattern"),
			PathPatternConfig: &elbv2.CfnListenerRule_PathPatternConfigProperty{Values: jsii.Strings(p.Paths...)},
		}},
		Actions: &[]*elbv2.CfnListenerRule_ActionProperty{action},
	})
	for _, r := range s.Ready() {
		rule.AddResourceDependency(r, jsii.String("no share reaches the target group before its service is stable and scaled to its minimum"))
	}
	if p.Share != nil {
		for _, r := range p.Share.OtherReady {
			rule.AddResourceDependency(r, jsii.String("no share reaches the other target group before its service is stable and scaled to its minimum"))
		}
	}
	return rule
}
