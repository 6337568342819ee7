package runnertest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// App is a one-stack cloud assembly for transition tests: a listener that
// answers 404, and per service a target group (health check /ping every
// 10 s, unhealthy after 3, deregistration delay 15 s), a task definition
// whose container (named after the service) runs the test binary when a
// services file says so (see Command) with GREETING set, the ECS service,
// and its routing rule, which depends on the service, as ecsplit's
// templates make it. A service's resources are NAMETG, NAMETD,
// NAMEService and NAMERule; the listener is Listener.
type App struct {
	resources map[string]any
}

// Service is a service of an App.
type Service struct {
	// Name names the container and the service's resources.
	Name string
	// Greeting is the container's GREETING.
	Greeting string
	// Priority is the routing rule's priority.
	Priority int
	// Paths are the routing rule's path patterns.
	Paths []string
}

// NewApp returns an app of services.
func NewApp(services ...Service) *App {
	a := &App{resources: map[string]any{
		"Listener": map[string]any{"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": map[string]any{
			"Port": 80, "Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404", "MessageBody": "no route"}}},
		}},
	}}
	for _, s := range services {
		ref := func(suffix string) map[string]any { return map[string]any{"Ref": s.Name + suffix} }
		a.resources[s.Name+"TG"] = map[string]any{"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": map[string]any{
			"Port": 8080, "Protocol": "HTTP", "HealthCheckPath": "/ping", "HealthCheckIntervalSeconds": 10, "UnhealthyThresholdCount": 3,
			"TargetGroupAttributes": []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "15"}},
		}}
		a.resources[s.Name+"TD"] = map[string]any{"Type": "AWS::ECS::TaskDefinition", "Properties": map[string]any{
			"ContainerDefinitions": []any{map[string]any{
				"Name": s.Name, "Image": "registry.example.com/" + s.Name + ":1",
				"Environment":  []any{map[string]any{"Name": "GREETING", "Value": s.Greeting}},
				"PortMappings": []any{map[string]any{"ContainerPort": 8080}},
			}},
		}}
		a.resources[s.Name+"Service"] = map[string]any{"Type": "AWS::ECS::Service", "Properties": map[string]any{
			"TaskDefinition": ref("TD"),
			"LoadBalancers":  []any{map[string]any{"ContainerName": s.Name, "ContainerPort": 8080, "TargetGroupArn": ref("TG")}},
		}}
		a.resources[s.Name+"Rule"] = map[string]any{"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "DependsOn": s.Name + "Service", "Properties": map[string]any{
			"ListenerArn": map[string]any{"Ref": "Listener"},
			"Priority":    s.Priority,
			"Conditions":  []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": s.Paths}}},
			"Actions":     []any{map[string]any{"Type": "forward", "TargetGroupArn": ref("TG")}},
		}}
	}
	return a
}

// Resource returns a resource of the app, to change it.
func (a *App) Resource(id string) map[string]any { return a.resources[id].(map[string]any) }

// Write writes the app's assembly to a new directory and returns it.
func (a *App) Write(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := a.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WriteTo writes the app's assembly to dir, as a CDK app's synthesis
// writes it to $CDK_OUTDIR.
func (a *App) WriteTo(dir string) error {
	return errors.Join(
		writeJSON(filepath.Join(dir, "manifest.json"), map[string]any{"artifacts": map[string]any{
			"App": map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": "App.template.json"}},
		}}),
		writeJSON(filepath.Join(dir, "App.template.json"), map[string]any{"Resources": a.resources}))
}

// writeJSON writes v as JSON to path.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Services of the tests: echo in two versions, and more.
var (
	EchoV1 = Service{"echo", "hello", 10, []string{"/echo", "/echo/*"}}
	EchoV2 = Service{"echo", "bonjour", 10, []string{"/echo", "/echo/*"}}
	More   = Service{"more", "more", 20, []string{"/more", "/more/*"}}
)

// Corpus has a request for each of echo and more, inside and outside
// their paths, and one no rule takes.
var Corpus = []corpus.Request{
	{Method: "GET", Target: "/echo/1", Line: 1},
	{Method: "GET", Target: "/more/1", Line: 2},
	{Method: "GET", Target: "/more", Line: 3},
	{Method: "GET", Target: "/other", Line: 4},
}
