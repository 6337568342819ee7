package transition

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// writeAssembly writes a cloud assembly of two stacks whose CloudFormation
// stack names differ from their artifact ids, as `cdk deploy` names them
// when a stack sets stackName: a platform stack with the listener, which
// it exports, and a services stack with the resources given.
func writeAssembly(t *testing.T, services map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	stack := func(name, file string, deps ...string) map[string]any {
		return map[string]any{"type": "aws:cloudformation:stack", "dependencies": deps,
			"properties": map[string]any{"templateFile": file, "stackName": name}}
	}
	files := map[string]any{
		"manifest.json": map[string]any{"artifacts": map[string]any{
			"Platform": stack("my-platform", "Platform.template.json"),
			"Services": stack("my-services", "Services.template.json", "Platform"),
		}},
		"Platform.template.json": map[string]any{
			"Resources": map[string]any{"Listener": map[string]any{"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": map[string]any{
				"Port": 80, "Protocol": "HTTP",
				"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404"}}},
			}}},
			"Outputs": map[string]any{"L": map[string]any{"Value": map[string]any{"Ref": "Listener"}, "Export": map[string]any{"Name": "Platform:Listener"}}},
		},
		"Services.template.json": map[string]any{"Resources": services},
	}
	for name, v := range files {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// apiService is the resources of a service behind a rule that sends it
// all of /api/*; dependsOn says whether the rule depends on the service.
func apiService(dependsOn bool) map[string]any {
	return apiServiceWaitingFor(map[bool]any{true: "Svc", false: nil}[dependsOn])
}

// scaledService is apiService with a scalable target, which the rule
// depends on, with the service, when waits is set.
func scaledService(waits bool) map[string]any {
	deps := []any{"Svc"}
	if waits {
		deps = append(deps, "Target")
	}
	r := apiServiceWaitingFor(deps)
	r["Target"] = map[string]any{"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": map[string]any{
		"MinCapacity": 2, "MaxCapacity": 10, "ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs",
		"ResourceId": map[string]any{"Fn::Join": []any{"", []any{"service/cluster/", map[string]any{"Fn::GetAtt": []any{"Svc", "Name"}}}}},
	}}
	return r
}

// apiServiceWaitingFor is apiService whose rule has DependsOn deps (none
// when nil).
func apiServiceWaitingFor(deps any) map[string]any {
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	rule := map[string]any{"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "Properties": map[string]any{
		"ListenerArn": map[string]any{"Fn::ImportValue": "Platform:Listener"},
		"Priority":    10,
		"Conditions":  []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/api/*"}}}},
		"Actions":     []any{map[string]any{"Type": "forward", "TargetGroupArn": ref("TG")}},
	}}
	if deps != nil {
		rule["DependsOn"] = deps
	}
	return map[string]any{
		"TG": map[string]any{"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": map[string]any{"Port": 8080, "Protocol": "HTTP"}},
		"TD": map[string]any{"Type": "AWS::ECS::TaskDefinition", "Properties": map[string]any{"ContainerDefinitions": []any{map[string]any{
			"Name": "api", "Image": "registry.example.com/api:1", "PortMappings": []any{map[string]any{"ContainerPort": 8080}},
		}}}},
		"Svc": map[string]any{"Type": "AWS::ECS::Service", "Properties": map[string]any{
			"TaskDefinition": ref("TD"),
			"LoadBalancers":  []any{map[string]any{"TargetGroupArn": ref("TG"), "ContainerName": "api", "ContainerPort": 8080}},
		}},
		"Rule": rule,
	}
}

// TestCheckStackNamedOtherThanItsArtifact: Check finds a stack's resources
// by its artifact id when its stack name differs: it proves the rule that
// waits for its service, and reports the one that does not, whether the
// update creates the service or deletes it.
func TestCheckStackNamedOtherThanItsArtifact(t *testing.T) {
	none := writeAssembly(t, map[string]any{})
	good, bad := writeAssembly(t, apiService(true)), writeAssembly(t, apiService(false))
	for _, c := range []struct {
		name, from, to, want string
	}{
		{"created, waiting", none, good, ""},
		{"deleted, waiting", good, none, ""},
		{"created, not waiting", none, bad, "Services/Rule routes a share to Services/Svc, which this update creates, without depending on it"},
		{"deleted, not waiting", bad, none, "Services/Rule routes a share to Services/Svc, which this update deletes, without depending on it"},
	} {
		problems := check(t, c.from, c.to)
		got := strings.Join(problems, "\n")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: problems %q, want %q", c.name, got, c.want)
		}
	}
}

// TestCheckScalableTarget: a rule that routes a share to a service this
// update creates waits for its scalable target too, whose registration
// raises the service from one task to its minimum capacity.
func TestCheckScalableTarget(t *testing.T) {
	none := writeAssembly(t, map[string]any{})
	if got := check(t, none, writeAssembly(t, scaledService(true))); len(got) != 0 {
		t.Errorf("a rule waiting for the service and its scalable target: problems %q", got)
	}
	got := strings.Join(check(t, none, writeAssembly(t, scaledService(false))), "\n")
	if !strings.Contains(got, "Services/Rule routes a share to Services/Svc, which this update creates, without depending on its scalable target Target") {
		t.Errorf("a rule waiting for the service only: problems %q", got)
	}
}

// check loads two assemblies and checks the update from one to the other.
func check(t *testing.T, from, to string) []string {
	t.Helper()
	a, err := albemu.Load(from)
	if err != nil {
		t.Fatal(err)
	}
	b, err := albemu.Load(to)
	if err != nil {
		t.Fatal(err)
	}
	return Check(a, b)
}

// groupsService is a service that the rule's paths reach, registered in
// the target groups lbs of TG and TG2, and a rule that forwards /api/* to
// ruleTo (none when ""), depending on ruleDeps; the service depends on
// svcDeps. It is the monolith of a migration, registered in a second
// target group for the paths of a service below 100 %.
func groupsService(lbs []string, ruleTo string, ruleDeps, svcDeps []any) map[string]any {
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	var balancers []any
	for _, tg := range lbs {
		balancers = append(balancers, map[string]any{"TargetGroupArn": ref(tg), "ContainerName": "api", "ContainerPort": 8080})
	}
	svc := map[string]any{"Type": "AWS::ECS::Service", "Properties": map[string]any{"TaskDefinition": ref("TD"), "LoadBalancers": balancers}}
	if svcDeps != nil {
		svc["DependsOn"] = svcDeps
	}
	r := map[string]any{
		"TG":  map[string]any{"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": map[string]any{"Port": 8080, "Protocol": "HTTP"}},
		"TG2": map[string]any{"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": map[string]any{"Port": 8080, "Protocol": "HTTP"}},
		"TD": map[string]any{"Type": "AWS::ECS::TaskDefinition", "Properties": map[string]any{"ContainerDefinitions": []any{map[string]any{
			"Name": "api", "Image": "registry.example.com/api:1", "PortMappings": []any{map[string]any{"ContainerPort": 8080}},
		}}}},
		"Svc": svc,
	}
	if ruleTo != "" {
		rule := map[string]any{"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "Properties": map[string]any{
			"ListenerArn": map[string]any{"Fn::ImportValue": "Platform:Listener"},
			"Priority":    10,
			"Conditions":  []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/api/*"}}}},
			"Actions":     []any{map[string]any{"Type": "forward", "TargetGroupArn": ref(ruleTo)}},
		}}
		if ruleDeps != nil {
			rule["DependsOn"] = ruleDeps
		}
		r["Rule"] = rule
	}
	return r
}

// TestCheckServiceInTwoTargetGroups: a service kept by an update that is
// registered in a target group anew, or leaves one, is ordered against
// the rule that routes a share there: the rule waits for the service's
// deployment to register it, and the deployment that drains the group
// waits for the rule to stop routing there; a rule deleted by the update
// cannot stop first (the cleanup phase comes after the updates).
func TestCheckServiceInTwoTargetGroups(t *testing.T) {
	one, two := []string{"TG"}, []string{"TG", "TG2"}
	svcDep := []any{"Svc"}
	for _, c := range []struct {
		name     string
		from, to map[string]any
		want     string
	}{
		{"registered anew, waited for", groupsService(one, "TG", svcDep, nil), groupsService(two, "TG2", svcDep, nil), ""},
		{"registered anew, not waited for", groupsService(one, "TG", svcDep, nil), groupsService(two, "TG2", nil, nil),
			"Services/Rule routes a share to Services/TG2, in which this update registers Services/Svc, without depending on it"},
		{"left, the rule updated first", groupsService(two, "TG2", svcDep, nil), groupsService(one, "TG", nil, []any{"Rule"}), ""},
		{"left, the rule not waited for", groupsService(two, "TG2", svcDep, nil), groupsService(one, "TG", nil, nil),
			"Services/Svc leaves Services/TG2 without depending on Services/Rule"},
		{"left, the rule still routing there", groupsService(two, "TG2", svcDep, nil), groupsService(one, "TG2", nil, []any{"Rule"}),
			"Services/Rule still routes a share to Services/TG2, which Services/Svc leaves"},
		{"left, the rule deleted", groupsService(two, "TG2", svcDep, nil), groupsService(one, "", nil, nil),
			"Services/Rule routes a share to Services/TG2, which Services/Svc leaves in this update, and is deleted only in the cleanup phase"},
	} {
		got := strings.Join(check(t, writeAssembly(t, c.from), writeAssembly(t, c.to)), "\n")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: problems %q, want %q", c.name, got, c.want)
		}
	}
}
