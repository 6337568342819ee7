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
	for _, s := range p.Order() {
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
	if o := p.Order(); len(o) != 2 || o[0].ID != "A" || o[1].Change != Create {
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
	for _, s := range NewPlan(old, new).Order() {
		got = append(got, fmt.Sprintf("%s:%s%v", s.Change, s.ID, s.After))
	}
	if want := "update:TD[] update:Svc[TD]"; strings.Join(got, " ") != want {
		t.Errorf("plan %s, want %s", strings.Join(got, " "), want)
	}
}
