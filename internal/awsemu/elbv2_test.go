package awsemu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// weightedRule returns the golden listener's rule that forwards to two
// target groups by weight (threads 10, monolith 90).
func weightedRule(t *testing.T, l *albemu.Listener) *albemu.Rule {
	t.Helper()
	for _, r := range l.Rules {
		if r.Action.Forward != nil && len(r.Action.Forward.TargetGroups) == 2 {
			return r
		}
	}
	t.Fatal("no weighted rule in the golden listener")
	return nil
}

// TestDescribeRules: the SDK reads every rule of the listener as the
// router serves it: by priority, then the default rule, with ARNs,
// conditions and actions, weights included.
func TestDescribeRules(t *testing.T) {
	s := newStage(t, loadGolden(t), nil)
	arns := s.srv.ARNs()
	l := s.asm.Listener
	out, err := s.elb.DescribeRules(context.Background(), &elbv2.DescribeRulesInput{ListenerArn: aws.String(arns.Listener(l.ID))})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rules) != len(l.Rules)+1 {
		t.Fatalf("%d rules, want the listener's %d and the default", len(out.Rules), len(l.Rules))
	}
	for i, r := range l.Rules {
		got := out.Rules[i]
		if aws.ToString(got.RuleArn) != arns.Rule(l.ID, r.ID) || aws.ToString(got.Priority) != strconv.Itoa(r.Priority) || aws.ToBool(got.IsDefault) {
			t.Errorf("rule %d: %s priority %s default %v; want %s priority %d", i, aws.ToString(got.RuleArn), aws.ToString(got.Priority), aws.ToBool(got.IsDefault), arns.Rule(l.ID, r.ID), r.Priority)
		}
		if len(got.Conditions) != len(r.Conditions) {
			t.Errorf("rule %s: %d conditions, want %d", r.ID, len(got.Conditions), len(r.Conditions))
			continue
		}
		for j, c := range r.Conditions {
			gc := got.Conditions[j]
			var values []string
			switch c.Field {
			case albemu.FieldPathPattern:
				values = gc.PathPatternConfig.Values
			case albemu.FieldHTTPHeader:
				values = gc.HttpHeaderConfig.Values
				if aws.ToString(gc.HttpHeaderConfig.HttpHeaderName) != c.HeaderName {
					t.Errorf("rule %s: header %s, want %s", r.ID, aws.ToString(gc.HttpHeaderConfig.HttpHeaderName), c.HeaderName)
				}
			}
			if aws.ToString(gc.Field) != c.Field || !slices.Equal(values, c.Values) {
				t.Errorf("rule %s condition %d: %s %v, want %s %v", r.ID, j, aws.ToString(gc.Field), values, c.Field, c.Values)
			}
		}
		if want, got := fmt.Sprint(forwardOf(arns, r.Action)), fmt.Sprint(forwardSDK(got.Actions)); want != got {
			t.Errorf("rule %s forwards %s, want %s", r.ID, got, want)
		}
	}
	def := out.Rules[len(out.Rules)-1]
	if aws.ToString(def.Priority) != "default" || !aws.ToBool(def.IsDefault) || len(def.Actions) != 1 ||
		def.Actions[0].Type != types.ActionTypeEnumFixedResponse || aws.ToString(def.Actions[0].FixedResponseConfig.StatusCode) != "404" ||
		aws.ToString(def.Actions[0].FixedResponseConfig.ContentType) != "application/json" {
		t.Errorf("default rule %+v", def)
	}
	// The weighted rule, by its ARN.
	w := weightedRule(t, l)
	one, err := s.elb.DescribeRules(context.Background(), &elbv2.DescribeRulesInput{RuleArns: []string{arns.Rule(l.ID, w.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Rules) != 1 || fmt.Sprint(forwardSDK(one.Rules[0].Actions)) != fmt.Sprint(forwardOf(arns, w.Action)) {
		t.Errorf("DescribeRules of %s: %+v", w.ID, one.Rules)
	}
}

// forwardOf returns the weights of a forward action by target group ARN.
func forwardOf(arns *ARNs, a albemu.Action) map[string]int {
	out := map[string]int{}
	if a.Forward != nil {
		for _, t := range a.Forward.TargetGroups {
			out[arns.TargetGroup(t.TargetGroup)] = t.Weight
		}
	}
	return out
}

// forwardSDK returns the weights of the forward of actions, as the SDK
// read them, by target group ARN.
func forwardSDK(actions []types.Action) map[string]int {
	out := map[string]int{}
	for _, a := range actions {
		if a.Type == types.ActionTypeEnumForward && a.ForwardConfig != nil {
			for _, t := range a.ForwardConfig.TargetGroups {
				out[aws.ToString(t.TargetGroupArn)] = int(aws.ToInt32(t.Weight))
			}
		}
	}
	return out
}

// TestDescribeRulesPages: PageSize and Marker page through the rules,
// every rule once, in order.
func TestDescribeRulesPages(t *testing.T) {
	s := newStage(t, loadGolden(t), nil)
	listener := aws.String(s.srv.ARNs().Listener(s.asm.Listener.ID))
	all, err := s.elb.DescribeRules(context.Background(), &elbv2.DescribeRulesInput{ListenerArn: listener})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	pages := 0
	in := &elbv2.DescribeRulesInput{ListenerArn: listener, PageSize: aws.Int32(2)}
	for {
		out, err := s.elb.DescribeRules(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Rules) > 2 {
			t.Errorf("page %d has %d rules, want at most 2", pages, len(out.Rules))
		}
		for _, r := range out.Rules {
			paged = append(paged, aws.ToString(r.RuleArn))
		}
		if out.NextMarker == nil {
			break
		}
		in.Marker = out.NextMarker
	}
	var want []string
	for _, r := range all.Rules {
		want = append(want, aws.ToString(r.RuleArn))
	}
	if !slices.Equal(paged, want) || pages != (len(want)+1)/2 {
		t.Errorf("%d pages of %v, want %d of %v", pages, paged, (len(want)+1)/2, want)
	}
}

// TestModifyRule: ModifyRule changes the weights the router serves from
// the next request on, answers with the rule as modified, and leaves the
// assembly's listener as it was.
func TestModifyRule(t *testing.T) {
	asm := loadGolden(t)
	w := weightedRule(t, asm.Listener)
	threadsTG, monolithTG := w.Action.Forward.TargetGroups[0].TargetGroup, w.Action.Forward.TargetGroups[1].TargetGroup
	threads, monolith := newTarget(t, "threads"), newTarget(t, "monolith")
	s := newStage(t, asm, map[albemu.ResourceID][]*url.URL{threadsTG: {threads.URL}, monolithTG: {monolith.URL}})
	arns := s.srv.ARNs()
	ruleARN := arns.Rule(asm.Listener.ID, w.ID)
	path := "/api/threads/1"
	if got := s.get(t, path, 200); got["threads"] == 0 || got["monolith"] == 0 {
		t.Fatalf("before ModifyRule: %v, want both threads (10) and monolith (90)", got)
	}
	modify := func(threadsWeight, monolithWeight int32) *elbv2.ModifyRuleOutput {
		t.Helper()
		out, err := s.elb.ModifyRule(context.Background(), &elbv2.ModifyRuleInput{
			RuleArn: aws.String(ruleARN),
			Actions: []types.Action{{
				Type:  types.ActionTypeEnumForward,
				Order: aws.Int32(1),
				ForwardConfig: &types.ForwardActionConfig{
					TargetGroups: []types.TargetGroupTuple{
						{TargetGroupArn: aws.String(arns.TargetGroup(threadsTG)), Weight: aws.Int32(threadsWeight)},
						{TargetGroupArn: aws.String(arns.TargetGroup(monolithTG)), Weight: aws.Int32(monolithWeight)},
					},
					TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(false)},
				},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := modify(100, 0)
	want := map[string]int{arns.TargetGroup(threadsTG): 100, arns.TargetGroup(monolithTG): 0}
	if len(out.Rules) != 1 || aws.ToString(out.Rules[0].RuleArn) != ruleARN || fmt.Sprint(forwardSDK(out.Rules[0].Actions)) != fmt.Sprint(want) {
		t.Errorf("ModifyRule answered %+v, want rule %s forwarding %v", out.Rules, ruleARN, want)
	}
	if got := s.get(t, path, 100); got["threads"] != 100 {
		t.Errorf("threads 100, monolith 0: %v", got)
	}
	modify(0, 1)
	if got := s.get(t, path, 100); got["monolith"] != 100 {
		t.Errorf("threads 0, monolith 1: %v", got)
	}
	described, err := s.elb.DescribeRules(context.Background(), &elbv2.DescribeRulesInput{RuleArns: []string{ruleARN}})
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]int{arns.TargetGroup(threadsTG): 0, arns.TargetGroup(monolithTG): 1}
	if got := forwardSDK(described.Rules[0].Actions); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DescribeRules after ModifyRule: %v, want %v", got, want)
	}
	if w.Action.Forward.TargetGroups[0].Weight != 10 || w.Action.Forward.TargetGroups[1].Weight != 90 {
		t.Errorf("ModifyRule changed the assembly's rule: %s", w.Action)
	}
	if s.rt.Listener().Rule(w.ID).Conditions[0].Values[0] != w.Conditions[0].Values[0] {
		t.Error("ModifyRule changed the rule's conditions")
	}
}

// TestModifyRuleSticky: a forward with stickiness keeps it, and the
// router sets its cookie.
func TestModifyRuleSticky(t *testing.T) {
	asm := loadGolden(t)
	w := weightedRule(t, asm.Listener)
	s := newStage(t, asm, nil)
	arns := s.srv.ARNs()
	out, err := s.elb.ModifyRule(context.Background(), &elbv2.ModifyRuleInput{
		RuleArn: aws.String(arns.Rule(asm.Listener.ID, w.ID)),
		Actions: []types.Action{{
			Type: types.ActionTypeEnumForward,
			ForwardConfig: &types.ForwardActionConfig{
				TargetGroups:                []types.TargetGroupTuple{{TargetGroupArn: aws.String(arns.TargetGroup(w.Action.Forward.TargetGroups[0].TargetGroup)), Weight: aws.Int32(5)}},
				TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(300)},
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	st := out.Rules[0].Actions[0].ForwardConfig.TargetGroupStickinessConfig
	if !aws.ToBool(st.Enabled) || aws.ToInt32(st.DurationSeconds) != 300 {
		t.Errorf("stickiness %+v, want enabled for 300 s", st)
	}
	if got := s.rt.Listener().Rule(w.ID).Action.Forward.Stickiness.Seconds(); got != 300 {
		t.Errorf("the router's rule is sticky for %v s, want 300", got)
	}
}

// TestELBErrors: what ELBv2 refuses reaches the SDK with its error code,
// typed where the SDK has a type, and changes nothing.
func TestELBErrors(t *testing.T) {
	asm := loadGolden(t)
	w := weightedRule(t, asm.Listener)
	s := newStage(t, asm, nil)
	arns := s.srv.ARNs()
	rule := arns.Rule(asm.Listener.ID, w.ID)
	tg := arns.TargetGroup(w.Action.Forward.TargetGroups[0].TargetGroup)
	forward := func(arn string, weight int32) []types.Action {
		return []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
			TargetGroups: []types.TargetGroupTuple{{TargetGroupArn: aws.String(arn), Weight: aws.Int32(weight)}},
		}}}
	}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		code string
		as   any
	}{
		{"unknown rule", func() error {
			_, err := s.elb.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(rule + "0"), Actions: forward(tg, 1)})
			return err
		}, "RuleNotFound", new(*types.RuleNotFoundException)},
		{"unknown target group", func() error {
			_, err := s.elb.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(rule), Actions: forward(tg+"0", 1)})
			return err
		}, "TargetGroupNotFound", new(*types.TargetGroupNotFoundException)},
		{"weight 1000", func() error {
			_, err := s.elb.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(rule), Actions: forward(tg, 1000)})
			return err
		}, "ValidationError", nil},
		{"weight -1", func() error {
			_, err := s.elb.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(rule), Actions: forward(tg, -1)})
			return err
		}, "ValidationError", nil},
		{"default rule", func() error {
			_, err := s.elb.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(arns.DefaultRule(asm.Listener.ID)), Actions: forward(tg, 1)})
			return err
		}, "OperationNotPermitted", new(*types.OperationNotPermittedException)},
		{"unknown listener", func() error {
			_, err := s.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: aws.String(arns.Listener(asm.Listener.ID) + "0")})
			return err
		}, "ListenerNotFound", new(*types.ListenerNotFoundException)},
		{"unknown rule described", func() error {
			_, err := s.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{rule, rule + "0"}})
			return err
		}, "RuleNotFound", new(*types.RuleNotFoundException)},
		{"neither listener nor rules", func() error {
			_, err := s.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{})
			return err
		}, "ValidationError", nil},
	}
	before := s.rt.Listener()
	for _, tt := range tests {
		err := tt.call()
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != tt.code {
			t.Errorf("%s: error %v, want code %s", tt.name, err, tt.code)
			continue
		}
		if tt.as != nil && !errors.As(err, tt.as) {
			t.Errorf("%s: error %T is not the SDK's %T", tt.name, api, tt.as)
		}
	}
	if s.rt.Listener() != before {
		t.Error("a refused ModifyRule changed the router's listener")
	}
}

