package ramp

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ELBV2 is the part of the Elastic Load Balancing v2 API a ramp calls,
// with the SDK's signatures: *elasticloadbalancingv2.Client satisfies it.
type ELBV2 interface {
	DescribeRules(ctx context.Context, in *elbv2.DescribeRulesInput, opts ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error)
	ModifyRule(ctx context.Context, in *elbv2.ModifyRuleInput, opts ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error)
}

// rule is the weighted rule of a Spec as it is live.
type rule struct {
	arn     string
	actions []types.Action
	// forward is the index of the forward action in actions, or -1.
	forward int
}

// readRule finds the rule with spec's priority on spec's listener.
func readRule(ctx context.Context, c ELBV2, spec Spec) (rule, error) {
	priority := strconv.Itoa(spec.Priority)
	in := &elbv2.DescribeRulesInput{ListenerArn: aws.String(spec.ListenerArn)}
	for {
		out, err := c.DescribeRules(ctx, in)
		if err != nil {
			return rule{}, fmt.Errorf("ramp of %s: reading the rules of listener %s: %w", spec.Service, spec.ListenerArn, err)
		}
		for _, r := range out.Rules {
			if aws.ToString(r.Priority) != priority {
				continue
			}
			found := rule{arn: aws.ToString(r.RuleArn), actions: r.Actions, forward: -1}
			for i, a := range r.Actions {
				if a.Type == types.ActionTypeEnumForward {
					found.forward = i
				}
			}
			if found.forward < 0 {
				return rule{}, fmt.Errorf("ramp of %s: rule %s (priority %d) does not forward, so it has no share to ramp", spec.Service, found.arn, spec.Priority)
			}
			return found, nil
		}
		if aws.ToString(out.NextMarker) == "" {
			break
		}
		in.Marker = out.NextMarker
	}
	return rule{}, &noRuleError{spec}
}

// noRuleError is a listener without the rule of a Spec's priority.
type noRuleError struct{ spec Spec }

func (e *noRuleError) Error() string {
	s := e.spec
	return fmt.Sprintf("ramp of %s: listener %s has no rule with priority %d, so %s has no weighted rule yet; a ramp moves an existing share: deploy its extraction first (for example %s:0), then ramp",
		s.Service, s.ListenerArn, s.Priority, s.Service, s.Service)
}

// readLiveRule is readRule, except that without the rule a target of 0
// is no error but ok false: the share is 0 before the rule exists, and
// CloudFormation creates the rule at 0 once the ramp is done, as it does
// when it deploys a service's extraction.
func readLiveRule(ctx context.Context, c ELBV2, spec Spec) (r rule, ok bool, err error) {
	r, err = readRule(ctx, c, spec)
	if _, none := err.(*noRuleError); none && spec.Percent == 0 {
		return rule{}, false, nil
	}
	return r, err == nil, err
}

// share is the service's percent of the rule's forward: the weight of
// the service's target group over the sum of weights, rounded. A plain
// forward to the service's group alone is 100, to any other group 0.
func (r rule) share(spec Spec) int {
	a := r.actions[r.forward]
	if a.ForwardConfig == nil || len(a.ForwardConfig.TargetGroups) == 0 {
		if aws.ToString(a.TargetGroupArn) == spec.ServiceTargetGroupArn {
			return 100
		}
		return 0
	}
	var service, sum int
	for _, tg := range a.ForwardConfig.TargetGroups {
		w := weight(tg)
		sum += w
		if aws.ToString(tg.TargetGroupArn) == spec.ServiceTargetGroupArn {
			service += w
		}
	}
	if sum == 0 {
		return 0
	}
	return int(math.Round(float64(service) * 100 / float64(sum)))
}

// weight is a target group's weight in a forward; left out, it is 1, as
// in a forward to one group.
func weight(tg types.TargetGroupTuple) int {
	if tg.Weight == nil {
		return 1
	}
	return int(*tg.Weight)
}

// write sets the rule's forward to percent for the service's target group
// and 100-percent for the monolith's. Everything else of the rule stays:
// its conditions, its other actions, the forward's order, stickiness and
// any other target group with its weight.
func (r rule) write(ctx context.Context, c ELBV2, spec Spec, percent int) error {
	actions := make([]types.Action, len(r.actions))
	copy(actions, r.actions)
	for i := range actions {
		// DescribeRules does not return an OIDC client secret; ModifyRule
		// keeps the one the rule has only when told to.
		if o := actions[i].AuthenticateOidcConfig; o != nil && o.ClientSecret == nil {
			oidc := *o
			oidc.UseExistingClientSecret = aws.Bool(true)
			actions[i].AuthenticateOidcConfig = &oidc
		}
	}
	fwd := actions[r.forward]
	cfg := types.ForwardActionConfig{}
	if fwd.ForwardConfig != nil {
		cfg = *fwd.ForwardConfig
	}
	groups := make([]types.TargetGroupTuple, 0, len(cfg.TargetGroups)+2)
	groups = append(groups, cfg.TargetGroups...)
	if len(groups) == 0 && aws.ToString(fwd.TargetGroupArn) != "" {
		groups = append(groups, types.TargetGroupTuple{TargetGroupArn: fwd.TargetGroupArn})
	}
	setWeight := func(arn string, w int) {
		for i := range groups {
			if aws.ToString(groups[i].TargetGroupArn) == arn {
				groups[i].Weight = aws.Int32(int32(w))
				return
			}
		}
		groups = append(groups, types.TargetGroupTuple{TargetGroupArn: aws.String(arn), Weight: aws.Int32(int32(w))})
	}
	other, err := r.other(spec, groups)
	if err != nil {
		return err
	}
	setWeight(spec.ServiceTargetGroupArn, percent)
	setWeight(other, 100-percent)
	cfg.TargetGroups = groups
	fwd.ForwardConfig = &cfg
	// A forward names its groups either way, not both.
	fwd.TargetGroupArn = nil
	actions[r.forward] = fwd
	if _, err := c.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(r.arn), Actions: actions}); err != nil {
		return fmt.Errorf("ramp of %s: writing %d %% to rule %s: %w", spec.Service, percent, r.arn, err)
	}
	return nil
}

// other is the target group that takes the rest of the service's paths:
// the one other group the live forward names, whichever it is, so that a
// state whose template moves the rest to another group (such as the
// monolith's group for the service's paths, which CloudFormation writes
// after the ramp) never leaves the forward with three groups; the spec's
// MonolithTargetGroupArn when the live forward names the service's group
// alone. A live forward with several other groups is not a share a ramp
// knows how to move.
func (r rule) other(spec Spec, groups []types.TargetGroupTuple) (string, error) {
	var others []string
	for _, g := range groups {
		if arn := aws.ToString(g.TargetGroupArn); arn != spec.ServiceTargetGroupArn {
			others = append(others, arn)
		}
	}
	switch len(others) {
	case 0:
		return spec.MonolithTargetGroupArn, nil
	case 1:
		return others[0], nil
	}
	return "", fmt.Errorf("ramp of %s: rule %s forwards to %d target groups besides the service's (%v); a ramp moves a share between the service and one other group",
		spec.Service, r.arn, len(others), others)
}
