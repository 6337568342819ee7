package local

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// app is a one-stack cloud assembly for transition tests: a listener that
// answers 404, and per service a target group (health check /ping every
// 10 s, unhealthy after 3, deregistration delay 15 s), a task definition
// whose container runs this test binary (see echoServices) with GREETING
// set, the ECS service, and its routing rule, which depends on the
// service, as ecsplit's templates make it.
type app struct {
	resources map[string]any
}

// service is a service of an app.
type service struct {
	name, greeting string
	priority       int
	paths          []string
}

func newApp(services ...service) *app {
	a := &app{resources: map[string]any{
		"Listener": map[string]any{"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": map[string]any{
			"Port": 80, "Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404", "MessageBody": "no route"}}},
		}},
	}}
	for _, s := range services {
		ref := func(suffix string) map[string]any { return map[string]any{"Ref": s.name + suffix} }
		a.resources[s.name+"TG"] = map[string]any{"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": map[string]any{
			"Port": 8080, "Protocol": "HTTP", "HealthCheckPath": "/ping", "HealthCheckIntervalSeconds": 10, "UnhealthyThresholdCount": 3,
			"TargetGroupAttributes": []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "15"}},
		}}
		a.resources[s.name+"TD"] = map[string]any{"Type": "AWS::ECS::TaskDefinition", "Properties": map[string]any{
			"ContainerDefinitions": []any{map[string]any{
				"Name": s.name, "Image": "registry.example.com/" + s.name + ":1",
				"Environment":  []any{map[string]any{"Name": "GREETING", "Value": s.greeting}},
				"PortMappings": []any{map[string]any{"ContainerPort": 8080}},
			}},
		}}
		a.resources[s.name+"Service"] = map[string]any{"Type": "AWS::ECS::Service", "Properties": map[string]any{
			"TaskDefinition": ref("TD"),
			"LoadBalancers":  []any{map[string]any{"ContainerName": s.name, "ContainerPort": 8080, "TargetGroupArn": ref("TG")}},
		}}
		a.resources[s.name+"Rule"] = map[string]any{"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "DependsOn": s.name + "Service", "Properties": map[string]any{
			"ListenerArn": map[string]any{"Ref": "Listener"},
			"Priority":    s.priority,
			"Conditions":  []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": s.paths}}},
			"Actions":     []any{map[string]any{"Type": "forward", "TargetGroupArn": ref("TG")}},
		}}
	}
	return a
}

// resource returns a resource of the app.
func (a *app) resource(id string) map[string]any { return a.resources[id].(map[string]any) }

// write writes the app's assembly to a new directory.
func (a *app) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeJSON(t, filepath.Join(dir, "manifest.json"), map[string]any{"artifacts": map[string]any{
		"App": map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": "App.template.json"}},
	}})
	writeJSON(t, filepath.Join(dir, "App.template.json"), map[string]any{"Resources": a.resources})
	return dir
}

// writeJSON writes v as JSON to path.
func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

var (
	echoV1 = service{"echo", "hello", 10, []string{"/echo", "/echo/*"}}
	echoV2 = service{"echo", "bonjour", 10, []string{"/echo", "/echo/*"}}
	more   = service{"more", "more", 20, []string{"/more", "/more/*"}}
)