// TestModifyRuleUnderLoad: rules change while requests flow and alarms are
// read; every request is answered by one of the rule's target groups.
func TestModifyRuleUnderLoad(t *testing.T) {
	asm := loadGolden(t)
	w := weightedRule(t, asm.Listener)
	threadsTG, monolithTG := w.Action.Forward.TargetGroups[0].TargetGroup, w.Action.Forward.TargetGroups[1].TargetGroup
	s := newStage(t, asm, map[albemu.ResourceID][]*url.URL{threadsTG: {newTarget(t, "threads").URL}, monolithTG: {newTarget(t, "monolith").URL}})
	arns := s.srv.ARNs()
	done := make(chan map[string]int)
	for range 4 {
		go func() {
			counts := map[string]int{}
			for range 50 {
				resp, err := http.Get(s.door.URL + "/api/threads")
				if err != nil {
					counts["error"]++
					continue
				}
				resp.Body.Close()
				counts[resp.Header.Get("X-Target")]++
			}
			done <- counts
		}()
	}
	for i := range 20 {
		_, err := s.elb.ModifyRule(context.Background(), &elbv2.ModifyRuleInput{
			RuleArn: aws.String(arns.Rule(asm.Listener.ID, w.ID)),
			Actions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
				TargetGroups: []types.TargetGroupTuple{
					{TargetGroupArn: aws.String(arns.TargetGroup(threadsTG)), Weight: aws.Int32(int32(i * 5))},
					{TargetGroupArn: aws.String(arns.TargetGroup(monolithTG)), Weight: aws.Int32(int32(100 - i*5))},
				},
			}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.cw.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{}); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for range 4 {
		for target, n := range <-done {
			if target != "threads" && target != "monolith" {
				t.Errorf("%d requests answered by %q", n, target)
			}
			total += n
		}
	}
	if total != 200 {
		t.Errorf("%d answers, want 200", total)
	}
}
