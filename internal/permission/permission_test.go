package permission

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

var testEnv = cfn.Env{Partition: "aws", Region: "eu-west-1", Account: "123456789012"}

// evaluator runs the repository's evaluator script (npm ci installs it).
var evaluator = Evaluator{Root: "../.."}

const (
	topicArn = "arn:aws:sns:eu-west-1:123456789012:alarms"
	alarmArn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-error-rate"
)

func doc(statements ...map[string]any) map[string]any {
	list := make([]any, len(statements))
	for i, s := range statements {
		list[i] = s
	}
	return map[string]any{"Version": "2012-10-17", "Statement": list}
}

// enforceSSL is the only statement of a topic policy that CDK's EnforceSSL
// writes.
var enforceSSL = map[string]any{"Sid": "AllowPublishThroughSSLOnly", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
	"Resource": topicArn, "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}

func publish(condition map[string]any) map[string]any {
	st := map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": CloudWatchPrincipal}, "Action": "sns:Publish", "Resource": topicArn}
	if condition != nil {
		st["Condition"] = condition
	}
	return st
}

// TestEvaluatorDecides holds the evaluator to IAM's rules on the requests
// the proof makes: a topic policy replaces SNS's default one, so one that
// only denies allows nothing; a condition on a context key the request
// does not carry (because no AWS page documents it) does not match; the
// encryption context, which iam-simulate drops unless the harness renames
// it, is compared; a key the evaluator would ignore is an Error, never a
// decision.
func TestEvaluatorDecides(t *testing.T) {
	alarmRequest := Request{Principal: CloudWatchPrincipal, Action: "sns:Publish", Resource: topicArn, ResourceAccount: testEnv.Account,
		Context: map[string]any{"aws:SourceArn": alarmArn}}
	logsKey := "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	logsRequest := func(group string) Request {
		return Request{Principal: "logs.eu-west-1.amazonaws.com", Action: "kms:GenerateDataKey", Resource: logsKey, ResourceAccount: testEnv.Account,
			Context: map[string]any{"kms:EncryptionContext:aws:logs:arn": group}}
	}
	logsPolicy := doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
		"Action": []any{"kms:GenerateDataKey*", "kms:Decrypt"}, "Resource": "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}}})
	taskRoleRequest := Request{Principal: ECSTasksPrincipal, Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/task",
		ResourceAccount: testEnv.Account, Context: map[string]any{"aws:SourceAccount": testEnv.Account, "aws:SourceArn": testEnv.ARN("ecs", standInTask)}}
	taskTrust := func(sourceArn string) *Policy {
		return &Policy{Document: doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": ECSTasksPrincipal}, "Action": "sts:AssumeRole",
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": sourceArn}, "StringEquals": map[string]any{"aws:SourceAccount": testEnv.Account}}})}
	}
	tests := []struct {
		name string
		path Path
		want Decision
	}{
		{"a task role trust hardened as AWS recommends", Path{Request: taskRoleRequest, ResourcePolicy: taskTrust("arn:aws:ecs:eu-west-1:123456789012:*")}, Allowed},
		{"a task role trust that names a cluster", Path{Request: taskRoleRequest, ResourcePolicy: taskTrust("arn:aws:ecs:eu-west-1:123456789012:task/app/*")}, ImplicitlyDenied},
		{"topic policy of enforceSSL alone", Path{Request: alarmRequest, ResourcePolicy: &Policy{Document: doc(enforceSSL)}}, ImplicitlyDenied},
		{"an Allow for the alarm's ARN", Path{Request: alarmRequest, ResourcePolicy: &Policy{Document: doc(enforceSSL,
			publish(map[string]any{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-*"}}))}}, Allowed},
		{"an Allow for another alarm", Path{Request: alarmRequest, ResourcePolicy: &Policy{Document: doc(
			publish(map[string]any{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:other-*"}}))}}, ImplicitlyDenied},
		{"an Allow on a key the request does not carry", Path{Request: alarmRequest, ResourcePolicy: &Policy{Document: doc(
			publish(map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": testEnv.Account}}))}}, ImplicitlyDenied},
		{"a Deny", Path{Request: alarmRequest, ResourcePolicy: &Policy{Document: doc(publish(nil),
			map[string]any{"Effect": "Deny", "Principal": "*", "Action": "sns:*", "Resource": "*"})}}, ExplicitlyDenied},
		{"the encryption context of the log group", Path{Request: logsRequest("arn:aws:logs:eu-west-1:123456789012:log-group:app"),
			ResourcePolicy: &Policy{Document: logsPolicy}}, Allowed},
		{"the encryption context of another Region's log group", Path{Request: logsRequest("arn:aws:logs:eu-west-2:123456789012:log-group:app"),
			ResourcePolicy: &Policy{Document: logsPolicy}}, ImplicitlyDenied},
		{"a key the evaluator ignores", Path{Request: Request{Principal: CloudWatchPrincipal, Action: "sns:Publish", Resource: topicArn,
			ResourceAccount: testEnv.Account, Context: map[string]any{"ecs:cluster": "x"}}, ResourcePolicy: &Policy{Document: doc(publish(nil))}}, Error},
		{"the role's own policy", Path{Request: Request{Principal: "arn:aws:iam::123456789012:role/r", Action: "ecr:GetAuthorizationToken",
			Resource: "*", ResourceAccount: testEnv.Account}, IdentityPolicies: []Policy{{Source: "p", Document: allowAll("ecr:GetAuthorizationToken")}}}, Allowed},
		{"a role without it", Path{Request: Request{Principal: "arn:aws:iam::123456789012:role/r", Action: "ecr:BatchGetImage",
			Resource: "arn:aws:ecr:eu-west-1:123456789012:repository/app", ResourceAccount: testEnv.Account},
			IdentityPolicies: []Policy{{Source: "p", Document: allowAll("ecr:GetAuthorizationToken")}}}, ImplicitlyDenied},
	}
	var paths []Path
	for _, tt := range tests {
		paths = append(paths, tt.path)
	}
	results, err := evaluator.Evaluate(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if results[i].Decision != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.name, results[i].Decision, results[i].Detail, tt.want)
		}
	}
}

// assembly parses one-stack templates into an assembly.
func assembly(t *testing.T, stacks map[string]string) *cfn.Assembly {
	t.Helper()
	a := &cfn.Assembly{Stacks: map[string]*cfn.Template{}}
	for _, id := range []string{"A", "B"} {
		body, ok := stacks[id]
		if !ok {
			continue
		}
		tpl, err := cfn.Parse([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		a.Stacks[id] = tpl
		a.Artifacts = append(a.Artifacts, cfn.Stack{ID: id, Name: id})
	}
	return a
}

// TestDeriveCoversEveryType: a resource type that no rule covers fails the
// derivation, naming it, so that a new kind of resource cannot slip past
// the proof.
func TestDeriveCoversEveryType(t *testing.T) {
	a := assembly(t, map[string]string{"A": `{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}`})
	_, err := Derive(a, testEnv)
	if err == nil || !strings.Contains(err.Error(), "A/Q: resource type AWS::SQS::Queue: no rule") {
		t.Errorf("error %v", err)
	}
}

// TestDeriveConditions: a resource whose Condition is false is not
// created, so it makes no path; one whose Condition cannot be evaluated
// (here, a mapping without the Region) fails the derivation rather than
// dropping the resource from the proof.
func TestDeriveConditions(t *testing.T) {
	body := func(condition string) string {
		return `{
		  "Mappings": {"Enabled": {"eu-west-2": {"on": "yes"}}},
		  "Conditions": {"Off": {"Fn::Equals": ["a", "b"]},
		    "Unknown": {"Fn::Equals": [{"Fn::FindInMap": ["Enabled", {"Ref": "AWS::Region"}, "on"]}, "yes"]}},
		  "Resources": {"Alarm": {"Type": "AWS::CloudWatch::Alarm", "Condition": "` + condition + `",
		    "Properties": {"AlarmActions": ["arn:aws:automate:eu-west-1:ec2:stop"]}}}}`
	}
	if paths, err := Derive(assembly(t, map[string]string{"A": body("Off")}), testEnv); err != nil || len(paths) != 0 {
		t.Errorf("a resource whose condition is false: paths %v, error %v", paths, err)
	}
	_, err := Derive(assembly(t, map[string]string{"A": body("Unknown")}), testEnv)
	if err == nil || !strings.Contains(err.Error(), "A/Alarm (AWS::CloudWatch::Alarm): Condition Unknown: ") ||
		!strings.Contains(err.Error(), "mapping Enabled has no eu-west-1") {
		t.Errorf("a resource whose condition cannot be evaluated: error %v", err)
	}
}

// alarmStack is an alarm notifying a topic encrypted with a key, whose
// policy is topicPolicy (a JSON statement list).
func alarmStack(topicPolicy string) string {
	return `{"Resources": {
	  "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
	    {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}]}}},
	  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms", "KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
	  "Policy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Ref": "Topic"}],
	    "PolicyDocument": {"Version": "2012-10-17", "Statement": ` + topicPolicy + `}}},
	  "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "svc-error-rate",
	    "AlarmActions": [{"Ref": "Topic"}], "OKActions": [{"Ref": "Topic"}]}}
	}}`
}

// TestDeriveAlarm: an alarm's actions give CloudWatch's publish, with the
// alarm's ARN as aws:SourceArn and the topic's policy, once for both
// actions; and the topic key's use, with no context.
func TestDeriveAlarm(t *testing.T) {
	allow, _ := json.Marshal([]any{enforceSSL, publish(map[string]any{"ArnLike": map[string]any{"aws:SourceArn": alarmArn}})})
	paths, err := Derive(assembly(t, map[string]string{"A": alarmStack(string(allow))}), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range paths {
		kinds = append(kinds, string(p.Kind)+" "+p.Request.Action)
	}
	if strings.Join(kinds, "|") != "alarm-action sns:Publish|alarm-topic-key kms:GenerateDataKey|alarm-topic-key kms:Decrypt" {
		t.Fatalf("paths %v", kinds)
	}
	if got := paths[0].Request.Context["aws:SourceArn"]; got != alarmArn || len(paths[0].Request.Context) != 1 {
		t.Errorf("the publish's context %v, want aws:SourceArn %s only", paths[0].Request.Context, alarmArn)
	}
	if paths[0].ResourcePolicy == nil || paths[0].ResourcePolicy.Source != "A/Policy" || len(paths[1].Request.Context) != 0 {
		t.Errorf("policies %+v %+v", paths[0].ResourcePolicy, paths[1].Request)
	}
	results, err := evaluator.Evaluate(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Decision != Allowed {
			t.Errorf("%s: %s %s", r.Path, r.Decision, r.Detail)
		}
	}
}

// TestDeriveKeepsEachPath: two alarms that notify the same encrypted topic
// make the same calls on its key; each alarm keeps its own paths, so a
// failure names it, and Evaluate runs each distinct call once.
func TestDeriveKeepsEachPath(t *testing.T) {
	allow, _ := json.Marshal([]any{publish(nil)})
	body := strings.Replace(alarmStack(string(allow)), `"Alarm": {`, `"Second": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "svc-latency",
	    "AlarmActions": [{"Ref": "Topic"}]}},
	  "Alarm": {`, 1)
	paths, err := Derive(assembly(t, map[string]string{"A": body}), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	keyUses := map[string]int{}
	for _, p := range paths {
		if p.Kind == AlarmTopicKey {
			keyUses[strings.Fields(p.What)[1]]++
		}
	}
	if len(paths) != 6 || keyUses[`"svc-error-rate"`] != 2 || keyUses[`"svc-latency"`] != 2 {
		t.Errorf("want each alarm's publish and its two key calls, got %v", paths)
	}
	if _, sims, _ := plan(paths); len(sims) != 4 {
		t.Errorf("%d simulations, want 4: the two publishes (from different alarms) and the two key calls", len(sims))
	}
	results, err := evaluator.Evaluate(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Path.What != paths[i].What || r.Decision != Allowed {
			t.Errorf("result %d: %s: %s, want %q allowed", i, r.Path, r.Decision, paths[i].What)
		}
	}
}

// TestDerivePolicyResources: a topic policy whose Condition is false is
// not created, so the topic's policy is the other one; a second one that
// is created is an error, since only one applies; one whose Condition
// cannot be evaluated fails the derivation.
func TestDerivePolicyResources(t *testing.T) {
	allow, _ := json.Marshal([]any{publish(nil)})
	stack := func(condition string) string {
		return strings.Replace(alarmStack(string(allow)), `{"Resources": {`, `{
		  "Mappings": {"Enabled": {"eu-west-2": {"on": "yes"}}},
		  "Conditions": {"Off": {"Fn::Equals": ["a", "b"]}, "On": {"Fn::Equals": ["a", "a"]},
		    "Unknown": {"Fn::Equals": [{"Fn::FindInMap": ["Enabled", {"Ref": "AWS::Region"}, "on"]}, "yes"]}},
		  "Resources": {
		  "Extra": {"Type": "AWS::SNS::TopicPolicy", "Condition": "`+condition+`", "Properties": {"Topics": [{"Ref": "Topic"}],
		    "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}},`, 1)
	}
	paths, err := Derive(assembly(t, map[string]string{"A": stack("Off")}), testEnv)
	if err != nil || paths[0].Kind != AlarmAction || paths[0].ResourcePolicy == nil || paths[0].ResourcePolicy.Source != "A/Policy" {
		t.Errorf("a topic policy whose condition is false: paths %v, error %v", paths, err)
	}
	for condition, want := range map[string]string{
		"On":      "AWS::SNS::Topic A/Topic has 2 policies (A/Extra, A/Policy), and only one applies",
		"Unknown": "A/Extra (AWS::SNS::TopicPolicy): Condition Unknown: ",
	} {
		if _, err := Derive(assembly(t, map[string]string{"A": stack(condition)}), testEnv); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a second topic policy with condition %s: error %v, want %q", condition, err, want)
		}
	}
}

// TestDeriveNamesByType: a bucket is found by its name among the buckets
// only, though a log group of the same name comes after it.
func TestDeriveNamesByType(t *testing.T) {
	a := assembly(t, map[string]string{"A": `{"Resources": {
	  "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs"}},
	  "Source": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "source", "LoggingConfiguration": {"DestinationBucketName": "logs"}}},
	  "ZGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "logs"}}
	}}`})
	paths, err := Derive(a, testEnv)
	if err != nil || len(paths) != 1 || paths[0].Outside != "" || paths[0].ResourcePolicy == nil || paths[0].ResourcePolicy.Source != "A/Logs (no bucket policy)" {
		t.Errorf("paths %+v, error %v: want the server access logs to bucket A/Logs", paths, err)
	}
}

// TestDeriveAlarmOutside: an alarm that notifies a topic of another stack
// or account gives a path marked Outside, which Evaluate does not decide;
// an action that is not a topic, and a topic without a policy, are errors.
func TestDeriveAlarmOutside(t *testing.T) {
	a := assembly(t, map[string]string{"A": `{"Resources": {"Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "x",
	  "AlarmActions": ["arn:aws:sns:eu-west-1:999999999999:theirs"]}}}}`})
	paths, err := Derive(a, testEnv)
	if err != nil || len(paths) != 1 || paths[0].Outside != "SNS topic arn:aws:sns:eu-west-1:999999999999:theirs" || paths[0].Request.ResourceAccount != "999999999999" {
		t.Fatalf("paths %+v, %v", paths, err)
	}
	results, err := evaluator.Evaluate(context.Background(), paths)
	if err != nil || results[0].Decision != Outside {
		t.Errorf("results %+v, %v", results, err)
	}
	for body, want := range map[string]string{
		`{"Resources": {"Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": ["arn:aws:automate:eu-west-1:ec2:stop"]}}}}`:                            "is not an SNS topic",
		`{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {}}, "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "T"}]}}}}`: "has no AWS::SNS::TopicPolicy",
	} {
		if _, err := Derive(assembly(t, map[string]string{"A": body}), testEnv); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

// TestDeriveLogGroupKeyOutside: a log group encrypted with an existing key
// (microservice.Props.LogKey, named by its ARN) gives CloudWatch Logs'
// calls on it marked Outside, as an existing topic's or bucket's are, which
// Evaluate does not decide; a key id that is in no template is an error.
func TestDeriveLogGroupKeyOutside(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	group := func(key string) string {
		return `{"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "app", "KmsKeyId": "` + key + `"}}}}`
	}
	paths, err := Derive(assembly(t, map[string]string{"A": group(keyArn)}), testEnv)
	if err != nil || len(paths) != 3 {
		t.Fatalf("paths %v, %v: want CloudWatch Logs' three calls on the key", paths, err)
	}
	for _, p := range paths {
		if p.Kind != LogGroupKey || p.Outside != "KMS key "+keyArn || p.Request.Resource != keyArn || p.Request.ResourceAccount != "999999999999" || p.ResourcePolicy != nil {
			t.Errorf("%s: outside %q, account %s, policy %v: want an Outside call on %s", p, p.Outside, p.Request.ResourceAccount, p.ResourcePolicy, keyArn)
		}
	}
	results, err := evaluator.Evaluate(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Decision != Outside {
			t.Errorf("%s: %s, want Outside", r.Path, r.Decision)
		}
	}
	if _, err := Derive(assembly(t, map[string]string{"A": group("1234abcd-12ab-34cd-56ef-1234567890ab")}), testEnv); err == nil ||
		!strings.Contains(err.Error(), "is not in the templates, and is not an ARN") {
		t.Errorf("a key id in no template: error %v", err)
	}
}

// TestDeriveTaskDefinition: a task definition gives ECS assuming both its
// roles (with aws:SourceAccount; the task role also with a stand-in
// aws:SourceArn of a task, so that its trust policy, hardened as AWS
// recommends, allows it), and the execution role's calls:
// the ECR pull of its image in its repository, the awslogs stream under
// the container's prefix, and each secret, read from its ARN without the
// JSON key that follows it.
func TestDeriveTaskDefinition(t *testing.T) {
	body := `{"Resources": {
	  "Exec": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
	  "Task": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {
	      "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*"}},
	      "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]}}},
	  "ExecPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Exec"}], "PolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}}},
	  "Def": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Family": "app",
	    "ExecutionRoleArn": {"Fn::GetAtt": ["Exec", "Arn"]}, "TaskRoleArn": {"Fn::GetAtt": ["Task", "Arn"]},
	    "ContainerDefinitions": [{"Name": "web", "Image": {"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/repo:tag"},
	      "LogConfiguration": {"LogDriver": "awslogs", "Options": {"awslogs-group": "grp", "awslogs-stream-prefix": "web"}},
	      "Secrets": [{"Name": "DB", "ValueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::"},
	                  {"Name": "FLAG", "ValueFrom": "flag"}]}]}}
	}}`
	paths, err := Derive(assembly(t, map[string]string{"A": body}), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Request{}
	for _, p := range paths {
		got[string(p.Kind)+" "+p.Request.Action+" "+p.Request.Resource] = p.Request
	}
	for _, want := range []string{
		"task-execution ecr:BatchGetImage arn:aws:ecr:eu-west-1:123456789012:repository/repo",
		"task-execution ecr:GetAuthorizationToken *",
		"task-execution logs:CreateLogStream arn:aws:logs:eu-west-1:123456789012:log-group:grp:log-stream:web/web/0123456789abcdef0123456789abcdef",
		"task-execution secretsmanager:GetSecretValue arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
		"task-execution ssm:GetParameters arn:aws:ssm:eu-west-1:123456789012:parameter/flag",
	} {
		if _, ok := got[want]; !ok {
			t.Errorf("no path %s among %v", want, paths)
		}
	}
	trusts := 0
	for _, p := range paths {
		if p.Kind == RoleTrust {
			trusts++
			want := map[string]any{"aws:SourceAccount": testEnv.Account}
			if strings.Contains(p.What, "task role") {
				want["aws:SourceArn"] = "arn:aws:ecs:eu-west-1:123456789012:task/stand-in-cluster/0123456789abcdef0123456789abcdef"
			}
			if !maps.Equal(p.Request.Context, want) {
				t.Errorf("%s: context %v, want %v", p, p.Request.Context, want)
			}
		}
	}
	if trusts != 2 {
		t.Errorf("%d trust paths, want the task role's and the execution role's", trusts)
	}
	// Only GetAuthorizationToken is allowed: the proof would fail the rest.
	results, err := evaluator.Evaluate(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		allowed := r.Path.Kind == RoleTrust || r.Path.Request.Action == "ecr:GetAuthorizationToken"
		if (r.Decision == Allowed) != allowed {
			t.Errorf("%s: %s", r.Path, r.Decision)
		}
	}
}

// TestDeriveVolumeKey: a launch template whose volume is encrypted with a
// customer managed key of the templates makes EC2 Auto Scaling's
// service-linked role use that key, decided by the key policy; the
// default key (no KmsKeyId) makes no path.
func TestDeriveVolumeKey(t *testing.T) {
	template := func(keyPolicy string) string {
		return `{"Resources": {
		  "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": ` + keyPolicy + `}}},
		  "Plain": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
		    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": true}}]}}},
		  "LT": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
		    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": true, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}}]}}}
		}}`
	}
	root := `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}`
	slr := `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"},
	  "Action": ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey", "kms:CreateGrant"], "Resource": "*"}`
	for _, c := range []struct {
		name, policy string
		allowed      bool
	}{
		{"a key policy for the account only", "[" + root + "]", true}, // the role's own policy allows it, and the key trusts the account
		{"a key policy that trusts no one", "[]", false},
		{"a key policy for the service-linked role", "[" + slr + "]", true},
	} {
		paths, err := Derive(assembly(t, map[string]string{"A": template(c.policy)}), testEnv)
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != 4 {
			t.Fatalf("%s: %d paths, want the four calls on LT's key only: %v", c.name, len(paths), paths)
		}
		results, err := evaluator.Evaluate(context.Background(), paths)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Path.Kind != VolumeKey || (r.Decision == Allowed) != c.allowed {
				t.Errorf("%s: %s: %s %s", c.name, r.Path, r.Decision, r.Detail)
			}
		}
	}
}
