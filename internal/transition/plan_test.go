package transition

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

func parse(t *testing.T, s string) *cfn.Template {
	t.Helper()
	tpl, err := cfn.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// order is the plan's steps in order.
func order(t *testing.T, p *Plan) []*Step {
	t.Helper()
	steps, err := Order(p.Steps)
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// TestPlan: creations and updates follow the new template's dependencies;
// deletions come after them all, dependents first by the old template.
func TestPlan(t *testing.T) {
	old := parse(t, `{"Resources": {
		"Keep": {"Type": "T", "Properties": {"A": 1}},
		"Change": {"Type": "T", "Properties": {"A": 1}},
		"Gone": {"Type": "T"},
		"GoneUser": {"Type": "T", "DependsOn": "Gone"}
	}}`)
	new := parse(t, `{"Resources": {
		"Keep": {"Type": "T", "Properties": {"A": 1}},
		"Change": {"Type": "T", "Properties": {"A": 2, "B": {"Ref": "New"}}},
		"New": {"Type": "T", "DependsOn": "Keep"}
	}}`)
	p := NewPlan(old, new)
	var got []string
	for _, s := range order(t, p) {
		got = append(got, fmt.Sprintf("%s:%s%v", s.Change, s.ID, s.After))
	}
	want := "create:New[] update:Change[New] delete:GoneUser[Change New] delete:Gone[Change New GoneUser]"
	if strings.Join(got, " ") != want {
		t.Errorf("plan:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if p.Steps["Keep"] != nil {
		t.Error("an unchanged resource has a step")
	}
}

// TestPlanCreation: with no old template every resource is created.
func TestPlanCreation(t *testing.T) {
	p := NewPlan(nil, parse(t, `{"Resources": {"A": {"Type": "T"}, "B": {"Type": "T", "DependsOn": "A"}}}`))
	if o := order(t, p); len(o) != 2 || o[0].ID != "A" || o[1].Change != Create {
		t.Errorf("creation order %v", o)
	}
}

// TestPlanReplacedTaskDefinition: a changed task definition is replaced,
// so the service that refers to it is updated after it (a new
// deployment), before the cleanup phase.
func TestPlanReplacedTaskDefinition(t *testing.T) {
	old := parse(t, `{"Resources": {
		"TD": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Env": "v1"}},
		"Svc": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "TD"}}},
		"Other": {"Type": "AWS::ECS::Service", "Properties": {"X": 1}}
	}}`)
	new := parse(t, `{"Resources": {
		"TD": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Env": "v2"}},
		"Svc": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "TD"}}},
		"Other": {"Type": "AWS::ECS::Service", "Properties": {"X": 1}}
	}}`)
	var got []string
	for _, s := range order(t, NewPlan(old, new)) {
		got = append(got, fmt.Sprintf("%s:%s%v", s.Change, s.ID, s.After))
	}
	if want := "update:TD[] update:Svc[TD]"; strings.Join(got, " ") != want {
		t.Errorf("plan %s, want %s", strings.Join(got, " "), want)
	}
}

// TestOrderRefusesBadPlans: a wait for a step that is not in the plan, or
// steps that wait for each other, could never all start.
func TestOrderRefusesBadPlans(t *testing.T) {
	step := func(id string, after ...string) *Step { return &Step{ID: id, After: after} }
	tests := []struct {
		steps map[string]*Step
		want  string
	}{
		{map[string]*Step{"a": step("a", "b"), "b": step("b", "a"), "c": step("c"), "d": step("d", "a")}, "steps [a b d] wait for each other in a cycle"},
		{map[string]*Step{"a": step("a", "ghost")}, "step a waits for ghost, which is not a step of the plan"},
	}
	for _, tt := range tests {
		if _, err := Order(tt.steps); err == nil || err.Error() != tt.want {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}

// TestStackOrder: stacks deploy after the stacks they depend on; a
// cycle is refused.
func TestStackOrder(t *testing.T) {
	tests := []struct {
		stacks []cfn.Stack
		want   string
	}{
		{[]cfn.Stack{{ID: "Network"}, {ID: "Platform", DependsOn: []string{"Network"}}, {ID: "Services", DependsOn: []string{"Platform"}}}, "[Network Platform Services]"},
		{[]cfn.Stack{{ID: "A", DependsOn: []string{"C"}}, {ID: "B"}, {ID: "C", DependsOn: []string{"B"}}}, "[B C A]"},
		{[]cfn.Stack{{ID: "A", DependsOn: []string{"B"}}, {ID: "B", DependsOn: []string{"A"}}}, "the stacks depend on each other in a cycle"},
	}
	for _, tt := range tests {
		order, err := StackOrder(tt.stacks)
		got := fmt.Sprint(err)
		if err == nil {
			var ids []string
			for _, st := range order {
				ids = append(ids, st.ID)
			}
			got = fmt.Sprint(ids)
		}
		if got != tt.want {
			t.Errorf("%v: %s, want %s", tt.stacks, got, tt.want)
		}
	}
}
