package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/constructs/ramp/lambda"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// rampContext is the app's context for the ramp tests: the forum at
// users:100 and threads:10, deployed with a ramp (from users:10, say), as
// every validator and the permission proof synthesize it.
var rampContext = permissionRampContext

// dependsOn returns the DependsOn of a template resource.
func dependsOn(r map[string]any) []string {
	var out []string
	switch d := r["DependsOn"].(type) {
	case string:
		out = append(out, d)
	case []any:
		for _, v := range d {
			out = append(out, v.(string))
		}
	}
	return out
}

// logicalIDOf returns the logical id of the one resource of typ whose
// properties match want (compared as JSON values, a subset), failing the
// test unless exactly one does.
func logicalIDOf(t *testing.T, template map[string]any, typ string, match func(props map[string]any) bool) string {
	t.Helper()
	var ids []string
	for id, r := range template["Resources"].(map[string]any) {
		r := r.(map[string]any)
		props, _ := r["Properties"].(map[string]any)
		if r["Type"] == typ && match(props) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s that matches, got %v", typ, ids)
	}
	return ids[0]
}

// alarmName returns the name an alarm name of a template stands for: a
// name, or a Ref to an alarm of the template, which is its AlarmName.
func alarmName(t *testing.T, tpl map[string]any, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	r, _ := tpl["Resources"].(map[string]any)[refOf(v)].(map[string]any)
	if r == nil || r["Type"] != "AWS::CloudWatch::Alarm" {
		t.Fatalf("alarm name %v is neither a name nor a Ref to an alarm", v)
	}
	return r["Properties"].(map[string]any)["AlarmName"].(string)
}

// TestRampTemplate synthesizes users:100,threads:10 with a ramp and
// asserts the mechanism: one Go function on provided.al2023 that may do
// exactly what a ramp does, and one ramp per extracted service, with the
// service's share, the steps, the bake, and the alarms that judge it,
// ordered after the service and the monolith are ready and before the
// routing rule that CloudFormation changes once the ramp is done.
func TestRampTemplate(t *testing.T) {
	jsiiTest(t)
	s := synth(t, rampContext)
	tpl := s.TemplateMap(t, "EcsplitServices")

	check(t, "one function, Go on provided.al2023 arm64, Lambda's longest timeout", func() {
		s.Services.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(1))
		s.Services.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap", "Timeout": 900,
		})
	})
	check(t, "no automatic retry of an asynchronous invocation: a retry would begin the ramp again from the step it reached", func() {
		s.Services.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{"MaximumRetryAttempts": 0})
	})
	ramps := resourcesOfType(tpl, migration.RampResourceType)
	if len(ramps) != 2 {
		t.Fatalf("want a ramp for users and one for threads, got %d", len(ramps))
	}
	byService := map[string]map[string]any{}
	for _, r := range ramps {
		props := r["Properties"].(map[string]any)
		byService[props[lambda.PropService].(string)] = r
		if got := r["Properties"].(map[string]any)["ServiceTimeout"]; fmt.Sprint(got) != "3600" {
			t.Errorf("ramp of %s: ServiceTimeout %v, want 3600 (CloudFormation's largest)", props[lambda.PropService], got)
		}
	}
	for name, want := range map[string]string{"users": "100", "threads": "10"} {
		r := byService[name]
		if r == nil {
			t.Fatalf("no ramp of %s", name)
		}
		props := r["Properties"].(map[string]any)
		if props[lambda.PropPercent] != want || props[lambda.PropSteps] != "5,25,50" || props[lambda.PropBakeSeconds] != "300" {
			t.Errorf("ramp of %s: percent %v, steps %v, bake %v; want %s, 5,25,50, 300", name,
				props[lambda.PropPercent], props[lambda.PropSteps], props[lambda.PropBakeSeconds], want)
		}
		var alarms []string
		for _, a := range props[lambda.PropAlarmNames].([]any) {
			alarms = append(alarms, alarmName(t, tpl, a))
		}
		// users is at 100 %: with a ramp its steps are compared with the
		// monolith on its paths all the same.
		for _, suffix := range []string{"-" + name + "-error-rate", "-" + name + "-latency-p99", "-load-balancer-5xx",
			"-" + name + "-error-rate-vs-monolith", "-" + name + "-client-error-rate-vs-monolith", "-" + name + "-latency-p99-vs-monolith"} {
			if !slices.ContainsFunc(alarms, func(a string) bool { return strings.HasSuffix(a, suffix) }) {
				t.Errorf("ramp of %s is not judged by its alarm *%s: %v", name, suffix, alarms)
			}
		}
		if slices.ContainsFunc(alarms, func(a string) bool { return strings.HasSuffix(a, "-"+name+"-client-error-rate") }) {
			t.Errorf("ramp of %s is judged by its absolute 4xx rate, which its comparison with the monolith replaces: %v", name, alarms)
		}
		if slices.ContainsFunc(alarms, func(a string) bool { return strings.Contains(a, "-monolith-") }) {
			t.Errorf("ramp of %s is judged by the monolith's alarms, which cover all of its paths: %v", name, alarms)
		}
	}

	// Order: the ramp after the service and the monolith are ready, the
	// routing rule after the ramp.
	ids := map[string]string{} // service -> ramp's logical id
	for id, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == migration.RampResourceType {
			ids[r["Properties"].(map[string]any)[lambda.PropService].(string)] = id
		}
	}
	for _, name := range []string{"users", "threads"} {
		ramp := tpl["Resources"].(map[string]any)[ids[name]].(map[string]any)
		deps := dependsOn(ramp)
		for _, want := range []string{name + "Service", "monolithService", "RampPolicy"} {
			if !slices.ContainsFunc(deps, func(d string) bool { return strings.HasPrefix(d, want) }) {
				t.Errorf("ramp of %s does not wait for %s*: %v", name, want, deps)
			}
		}
		rule := logicalIDOf(t, tpl, "AWS::ElasticLoadBalancingV2::ListenerRule", func(p map[string]any) bool {
			pr := fmt.Sprint(p["Priority"])
			return pr == ramp["Properties"].(map[string]any)[lambda.PropPriority]
		})
		if !slices.Contains(dependsOn(tpl["Resources"].(map[string]any)[rule].(map[string]any)), ids[name]) {
			t.Errorf("routing rule %s of %s does not wait for its ramp %s", rule, name, ids[name])
		}
	}

	check(t, "the function may read and change the listener's rules, read the ramps' alarms and the stack, invoke itself, and write its logs: nothing else", func() {
		s.Services.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Sid": "ReadRules", "Action": "elasticloadbalancing:DescribeRules", "Resource": "*"}),
				assertions.Match_ObjectLike(&map[string]any{"Sid": "ChangeTheListenersRules", "Action": "elasticloadbalancing:ModifyRule"}),
				assertions.Match_ObjectLike(&map[string]any{"Sid": "ReadTheAlarms", "Action": "cloudwatch:DescribeAlarms"}),
				assertions.Match_ObjectLike(&map[string]any{"Sid": "ReadTheStack", "Action": "cloudformation:DescribeStacks", "Resource": map[string]any{"Ref": "AWS::StackId"}}),
				assertions.Match_ObjectLike(&map[string]any{"Sid": "InvokeItself", "Action": "lambda:InvokeFunction"}),
			})},
		})
	})
	var statements []any
	for _, p := range resourcesOfType(tpl, "AWS::IAM::Policy") {
		doc := p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			if st.(map[string]any)["Sid"] == "ChangeTheListenersRules" {
				statements = append(statements, st)
			}
		}
	}
	if len(statements) != 1 {
		t.Fatalf("want one statement that allows ModifyRule, got %v", statements)
	}
	if res := jsonText(statements[0].(map[string]any)["Resource"]); !strings.Contains(res, `":listener-rule/"`) || !strings.Contains(res, `"/*"`) {
		t.Errorf("ModifyRule is not scoped to the listener's rules: %s", res)
	}
}

