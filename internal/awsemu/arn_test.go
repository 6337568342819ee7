package awsemu

import (
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
)

// TestARNs: the ARNs of the assembly's resources are those CloudFormation
// would give them in Env (what a template output resolves to), the full
// names those of the alarms' dimensions, and Lookup finds each resource by
// its ARN.
func TestARNs(t *testing.T) {
	asm := loadGolden(t)
	arns := NewARNs(asm)
	res := cfn.NewResolver(asm.Templates, Env())
	physical := func(id albemu.ResourceID) string {
		s, err := res.PhysicalID(id.Stack, id.LogicalID)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	l := asm.Listener
	checks := []struct {
		what, got, want, prefix string
		id                      albemu.ResourceID
	}{
		{"listener", arns.Listener(l.ID), physical(l.ID), ":listener/app/", l.ID},
		{"rule", arns.Rule(l.ID, l.Rules[0].ID), physical(l.Rules[0].ID), ":listener-rule/app/", l.Rules[0].ID},
	}
	for id := range asm.TargetGroups {
		checks = append(checks, struct {
			what, got, want, prefix string
			id                      albemu.ResourceID
		}{"target group", arns.TargetGroup(id), physical(id), ":targetgroup/", id})
	}
	for _, c := range checks {
		if c.got != c.want || !strings.HasPrefix(c.got, "arn:aws:elasticloadbalancing:us-east-1:000000000000"+c.prefix) {
			t.Errorf("%s %s: ARN %s, want %s", c.what, c.id, c.got, c.want)
		}
		if got, ok := arns.Lookup(c.got); !ok || got != c.id {
			t.Errorf("Lookup(%s) = %s, %v; want %s", c.got, got, ok, c.id)
		}
	}
	lbName, err := res.Attribute("EcsplitPlatform", "SharedAlbLoadBalancerE51116A8", "LoadBalancerFullName")
	if err != nil {
		t.Fatal(err)
	}
	if got := arns.LoadBalancerFullName(l.ID); got != lbName {
		t.Errorf("LoadBalancerFullName = %s, want %s", got, lbName)
	}
	for id := range asm.TargetGroups {
		want, err := res.Attribute(id.Stack, id.LogicalID, "TargetGroupFullName")
		if err != nil {
			t.Fatal(err)
		}
		if got := arns.TargetGroupFullName(id); got != want {
			t.Errorf("TargetGroupFullName(%s) = %s, want %s", id, got, want)
		}
	}
	if d := arns.DefaultRule(l.ID); !strings.HasPrefix(d, strings.Replace(arns.Listener(l.ID), ":listener/", ":listener-rule/", 1)+"/") {
		t.Errorf("default rule %s is not a rule of listener %s", d, arns.Listener(l.ID))
	}
}

// TestARNsByHand: a listener, rule and target group that no template holds
// get ARNs of the same forms, distinct and stable.
func TestARNsByHand(t *testing.T) {
	arns := NewARNs(&albemu.Assembly{})
	l, r, tg := albemu.ResourceID{Stack: "S", LogicalID: "L"}, albemu.ResourceID{Stack: "S", LogicalID: "R"}, albemu.ResourceID{Stack: "S", LogicalID: "T"}
	listener := arns.Listener(l)
	if !strings.HasPrefix(listener, "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/S/") || len(strings.Split(listener, "/")) != 5 {
		t.Errorf("listener ARN %s", listener)
	}
	rule := arns.Rule(l, r)
	if !strings.HasPrefix(rule, strings.Replace(listener, ":listener/", ":listener-rule/", 1)+"/") {
		t.Errorf("rule ARN %s is not one of listener %s", rule, listener)
	}
	if got := arns.TargetGroup(tg); !strings.HasPrefix(got, "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/S-T/") {
		t.Errorf("target group ARN %s", got)
	}
	if again := NewARNs(&albemu.Assembly{}).Rule(l, r); again != rule {
		t.Errorf("rule ARN %s, then %s", rule, again)
	}
	if arns.DefaultRule(l) == rule || arns.Rule(l, tg) == rule {
		t.Error("two rules have one ARN")
	}
	if id, ok := arns.Lookup(rule); !ok || id != r {
		t.Errorf("Lookup(%s) = %s, %v", rule, id, ok)
	}
	if _, ok := arns.Lookup(rule + "0"); ok {
		t.Error("Lookup found an ARN it never gave")
	}
}
