package cfn

import (
	"slices"
	"testing"
)

const sample = `{
 "Resources": {
  "Svc": {"Type": "AWS::ECS::Service", "DependsOn": "Attach",
   "Properties": {"Cluster": {"Fn::ImportValue": "P:Cluster"}, "TaskDefinition": {"Ref": "Task"}}},
  "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}},
  "Role": {"Type": "AWS::IAM::Role"},
  "Attach": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
   "Properties": {"ListenerArn": {"Fn::ImportValue": "P:Listener"}, "Region": {"Ref": "AWS::Region"}}},
  "Rule": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "DependsOn": ["Svc"],
   "Properties": {"ListenerArn": {"Fn::ImportValue": "P:Listener"}}}
 },
 "Outputs": {
  "Out": {"Value": {"Ref": "Svc"}, "Export": {"Name": "S:Svc"}},
  "Plain": {"Value": "x"}
 }
}`

func TestTemplate(t *testing.T) {
	tpl, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tpl.Imports(), []string{"P:Cluster", "P:Listener"}; !slices.Equal(got, want) {
		t.Errorf("Imports() = %v, want %v", got, want)
	}
	if got := tpl.Exports(); len(got) != 1 || got["S:Svc"] == nil {
		t.Errorf("Exports() = %v, want S:Svc only", got)
	}
	if got, want := tpl.OfType("AWS::ElasticLoadBalancingV2::ListenerRule"), []string{"Attach", "Rule"}; !slices.Equal(got, want) {
		t.Errorf("OfType = %v, want %v", got, want)
	}
	deps := map[string][]string{
		"Svc":    {"Attach", "Task"}, // DependsOn as a string, and a Ref
		"Task":   {"Role"},           // Fn::GetAtt
		"Attach": nil,                // a pseudo parameter is no resource
		"Rule":   {"Svc"},            // DependsOn as a list
	}
	for id, want := range deps {
		if got := tpl.Dependencies(id); !slices.Equal(got, want) {
			t.Errorf("Dependencies(%s) = %v, want %v", id, got, want)
		}
	}
	for _, c := range []struct {
		a, b string
		want bool
	}{{"Rule", "Role", true}, {"Rule", "Attach", true}, {"Attach", "Svc", false}, {"Role", "Rule", false}} {
		if got := tpl.DependsOnTransitively(c.a, c.b); got != c.want {
			t.Errorf("DependsOnTransitively(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestParseRejectsBadDependsOn(t *testing.T) {
	if _, err := Parse([]byte(`{"Resources": {"A": {"Type": "X", "DependsOn": 3}}}`)); err == nil {
		t.Error("DependsOn 3 was accepted")
	}
}
