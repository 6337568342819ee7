package albemu

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixture is a small cloud assembly of two stacks, shaped like CDK's: a
// platform stack with the listener, which it exports, and a services stack
// whose rule imports it, whose "web" service runs an image of a registry
// and whose "api" service runs an image asset.
type fixture struct {
	platform, services map[string]any // the templates' Resources
	servicesOutputs    map[string]any // the services template's Outputs
}

func newFixture() *fixture {
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	forward := func(tg string) []any {
		return []any{map[string]any{"Type": "forward", "TargetGroupArn": ref(tg)}}
	}
	container := func(name string, image any) []any {
		return []any{map[string]any{
			"Name":         name,
			"Image":        image,
			"Environment":  []any{map[string]any{"Name": "PORT", "Value": "8080"}, map[string]any{"Name": "AWS_REGION", "Value": ref("AWS::Region")}},
			"PortMappings": []any{map[string]any{"ContainerPort": 8080.0}},
		}}
	}
	service := func(td, tg, name string) map[string]any {
		return map[string]any{"Type": TypeService, "Properties": map[string]any{
			"TaskDefinition": ref(td),
			"LoadBalancers":  []any{map[string]any{"TargetGroupArn": ref(tg), "ContainerName": name, "ContainerPort": 8080.0}},
		}}
	}
	return &fixture{
		platform: map[string]any{
			"Listener": map[string]any{"Type": TypeListener, "Properties": map[string]any{
				"Port": 80.0, "Protocol": "HTTP",
				"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404", "MessageBody": "no"}}},
			}},
		},
		services: map[string]any{
			"WebTG": map[string]any{"Type": TypeTargetGroup, "Properties": map[string]any{"Port": 8080.0, "Protocol": "HTTP", "HealthCheckPath": "/ping", "Matcher": map[string]any{"HttpCode": "200-299"}}},
			"ApiTG": map[string]any{"Type": TypeTargetGroup, "Properties": map[string]any{"Port": 8080.0, "Protocol": "HTTP"}},
			"WebTD": map[string]any{"Type": TypeTaskDefinition, "Properties": map[string]any{"ContainerDefinitions": withSecrets(container("web", "registry.example.com/web:1"), "DB_PASSWORD", "API_KEY")}},
			"ApiTD": map[string]any{"Type": TypeTaskDefinition, "Properties": map[string]any{"ContainerDefinitions": container("api",
				map[string]any{"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/cdk-assets:" + assetHash})}},
			"WebService": service("WebTD", "WebTG", "web"),
			"ApiService": service("ApiTD", "ApiTG", "api"),
			"WebRule": map[string]any{"Type": TypeListenerRule, "Properties": map[string]any{
				"ListenerArn": map[string]any{"Fn::ImportValue": "Platform:Listener"},
				"Priority":    20.0,
				"Conditions":  []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/*"}}}},
				"Actions":     forward("WebTG"),
			}},
			"ApiRule": map[string]any{"Type": TypeListenerRule, "Properties": map[string]any{
				"ListenerArn": map[string]any{"Fn::ImportValue": "Platform:Listener"},
				"Priority":    "10",
				"Conditions": []any{
					map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/api", "/api/*"}}},
					map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{"HttpHeaderName": "X-Preview", "Values": []any{"api"}}},
				},
				"Actions": forward("ApiTG"),
			}},
		},
	}
}

// withSecrets gives the container definition secrets, as the
// microservice construct's Props.Secrets does.
func withSecrets(defs []any, names ...string) []any {
	var secrets []any
	for _, n := range names {
		secrets = append(secrets, map[string]any{"Name": n, "ValueFrom": map[string]any{"Ref": "Secret"}})
	}
	defs[0].(map[string]any)["Secrets"] = secrets
	return defs
}

const assetHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// write writes the assembly to a new directory. The image asset's
// directory holds no Dockerfile: the routing needs no buildable image.
func (f *fixture) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]any{
		"manifest.json": map[string]any{"artifacts": map[string]any{
			"Platform":        map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": "Platform.template.json"}},
			"Services":        map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": "Services.template.json"}},
			"Services.assets": map[string]any{"type": "cdk:asset-manifest", "properties": map[string]any{"file": "Services.assets.json"}},
		}},
		"Platform.template.json": map[string]any{"Resources": f.platform, "Outputs": map[string]any{
			"ListenerOut": map[string]any{"Value": map[string]any{"Ref": "Listener"}, "Export": map[string]any{"Name": "Platform:Listener"}},
		}},
		"Services.template.json": map[string]any{"Resources": f.services, "Outputs": f.servicesOutputs},
		"Services.assets.json": map[string]any{"dockerImages": map[string]any{
			assetHash: map[string]any{"source": map[string]any{"directory": "asset." + assetHash, "dockerFile": "api/Dockerfile"}},
		}},
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

// props returns the Properties of a resource of the services stack.
func (f *fixture) props(id string) map[string]any {
	return f.services[id].(map[string]any)["Properties"].(map[string]any)
}

// TestLoad reads the fixture: the rules attach to the platform's listener
// through the export, in priority order, with both conditions of the api
// rule; each target group holds its service's container, with its
// environment and its image, whether an asset or a registry's.
func TestLoad(t *testing.T) {
	a, err := Load(newFixture().write(t))
	if err != nil {
		t.Fatal(err)
	}
	l := a.Listener
	if l.ID != (ResourceID{"Platform", "Listener"}) || l.Port != 80 || l.Default.FixedResponse == nil || l.Default.FixedResponse.StatusCode != 404 {
		t.Errorf("listener %s port %d default %v", l.ID, l.Port, l.Default)
	}
	if len(l.Rules) != 2 || l.Rules[0].ID.LogicalID != "ApiRule" || l.Rules[1].ID.LogicalID != "WebRule" {
		t.Fatalf("rules %v, want ApiRule (10) then WebRule (20)", l.Rules)
	}
	want := "[path-pattern [/api /api/*] http-header X-Preview [api]]"
	if got := strings.Join(strings.Fields(fmtConds(l.Rules[0].Conditions)), " "); got != want {
		t.Errorf("ApiRule conditions %s, want %s", got, want)
	}
	web := a.TargetGroups[ResourceID{"Services", "WebTG"}]
	if web.HealthCheckPath != "/ping" || web.HealthyCodes != "200-299" || len(web.Targets) != 1 {
		t.Fatalf("WebTG: %+v", web)
	}
	c := web.Targets[0].Container
	if !slices.Equal(c.Secrets, []string{"API_KEY", "DB_PASSWORD"}) {
		t.Errorf("web secrets %v, want [API_KEY DB_PASSWORD]", c.Secrets)
	}
	if c.Name != "web" || c.Image.Asset != nil || c.Image.Name != "registry.example.com/web:1" || c.Env["PORT"] != "8080" || c.Env["AWS_REGION"] != "local" {
		t.Errorf("web container: %+v", c)
	}
	api := a.TargetGroups[ResourceID{"Services", "ApiTG"}].Targets[0].Container
	if api.Image.Asset == nil || api.Image.Asset.Hash != assetHash || api.Image.Asset.Dockerfile != "api/Dockerfile" ||
		api.Image.Asset.Dir != filepath.Join(a.Dir, "asset."+assetHash) {
		t.Errorf("api image: %+v %+v", api.Image, api.Image.Asset)
	}
	if len(a.Services) != 2 {
		t.Errorf("%d services, want 2", len(a.Services))
	}
	rt := NewRouter(l, nil, 1)
	req := httptest.NewRequest("GET", "/api/x", nil)
	if rt.Match(req) != l.Rules[1] {
		t.Error("GET /api/x without the header should take WebRule")
	}
	req.Header.Set("X-Preview", "API")
	if rt.Match(req) != l.Rules[0] {
		t.Error("GET /api/x with X-Preview: API should take ApiRule")
	}
}

func fmtConds(cs []Condition) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.String())
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestLoadDefaultForward: a listener whose default action forwards to a
// target group, as a monolith's often does before any rule exists.
func TestLoadDefaultForward(t *testing.T) {
	f := newFixture()
	f.platform["Listener"].(map[string]any)["Properties"].(map[string]any)["DefaultActions"] =
		[]any{map[string]any{"Type": "forward", "TargetGroupArn": map[string]any{"Fn::ImportValue": "Services:WebTG"}}}
	f.servicesOutputs = map[string]any{"TG": map[string]any{"Value": map[string]any{"Ref": "WebTG"}, "Export": map[string]any{"Name": "Services:WebTG"}}}
	delete(f.services, "WebRule")
	delete(f.services, "ApiRule")
	dir := f.write(t)
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Listener.Default.String(); got != "forward WebTG:1" {
		t.Errorf("default action %s, want forward WebTG:1", got)
	}
}

// TestLoadFailsLoudly: what the emulator cannot emulate faithfully, or what
// CloudFormation would refuse, fails Load with the resource and the
// property named.
func TestLoadFailsLoudly(t *testing.T) {
	tests := []struct {
		name  string
		plant func(f *fixture)
		want  string
	}{
		{"regex values", func(f *fixture) {
			cond := f.props("WebRule")["Conditions"].([]any)[0].(map[string]any)
			cond["PathPatternConfig"].(map[string]any)["RegexValues"] = []any{"^/x$"}
		}, "Services/WebRule: Conditions[0]: PathPatternConfig.RegexValues is not emulated"},
		{"unknown condition", func(f *fixture) {
			f.props("WebRule")["Conditions"].([]any)[0].(map[string]any)["Field"] = "cookie"
		}, `Services/WebRule: Conditions[0]: Field "cookie" is not a condition the ALB supports`},
		{"header condition without a name", func(f *fixture) {
			cond := f.props("ApiRule")["Conditions"].([]any)[1].(map[string]any)
			delete(cond["HttpHeaderConfig"].(map[string]any), "HttpHeaderName")
		}, "Services/ApiRule: Conditions[1]: HttpHeaderConfig.HttpHeaderName is missing"},
		{"six condition values", func(f *fixture) {
			cond := f.props("ApiRule")["Conditions"].([]any)[0].(map[string]any)
			cond["PathPatternConfig"].(map[string]any)["Values"] = []any{"/a", "/b", "/c", "/d", "/e"}
		}, "Services/ApiRule: Conditions: 6 values; the ALB allows at most 5 per rule"},
		{"authenticate action", func(f *fixture) {
			p := f.props("WebRule")
			p["Actions"] = append([]any{map[string]any{"Type": "authenticate-oidc"}}, p["Actions"].([]any)...)
		}, "Services/WebRule: Actions: 2 actions: only a single action is emulated"},
		{"unresolved import", func(f *fixture) {
			f.props("WebRule")["ListenerArn"] = map[string]any{"Fn::ImportValue": "Elsewhere:Listener"}
		}, "Services/WebRule: ListenerArn: Fn::ImportValue Elsewhere:Listener: no stack of the assembly exports it"},
		{"dangling ref", func(f *fixture) {
			f.props("WebService")["TaskDefinition"] = map[string]any{"Ref": "Nothing"}
		}, "Services/WebService: TaskDefinition: Ref Nothing: no such resource in stack Services"},
		{"duplicate priority", func(f *fixture) {
			f.props("WebRule")["Priority"] = 10.0
		}, "Priority 10 is also the priority of"},
		{"forward to a non-target group", func(f *fixture) {
			f.props("WebRule")["Actions"].([]any)[0].(map[string]any)["TargetGroupArn"] = map[string]any{"Ref": "WebTD"}
		}, "Services/WebRule: Actions: TargetGroupArn: Services/WebTD is not a target group"},
		{"lambda target group", func(f *fixture) {
			f.props("WebTG")["TargetType"] = "lambda"
		}, "Services/WebTG: TargetType lambda is not emulated"},
		{"non-literal environment", func(f *fixture) {
			c := f.props("WebTD")["ContainerDefinitions"].([]any)[0].(map[string]any)
			c["Environment"] = []any{map[string]any{"Name": "DB", "Value": map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint"}}}}
		}, "Services/WebTD: ContainerDefinitions[0] (web): Environment DB: value"},
		{"unknown container", func(f *fixture) {
			f.props("WebService")["LoadBalancers"].([]any)[0].(map[string]any)["ContainerName"] = "webb"
		}, `Services/WebService: LoadBalancers[0].ContainerName: task definition Services/WebTD has no container "webb"`},
		{"unmapped port", func(f *fixture) {
			f.props("WebService")["LoadBalancers"].([]any)[0].(map[string]any)["ContainerPort"] = 9090.0
		}, `Services/WebService: LoadBalancers[0].ContainerPort: container "web" maps no port 9090`},
		{"bad CIDR block", func(f *fixture) {
			p := f.props("ApiRule")
			p["Conditions"] = append(p["Conditions"].([]any), map[string]any{"Field": "source-ip", "SourceIpConfig": map[string]any{"Values": []any{"10.0.0.0/8", "10.0.0.300/32"}}})
		}, `Services/ApiRule: Conditions[2]: SourceIpConfig.Values: "10.0.0.300/32" is not a CIDR block`},
		{"missing image", func(f *fixture) {
			delete(f.props("WebTD")["ContainerDefinitions"].([]any)[0].(map[string]any), "Image")
		}, "Services/WebTD: ContainerDefinitions[0] (web): Image: missing"},
	}
	for _, tt := range tests {
		f := newFixture()
		tt.plant(f)
		_, err := Load(f.write(t))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Load error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestEnvValue: an environment value is a literal or a pseudo parameter.
func TestEnvValue(t *testing.T) {
	tests := []struct {
		in   any
		want string
		ok   bool
	}{
		{"8080", "8080", true},
		{map[string]any{"Ref": "AWS::Region"}, "local", true},
		{map[string]any{"Ref": "SomeParameter"}, "", false},
		{map[string]any{"Fn::GetAtt": []any{"X", "Arn"}}, "", false},
		{map[string]any{"Ref": "AWS::Region", "Extra": 1}, "", false},
		{42.0, "", false},
	}
	for _, tt := range tests {
		got, ok := envValue(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("envValue(%v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
