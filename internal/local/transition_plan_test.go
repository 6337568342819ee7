package local

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/transition"
)

func template(t *testing.T, s string) *cfn.Template {
	t.Helper()
	tpl, err := cfn.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// steps describes steps as "change:ID[After]", in id order.
func steps(m map[string]*transition.Step) string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(m)) {
		st := m[id]
		after := slices.Sorted(slices.Values(st.After))
		out = append(out, fmt.Sprintf("%s:%s%v", st.Change, id, after))
	}
	return strings.Join(out, " ")
}

const (
	oldApp = `{"Resources": {
		"TD": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Env": "v1"}},
		"Svc": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "TD"}}},
		"Rule": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "DependsOn": "Svc"},
		"Gone": {"Type": "AWS::IAM::Role"}
	}}`
	newApp2 = `{"Resources": {
		"TD": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Env": "v2"}},
		"Svc": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "TD"}}},
		"Rule": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "DependsOn": "Svc"},
		"NewTG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup"},
		"NewSvc": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "TD"}, "TG": {"Ref": "NewTG"}}},
		"NewRule": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "DependsOn": "NewSvc"}
	}}`
)

// TestWithServiceUpdates: a replaced task definition updates the service
// that refers to it (a new deployment), after it, before the cleanup; a
// service with its own step keeps it.
func TestWithServiceUpdates(t *testing.T) {
	p := transition.NewPlan(template(t, oldApp), template(t, newApp2))
	before := steps(p.Steps)
	got := steps(withServiceUpdates(p))
	want := "delete:Gone[NewRule NewSvc NewTG Svc TD] create:NewRule[NewSvc] create:NewSvc[NewTG TD] create:NewTG[] update:Svc[TD] update:TD[]"
	if got != want {
		t.Errorf("steps:\n got %s\nwant %s", got, want)
	}
	if steps(p.Steps) != before {
		t.Error("withServiceUpdates changed the plan it was given")
	}
}

// TestRollbackSteps: a rollback updates back what the update had updated
// (a service that had started its new deployment too), then deletes what
// it had created, dependents first; what it had not started stays as it
// is.
func TestRollbackSteps(t *testing.T) {
	p := transition.NewPlan(template(t, oldApp), template(t, newApp2))
	tests := []struct {
		started []string
		want    string
	}{
		{[]string{"NewSvc", "NewTG", "TD"}, "delete:NewSvc[TD] delete:NewTG[NewSvc TD] update:TD[]"},
		{[]string{"NewTG"}, "delete:NewTG[]"},
		{[]string{"Svc", "TD"}, "update:Svc[TD] update:TD[]"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := steps(rollbackSteps(p, tt.started)); got != tt.want {
			t.Errorf("started %v: rollback\n got %s\nwant %s", tt.started, got, tt.want)
		}
	}
}

// TestDeployOrder: stacks deploy after the stacks they depend on, named
// both ways.
func TestDeployOrder(t *testing.T) {
	dir := t.TempDir()
	manifest := `{"artifacts": {
		"Services": {"type": "aws:cloudformation:stack", "dependencies": ["Platform", "Services.assets"], "properties": {"stackName": "my-services"}},
		"Services.assets": {"type": "cdk:asset-manifest"},
		"Platform": {"type": "aws:cloudformation:stack", "dependencies": ["Network"]},
		"Network": {"type": "aws:cloudformation:stack"}
	}}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	order, err := deployOrder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(order); got != "[{Network Network} {Platform Platform} {Services my-services}]" {
		t.Errorf("order %s", got)
	}
}
