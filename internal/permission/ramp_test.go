package permission

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// rampStack is a ramp as constructs/migration writes one: a function, its
// role and policy (statements, a JSON list), a listener rule at priority
// 10 and the Custom::EcsplitRamp that names them; the listener's ARN is
// written out as an import would resolve it.
func rampStack(statements string) string {
	return `{"Resources": {
	  "Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {}},
	  "Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"LoadBalancerArn": {"Ref": "Lb"}}},
	  "Rule": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "Properties": {"ListenerArn": {"Ref": "Listener"}, "Priority": 10}},
	  "Other": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "Properties": {"ListenerArn": {"Ref": "Listener"}, "Priority": 11}},
	  "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "svc-error-rate"}},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
	    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
	  "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyName": "p",
	    "PolicyDocument": {"Version": "2012-10-17", "Statement": ` + statements + `}}},
	  "Ramp": {"Type": "Custom::EcsplitRamp", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]},
	    "Service": "svc", "ListenerArn": {"Ref": "Listener"}, "Priority": "10", "AlarmNames": [{"Ref": "Alarm"}]}}
	}}`
}

// rampStatements are the ramp's policy as constructs/migration writes it
// (the rules' wildcard from the listener's ARN), by Sid.
var rampStatements = map[string]string{
	"ReadRules": `{"Sid": "ReadRules", "Effect": "Allow", "Action": "elasticloadbalancing:DescribeRules", "Resource": "*"}`,
	"ChangeTheListenersRules": `{"Sid": "ChangeTheListenersRules", "Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule",
	  "Resource": {"Fn::Join": ["", [{"Fn::Select": [0, {"Fn::Split": [":listener/", {"Ref": "Listener"}]}]}, ":listener-rule/",
	    {"Fn::Select": [1, {"Fn::Split": [":listener/", {"Ref": "Listener"}]}]}, "/*"]]}}`,
	"ReadTheAlarms": `{"Sid": "ReadTheAlarms", "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms",
	  "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":cloudwatch:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":alarm:", {"Ref": "Alarm"}]]}}`,
	"ReadTheStack": `{"Sid": "ReadTheStack", "Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": {"Ref": "AWS::StackId"}}`,
	"WriteItsLogs": `{"Sid": "WriteItsLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
	  "Resource": {"Fn::Join": ["", ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/", {"Ref": "Fn"}, ":*"]]}}`,
	"InvokeItself": `{"Sid": "InvokeItself", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": ["Fn", "Arn"]}}`,
}

// rampPolicy returns the ramp's statements with edit applied to them by
// Sid (an edit returning "" drops the statement).
func rampPolicy(edit map[string]func(string) string) string {
	var list []string
	for _, sid := range []string{"ReadRules", "ChangeTheListenersRules", "ReadTheAlarms", "ReadTheStack", "WriteItsLogs", "InvokeItself"} {
		st := rampStatements[sid]
		if f := edit[sid]; f != nil {
			st = f(st)
		}
		if st != "" {
			list = append(list, st)
		}
	}
	return "[" + strings.Join(list, ",") + "]"
}

