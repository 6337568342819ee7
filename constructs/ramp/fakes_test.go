package ramp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

const (
	listener = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/shop/1/2"
	usersTG  = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/users/1"
	monoTG   = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/monolith/2"
)

// fakeELB is a listener's rules, served in pages of two as DescribeRules
// does with a small page size, and the ModifyRule calls it had.
type fakeELB struct {
	clock    *fakeClock
	rules    []types.Rule
	modifies []*elbv2.ModifyRuleInput
	// writes are the service's share after each ModifyRule, at its time.
	writes []write
	// failModify fails every ModifyRule.
	failModify error
}

type write struct {
	at      time.Duration // since the clock's start
	percent int
}

func (f *fakeELB) DescribeRules(_ context.Context, in *elbv2.DescribeRulesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	if aws.ToString(in.ListenerArn) != listener {
		return nil, fmt.Errorf("ListenerNotFound: %s", aws.ToString(in.ListenerArn))
	}
	start := 0
	if in.Marker != nil {
		start, _ = strconv.Atoi(*in.Marker)
	}
	end := min(start+2, len(f.rules))
	out := &elbv2.DescribeRulesOutput{Rules: f.rules[start:end]}
	if end < len(f.rules) {
		out.NextMarker = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeELB) ModifyRule(_ context.Context, in *elbv2.ModifyRuleInput, _ ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error) {
	if f.failModify != nil {
		return nil, f.failModify
	}
	f.modifies = append(f.modifies, in)
	for _, a := range in.Actions {
		if a.Type == types.ActionTypeEnumForward && a.TargetGroupArn != nil && a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 1 {
			return nil, errors.New("ValidationError: a forward with TargetGroupArn and several target groups in ForwardConfig")
		}
		if o := a.AuthenticateOidcConfig; o != nil && o.ClientSecret == nil && !aws.ToBool(o.UseExistingClientSecret) {
			return nil, errors.New("ValidationError: an OIDC action without ClientSecret nor UseExistingClientSecret")
		}
	}
	for i, r := range f.rules {
		if aws.ToString(r.RuleArn) == aws.ToString(in.RuleArn) {
			f.rules[i].Actions = in.Actions
			if in.Conditions != nil {
				f.rules[i].Conditions = in.Conditions
			}
			if f.clock != nil {
				f.writes = append(f.writes, write{f.clock.now.Sub(f.clock.start), f.share(i)})
			}
			return &elbv2.ModifyRuleOutput{Rules: []types.Rule{f.rules[i]}}, nil
		}
	}
	return nil, fmt.Errorf("RuleNotFound: %s", aws.ToString(in.RuleArn))
}

// share is the users' share of rule i.
func (f *fakeELB) share(i int) int {
	return rule{actions: f.rules[i].Actions, forward: forwardIndex(f.rules[i])}.share(Spec{ServiceTargetGroupArn: usersTG})
}

func forwardIndex(r types.Rule) int {
	for i, a := range r.Actions {
		if a.Type == types.ActionTypeEnumForward {
			return i
		}
	}
	return -1
}

// weightedRule is a rule with users at percent and the monolith at the
// rest, sticky, behind an OIDC action, as a migration might have it.
func weightedRule(priority, percent int) types.Rule {
	return types.Rule{
		RuleArn:  aws.String(fmt.Sprintf("arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/shop/1/2/%d", priority)),
		Priority: aws.String(strconv.Itoa(priority)),
		Conditions: []types.RuleCondition{{
			Field:  aws.String("path-pattern"),
			Values: []string{"/users/*"},
		}},
		Actions: []types.Action{
			{
				Type:  types.ActionTypeEnumAuthenticateOidc,
				Order: aws.Int32(1),
				AuthenticateOidcConfig: &types.AuthenticateOidcActionConfig{
					ClientId: aws.String("shop"),
					Issuer:   aws.String("https://id.example.com"),
				},
			},
			{
				Type:  types.ActionTypeEnumForward,
				Order: aws.Int32(2),
				ForwardConfig: &types.ForwardActionConfig{
					TargetGroups: []types.TargetGroupTuple{
						{TargetGroupArn: aws.String(usersTG), Weight: aws.Int32(int32(percent))},
						{TargetGroupArn: aws.String(monoTG), Weight: aws.Int32(int32(100 - percent))},
					},
					TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{
						Enabled:         aws.Bool(true),
						DurationSeconds: aws.Int32(300),
					},
				},
			},
		},
	}
}

// otherRule is a rule of another service.
func otherRule(priority int) types.Rule {
	return types.Rule{
		RuleArn:  aws.String(fmt.Sprintf("arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/shop/1/2/%d", priority)),
		Priority: aws.String(strconv.Itoa(priority)),
		Actions: []types.Action{{
			Type:           types.ActionTypeEnumForward,
			TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/orders/3"),
		}},
	}
}

// defaultRule is the listener's default rule.
func defaultRule() types.Rule {
	return types.Rule{
		RuleArn:   aws.String("arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/shop/1/2/default"),
		Priority:  aws.String("default"),
		IsDefault: aws.Bool(true),
		Actions:   []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(monoTG)}},
	}
}

// fakeCloudWatch is alarms by name, served in pages of at most
// MaxRecords (50 when not given), leaving composite alarms out unless
// asked for, as DescribeAlarms does.
type fakeCloudWatch struct {
	metric    map[string]alarm
	composite map[string]alarm
	calls     []*cloudwatch.DescribeAlarmsInput
	fail      error
}

type alarm struct{ state, reason string }

func (f *fakeCloudWatch) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	f.calls = append(f.calls, in)
	if f.fail != nil {
		return nil, f.fail
	}
	if len(in.AlarmNames) > 100 {
		return nil, errors.New("ValidationError: more than 100 alarm names")
	}
	composites := false
	for _, t := range in.AlarmTypes {
		composites = composites || t == cwtypes.AlarmTypeCompositeAlarm
	}
	max := 50
	if in.MaxRecords != nil {
		max = int(*in.MaxRecords)
	}
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	n := 0
	for i, name := range in.AlarmNames[start:] {
		if n == max {
			out.NextToken = aws.String(strconv.Itoa(start + i))
			break
		}
		if a, ok := f.metric[name]; ok {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(name), StateValue: cwtypes.StateValue(a.state), StateReason: aws.String(a.reason)})
			n++
		}
		if a, ok := f.composite[name]; ok && composites {
			out.CompositeAlarms = append(out.CompositeAlarms, cwtypes.CompositeAlarm{AlarmName: aws.String(name), StateValue: cwtypes.StateValue(a.state), StateReason: aws.String(a.reason)})
			n++
		}
	}
	return out, nil
}

// fakeClock starts at a fixed time and moves only when slept on.
type fakeClock struct {
	start, now time.Time
	interval   time.Duration
	// onSleep runs after each sleep, with the time since start.
	onSleep func(since time.Duration)
}

func newFakeClock(interval time.Duration) *fakeClock {
	t := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return &fakeClock{start: t, now: t, interval: interval}
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return errors.New("fakeClock: sleep of no time, a busy loop")
	}
	c.now = c.now.Add(d)
	if c.onSleep != nil {
		c.onSleep(c.now.Sub(c.start))
	}
	return ctx.Err()
}

func (c *fakeClock) Interval() time.Duration { return c.interval }
