package deploy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// appPlan is the plan of updating oldApp to newApp2.
func appPlan(t *testing.T) *transition.Plan {
	t.Helper()
	old, err1 := cfn.Parse([]byte(oldApp))
	next, err2 := cfn.Parse([]byte(newApp2))
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	return transition.NewPlan(old, next)
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

// TestPlanUpdatesServiceOfReplacedTaskDefinition: the plan the runner
// follows updates a service whose task definition is replaced (a new
// deployment), after it, before the cleanup.
func TestPlanUpdatesServiceOfReplacedTaskDefinition(t *testing.T) {
	got := steps(appPlan(t).Steps)
	want := "delete:Gone[NewRule NewSvc NewTG Svc TD] create:NewRule[NewSvc] create:NewSvc[NewTG TD] create:NewTG[] update:Svc[TD] update:TD[]"
	if got != want {
		t.Errorf("steps:\n got %s\nwant %s", got, want)
	}
}

// TestRollbackSteps: a rollback updates back what the update had updated
// (a service that had started its new deployment too), then deletes what
// it had created, dependents first; what it had not started stays as it
// is.
func TestRollbackSteps(t *testing.T) {
	p := appPlan(t)
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