// TestDeriveRamp: the ramp's calls are CloudFormation's invocation of its
// function (Outside: the stack's execution role is the bootstrap's), and
// the function's reads and writes of the rule at the ramp's priority, its
// alarms, its stack and itself; the migration's policy allows each, and a
// fault planted in one statement fails that call only.
func TestDeriveRamp(t *testing.T) {
	derive := func(statements string) []Path {
		t.Helper()
		a := assembly(t, map[string]string{"A": rampStack(statements)})
		a.Artifacts[0].ExecutionRole = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"
		paths, err := Derive(a, testEnv)
		if err != nil {
			t.Fatal(err)
		}
		return paths
	}
	r := cfn.NewResolver(assembly(t, map[string]string{"A": rampStack("[]")}), testEnv)
	rule, _ := r.Attribute("A", "Rule", "Arn")
	fn, _ := r.Attribute("A", "Fn", "Arn")
	stackID, _ := r.Resolve("A", map[string]any{"Ref": "AWS::StackId"})
	want := map[string]string{
		"elasticloadbalancing:DescribeRules": "*",
		"elasticloadbalancing:ModifyRule":    rule.(string),
		"cloudwatch:DescribeAlarms":          "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-error-rate",
		"cloudformation:DescribeStacks":      stackID.(string),
		"lambda:InvokeFunction":              fn.(string),
	}
	paths := derive(rampPolicy(nil))
	got := map[string]string{}
	var invoked bool
	for _, p := range paths {
		switch {
		case p.Kind == CustomResource:
			invoked = p.Request.Principal == "arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1" &&
				p.Request.Resource == fn && p.Outside != "" && p.Request.Action == "lambda:InvokeFunction"
		case p.Kind == FunctionRole && p.Doc == docRamp:
			got[p.Request.Action] = p.Request.Resource
		}
	}
	if !invoked {
		t.Errorf("no Outside invocation of %s by the stack's execution role among %v", fn, paths)
	}
	for action, resource := range want {
		if got[action] != resource {
			t.Errorf("%s on %q, want on %q", action, got[action], resource)
		}
	}
	if len(got) != len(want) {
		t.Errorf("calls %v, want %v", got, want)
	}

	faults := []struct {
		name string
		edit map[string]func(string) string
		// denied is the one action the fault must deny.
		denied string
	}{
		{"none", nil, ""},
		{"no ModifyRule", map[string]func(string) string{"ChangeTheListenersRules": func(string) string { return "" }}, "elasticloadbalancing:ModifyRule"},
		{"ModifyRule on the listener, not its rules", map[string]func(string) string{"ChangeTheListenersRules": func(string) string {
			return `{"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule", "Resource": {"Ref": "Listener"}}`
		}}, "elasticloadbalancing:ModifyRule"},
		{"another alarm", map[string]func(string) string{"ReadTheAlarms": func(s string) string {
			return strings.Replace(s, `{"Ref": "Alarm"}`, `"svc-latency"`, 1)
		}}, "cloudwatch:DescribeAlarms"},
		{"no self-invocation", map[string]func(string) string{"InvokeItself": func(string) string { return "" }}, "lambda:InvokeFunction"},
		{"another stack", map[string]func(string) string{"ReadTheStack": func(string) string {
			return `{"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": "arn:aws:cloudformation:eu-west-1:123456789012:stack/Other/*"}`
		}}, "cloudformation:DescribeStacks"},
		{"no DescribeRules", map[string]func(string) string{"ReadRules": func(string) string { return "" }}, "elasticloadbalancing:DescribeRules"},
	}
	var all []Path
	var sizes []int
	for _, f := range faults {
		ps := derive(rampPolicy(f.edit))
		all = append(all, ps...)
		sizes = append(sizes, len(ps))
	}
	results, err := evaluator.Evaluate(context.Background(), all)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range faults {
		rs := results[:sizes[i]]
		results = results[sizes[i]:]
		var denied []string
		for _, r := range rs {
			if r.Decision != Allowed && r.Decision != Outside {
				denied = append(denied, r.Path.Request.Action)
				if r.Path.Kind != FunctionRole {
					t.Errorf("%s: a %s path fails: %s", f.name, r.Path.Kind, r.Path)
				}
			}
		}
		var wantDenied []string
		if f.denied != "" {
			wantDenied = []string{f.denied}
		}
		if denied = slices.Compact(denied); !slices.Equal(denied, wantDenied) {
			t.Errorf("%s: denied %v, want %v", f.name, denied, wantDenied)
		}
	}
}

// TestDeriveRampFindsItsRule: a ramp whose priority no rule of its
// listener has fails the derivation: its ModifyRule would name no rule.
func TestDeriveRampFindsItsRule(t *testing.T) {
	body := strings.Replace(rampStack(rampPolicy(nil)), `"Priority": "10"`, `"Priority": "12"`, 1)
	_, err := Derive(assembly(t, map[string]string{"A": body}), testEnv)
	if err == nil || !strings.Contains(err.Error(), "want one listener rule at priority 12") {
		t.Errorf("error %v", err)
	}
}