// TestNoRampWithoutContext asserts that a stage deployed without a ramp has
// no ramp and no function: the shares change at once, as before.
func TestNoRampWithoutContext(t *testing.T) {
	jsiiTest(t)
	s := synth(t, fargate("users:100,threads:10"))
	s.Services.ResourceCountIs(jsii.String(migration.RampResourceType), jsii.Number(0))
	s.Services.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(0))
}

// TestRampOrdering proves statically that each ramp of the ramp's app
// writes its steps after the services it shares to are stable and before
// its rule (transition.CheckRamps), and that the proof catches a planted
// fault: the rule no longer waits for the ramp, and the ramp no longer
// waits for the users service.
func TestRampOrdering(t *testing.T) {
	parallel(t)
	s := synth(t, rampContext)
	from := synth(t, fargate("users:10"))
	if problems := transition.Check(loadRouting(t, from.Dir), loadRouting(t, s.Dir)); len(problems) > 0 {
		t.Errorf("from users:10 to %v:\n%s", rampContext, strings.Join(problems, "\n"))
	}

	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(s.Dir)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "EcsplitServices.template.json")
	tpl := s.TemplateMap(t, "EcsplitServices")
	res := tpl["Resources"].(map[string]any)
	var rampID string
	for id, r := range res {
		r := r.(map[string]any)
		if r["Type"] == migration.RampResourceType && r["Properties"].(map[string]any)[lambda.PropService] == "users" {
			rampID = id
			r["DependsOn"] = slices.DeleteFunc(dependsOn(r), func(d string) bool { return strings.HasPrefix(d, "usersService") })
		}
	}
	for _, r := range res {
		r := r.(map[string]any)
		if deps := dependsOn(r); r["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule" && slices.Contains(deps, rampID) {
			r["DependsOn"] = slices.DeleteFunc(deps, func(d string) bool { return d == rampID })
		}
	}
	b, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	problems := strings.Join(transition.CheckRamps(loadRouting(t, dir)), "\n")
	for _, want := range []string{"does not depend on EcsplitServices/" + rampID, "without depending on its service EcsplitServices/usersService"} {
		if !strings.Contains(problems, want) {
			t.Errorf("planted faults: want a problem containing %q, got:\n%s", want, problems)
		}
	}
}

// TestRampOnceRetired: a ramp set with the split state (the monolith
// retired, every service at 100 %) has nothing to ramp between and is no
// error; it used to dereference the retired monolith.
func TestRampOnceRetired(t *testing.T) {
	jsiiTest(t)
	msg := panicMessage(func() {
		migrationWith(func(p *migration.Props) {
			p.State = migration.Split("users", "threads")
			p.RetireUnownedPaths = true
			p.Ramp = migration.Ramp{Steps: []int{10, 50}}
		})
	})
	if msg != "" {
		t.Errorf("split with a ramp: %s", msg)
	}
}
