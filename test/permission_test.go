package test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"

	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/permission"
	"github.com/ecsplit/ecsplit/stacks"
)

// The permission proof: every call that one AWS service makes to another
// for the deployment (internal/permission derives them from the
// templates), decided by an IAM policy evaluator this project did not
// write, in every stage, migration state and capacity mode, with HTTPS,
// with an existing bucket for the S3 server access logs, and with an
// existing alarm topic; each kind of path with a planted fault.

// proofEnvs are the Regions the proof deploys into: one that has an Elastic
// Load Balancing account of its own for access logs (eu-west-1, available
// before August 2022), and one that does not (ap-southeast-5), where the
// log delivery service principal writes.
var proofEnvs = []cfn.Env{
	{Partition: "aws", Region: testRegion, Account: testAccount},
	{Partition: "aws", Region: "ap-southeast-5", Account: testAccount},
}

// Existing resources the app is given in some contexts.
const (
	testTopicArn          = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"
	testServerLogsBucket  = "example-s3-access-logs-123456789012-eu-west-1"
	importedTopicMessage  = "the alarms notify a topic this app does not manage"
	importedBucketMessage = "the S3 server access logs of the access logs bucket go to a bucket this app does not manage"
)

// proofContexts are the contexts the proof covers: every stage, state and
// capacity mode the validators cover, and the ones that hand the app an
// existing resource.
func proofContexts() []map[string]string {
	// The contexts other tests synthesize too, but the one with a topic.
	ctxs := append(slices.Clone(allStates),
		map[string]string{"stage": "split", "capacity": "fargate", "certificateArn": testCertificateArn},
		map[string]string{"stage": "users:100,threads:10", "capacity": "ec2", stacks.AlarmTopicKey: testTopicArn},
		map[string]string{"stage": "monolith", "capacity": "fargate",
			stacks.CertificateKey: testCertificateArn, stacks.ServerAccessLogsBucketKey: testServerLogsBucket},
	)
	// The ramp's function and custom resources, unless allStates holds
	// that deploy already.
	if !slices.ContainsFunc(ctxs, func(c map[string]string) bool { return contextKey(c) == contextKey(permissionRampContext) }) {
		ctxs = append(ctxs, permissionRampContext)
	}
	return ctxs
}

// permissionRampContext is a deploy with a ramp: the migration's ramp
// function, its role, policy and encrypted log group, and one
// Custom::EcsplitRamp per extracted service.
var permissionRampContext = map[string]string{"stage": "users:100,threads:10", stacks.RampKey: "5,25,50:5m", "capacity": "fargate"}

// rampCalls are the calls of the ramp's function that the proof must find
// in a context with a ramp.
var rampCalls = []string{"elasticloadbalancing:DescribeRules", "elasticloadbalancing:ModifyRule", "cloudwatch:DescribeAlarms",
	"cloudformation:DescribeStacks", "lambda:InvokeFunction"}

// proof is what the evaluator decided for one assembly, in each proofEnv.
type proof struct {
	// results holds each Region's results, in proofEnvs' order.
	results [][]permission.Result
}

// all returns every Region's results.
func (p proof) all() []permission.Result { return slices.Concat(p.results...) }

// failures returns one line per path that is not Allowed, Outside ones
// left out.
func (p proof) failures() []string {
	var out []string
	for i, rs := range p.results {
		for _, r := range rs {
			if r.Decision != permission.Allowed && r.Decision != permission.Outside {
				out = append(out, fmt.Sprintf("%s %s: %s: %s (%s)", proofEnvs[i].Region, r.Decision, r.Path, r.Detail, r.Path.Doc))
			}
		}
	}
	return out
}

// failing returns the kinds of the paths that are not Allowed (Outside
// ones left out), and the Regions where they fail.
func (p proof) failing() (kinds []permission.Kind, regions []string) {
	for i, rs := range p.results {
		for _, r := range rs {
			if r.Decision != permission.Allowed && r.Decision != permission.Outside {
				if !slices.Contains(kinds, r.Path.Kind) {
					kinds = append(kinds, r.Path.Kind)
				}
				if !slices.Contains(regions, proofEnvs[i].Region) {
					regions = append(regions, proofEnvs[i].Region)
				}
			}
		}
	}
	return kinds, regions
}

// failingActions returns the actions of the paths that are not Allowed
// (Outside ones left out), sorted, each once.
func (p proof) failingActions() []string {
	var out []string
	for _, r := range p.all() {
		if r.Decision != permission.Allowed && r.Decision != permission.Outside {
			out = append(out, r.Path.Request.Action)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// kinds counts the paths of each kind.
func (p proof) kinds() map[permission.Kind]int {
	n := map[permission.Kind]int{}
	for _, r := range p.all() {
		n[r.Path.Kind]++
	}
	return n
}

// prove derives the paths of the assemblies in dirs in every proofEnv and
// decides them in one run of the evaluator.
func prove(t *testing.T, dirs ...string) []proof {
	t.Helper()
	var all []permission.Path
	var sizes []int // of each assembly's paths in each Region, in order
	for _, dir := range dirs {
		asm := loadAssembly(t, dir)
		for _, env := range proofEnvs {
			paths, err := permission.Derive(asm, env)
			if err != nil {
				t.Fatalf("%s in %s: %v", dir, env.Region, err)
			}
			all = append(all, paths...)
			sizes = append(sizes, len(paths))
		}
	}
	results, err := permission.Evaluator{Root: repoRoot}.Evaluate(context.Background(), all)
	if err != nil {
		t.Fatal(err)
	}
	proofs := make([]proof, len(dirs))
	for i := range proofs {
		for range proofEnvs {
			n := sizes[0]
			sizes = sizes[1:]
			proofs[i].results = append(proofs[i].results, results[:n])
			results = results[n:]
		}
	}
	return proofs
}

// TestPermissionProof: in every context, every path is allowed; what the
// templates cannot show (an existing topic or bucket) is Outside exactly
// when the context names one, and then an info message of the synth says
// what the existing bucket's policy must allow (the topic's is
// TestImportedAlarmTopic's); and every kind of path the context makes is
// there.
func TestPermissionProof(t *testing.T) {
	parallel(t)
	ctxs := proofContexts()
	var syntheses []*synthesis
	var dirs []string
	for _, ctx := range ctxs {
		s := synth(t, ctx)
		syntheses = append(syntheses, s)
		dirs = append(dirs, s.Dir)
	}
	for i, p := range prove(t, dirs...) {
		ctx := ctxs[i]
		if ctx[stacks.ServerAccessLogsBucketKey] != "" {
			msgs := infoMessages(t, syntheses[i], stacks.PlatformStackName)
			if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, importedBucketMessage) }) {
				t.Errorf("%s: no info message about the existing bucket among %v", name(ctx), msgs)
			}
		}
		for _, f := range p.failures() {
			t.Errorf("%s: %s", name(ctx), f)
		}
		want := []permission.Kind{permission.AlarmAction, permission.AlarmTopicKey, permission.LogGroupKey, permission.FlowLogDelivery,
			permission.AccessLogs, permission.ServerAccessLogs, permission.RoleTrust, permission.TaskExecution, permission.FunctionRole,
			permission.CustomResource}
		if ctx["capacity"] == "ec2" {
			want = append(want, permission.ContainerAgent)
		}
		if ctx[stacks.AlarmTopicKey] != "" {
			want = slices.DeleteFunc(want, func(k permission.Kind) bool { return k == permission.AlarmTopicKey })
		}
		got := p.kinds()
		for _, k := range want {
			if got[k] == 0 {
				t.Errorf("%s: no %s path among %v", name(ctx), k, got)
			}
		}
		if ctx[stacks.RampKey] != "" {
			var calls []string
			for _, r := range p.all() {
				if r.Path.Kind == permission.FunctionRole && strings.HasPrefix(r.Path.What, "ramp ") {
					calls = append(calls, r.Path.Request.Action)
				}
			}
			for _, call := range rampCalls {
				if !slices.Contains(calls, call) {
					t.Errorf("%s: no ramp call %s among %v", name(ctx), call, calls)
				}
			}
		}
		for _, r := range p.all() {
			if r.Decision != permission.Outside {
				continue
			}
			// CloudFormation invokes a custom resource's function with the
			// stack's execution role, CDK's bootstrap role: its policy is
			// the bootstrap's.
			invoke := r.Path.Kind == permission.CustomResource && r.Path.Request.Action == "lambda:InvokeFunction" &&
				strings.Contains(r.Path.Request.Principal, ":role/cdk-hnb659fds-cfn-exec-role-")
			if invoke {
				continue
			}
			topic := r.Path.Kind == permission.AlarmAction && ctx[stacks.AlarmTopicKey] != "" && r.Path.Request.Resource == testTopicArn
			bucket := r.Path.Kind == permission.ServerAccessLogs && ctx[stacks.ServerAccessLogsBucketKey] != "" &&
				strings.HasPrefix(r.Path.Request.Resource, "arn:aws:s3:::"+testServerLogsBucket+"/")
			if !topic && !bucket {
				t.Errorf("%s: %s is outside the templates: %s", name(ctx), r.Path, r.Detail)
			}
		}
		if i == 0 {
			t.Logf("%s: %d paths in %d Regions, by kind %v", name(ctx), len(p.all()), len(proofEnvs), got)
		}
	}
}

// plantedPermissionFault is a fault planted in one kind of path: the proof
// must fail that kind, in the stack and Regions named, and nothing else.
type plantedPermissionFault struct {
	kind permission.Kind
	// stack is the template the fault is planted in.
	stack string
	// typ and prefix find the resource: its type, and the start of its
	// logical id.
	typ, prefix string
	edit        func(t *testing.T, r map[string]any)
	// region, when set, is the only Region where the fault shows.
	region string
	// ramp, when set, plants the fault in a deploy with a ramp
	// (permissionRampContext).
	ramp bool
	// actions, when set, are the only calls the fault fails.
	actions []string
}

// statements returns the statement list of a resource's policy property.
func statements(r map[string]any, prop string) []any {
	return r["Properties"].(map[string]any)[prop].(map[string]any)["Statement"].([]any)
}

// setStatements replaces the statement list of a resource's policy
// property.
func setStatements(r map[string]any, prop string, list []any) {
	r["Properties"].(map[string]any)[prop].(map[string]any)["Statement"] = list
}

// withSid returns the statement with Sid sid, failing the test without it.
func withSid(t *testing.T, list []any, sid string) map[string]any {
	t.Helper()
	for _, s := range list {
		if s.(map[string]any)["Sid"] == sid {
			return s.(map[string]any)
		}
	}
	t.Fatalf("no statement %s in %v", sid, list)
	return nil
}

// withoutSid removes the statement with Sid sid.
func withoutSid(t *testing.T, list []any, sid string) []any {
	t.Helper()
	withSid(t, list, sid)
	return slices.DeleteFunc(slices.Clone(list), func(s any) bool { return s.(map[string]any)["Sid"] == sid })
}

var plantedPermissionFaults = []plantedPermissionFault{
	// Today's alarm topic policy, before this proof: enforceSSL's Deny
	// alone, which replaces SNS's default policy and allows no one.
	{permission.AlarmAction, stacks.ServicesStackName, "AWS::SNS::TopicPolicy", "AlarmTopicPolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", []any{withSid(t, statements(r, "PolicyDocument"), "AllowPublishThroughSSLOnly")})
	}, "", false, nil},
	// Today's topic key: CloudWatch only under aws:SourceAccount, which no
	// page documents on these calls.
	{permission.AlarmTopicKey, stacks.ServicesStackName, "AWS::KMS::Key", "AlarmTopicKey", func(t *testing.T, r map[string]any) {
		withSid(t, statements(r, "KeyPolicy"), "CloudWatchAlarms")["Condition"] = map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}}
	}, "", false, nil},
	// Today's log keys: the principal logs.amazonaws.com.
	{permission.LogGroupKey, stacks.ServicesStackName, "AWS::KMS::Key", "usersLogsKey", func(t *testing.T, r map[string]any) {
		withSid(t, statements(r, "KeyPolicy"), "CloudWatchLogsOfThisAccountAndRegion")["Principal"] = map[string]any{"Service": "logs.amazonaws.com"}
	}, "", false, nil},
	// Today's flow log role: the CDK's three actions only.
	{permission.FlowLogDelivery, stacks.PlatformStackName, "AWS::IAM::Policy", "ClusterVpcFlowLogIAMRoleDefaultPolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", withoutSid(t, statements(r, "PolicyDocument"), "PublishToTheFlowLogGroup"))
	}, "", false, nil},
	// No writer for the Regions with an Elastic Load Balancing account.
	{permission.AccessLogs, stacks.PlatformStackName, "AWS::S3::BucketPolicy", "SharedAlbAccessLogsPolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", withoutSid(t, statements(r, "PolicyDocument"), "ElbAccessLogsLegacyRegions"))
	}, testRegion, false, nil},
	// S3 logging allowed for another source bucket.
	{permission.ServerAccessLogs, stacks.PlatformStackName, "AWS::S3::BucketPolicy", "SharedAlbServerAccessLogsPolicy", func(t *testing.T, r map[string]any) {
		withSid(t, statements(r, "PolicyDocument"), "S3ServerAccessLogs")["Condition"].(map[string]any)["ArnLike"] =
			map[string]any{"aws:SourceArn": "arn:aws:s3:::another-bucket"}
	}, "", false, nil},
	// An execution role that ECS may not assume.
	{permission.RoleTrust, stacks.ServicesStackName, "AWS::IAM::Role", "usersTaskDefinitionExecutionRole", func(t *testing.T, r map[string]any) {
		statements(r, "AssumeRolePolicyDocument")[0].(map[string]any)["Principal"] = map[string]any{"Service": "ecs.amazonaws.com"}
	}, "", false, nil},
	// An execution role that may not write its log stream.
	{permission.TaskExecution, stacks.ServicesStackName, "AWS::IAM::Policy", "usersTaskDefinitionExecutionRoleDefaultPolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", slices.DeleteFunc(slices.Clone(statements(r, "PolicyDocument")), func(s any) bool {
			return strings.Contains(fmt.Sprint(s.(map[string]any)["Action"]), "logs:PutLogEvents")
		}))
	}, "", false, nil},
	// An instance role that may not poll its cluster.
	{permission.ContainerAgent, stacks.PlatformStackName, "AWS::IAM::Policy", "ClusterInstancePolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", withoutSid(t, statements(r, "PolicyDocument"), "PollThisCluster"))
	}, "", false, nil},
	// The custom resource's role without its inline policy.
	{permission.FunctionRole, stacks.PlatformStackName, "AWS::IAM::Role", "CustomVpcRestrictDefaultSGCustomResourceProviderRole", func(t *testing.T, r map[string]any) {
		delete(r["Properties"].(map[string]any), "Policies")
	}, "", false, nil},
	// The ramp may not change its rule.
	{permission.FunctionRole, stacks.ServicesStackName, "AWS::IAM::Policy", "RampPolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", withoutSid(t, statements(r, "PolicyDocument"), "ChangeTheListenersRules"))
	}, "", true, []string{"elasticloadbalancing:ModifyRule"}},
	// The ramp may read another alarm instead of its judges.
	{permission.FunctionRole, stacks.ServicesStackName, "AWS::IAM::Policy", "RampPolicy", func(t *testing.T, r map[string]any) {
		withSid(t, statements(r, "PolicyDocument"), "ReadTheAlarms")["Resource"] = map[string]any{"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:someone-else"}
	}, "", true, []string{"cloudwatch:DescribeAlarms"}},
	// The ramp may not invoke itself to go on.
	{permission.FunctionRole, stacks.ServicesStackName, "AWS::IAM::Policy", "RampPolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", withoutSid(t, statements(r, "PolicyDocument"), "InvokeItself"))
	}, "", true, []string{"lambda:InvokeFunction"}},
	// The ramp may not read its stack, so it cannot tell a rollback.
	{permission.FunctionRole, stacks.ServicesStackName, "AWS::IAM::Policy", "RampPolicy", func(t *testing.T, r map[string]any) {
		withSid(t, statements(r, "PolicyDocument"), "ReadTheStack")["Resource"] = map[string]any{"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/EcsplitPlatform/*"}
	}, "", true, []string{"cloudformation:DescribeStacks"}},
	// The ramp may not write its logs.
	{permission.FunctionRole, stacks.ServicesStackName, "AWS::IAM::Policy", "RampPolicy", func(t *testing.T, r map[string]any) {
		setStatements(r, "PolicyDocument", withoutSid(t, statements(r, "PolicyDocument"), "WriteItsLogs"))
	}, "", true, []string{"logs:CreateLogStream", "logs:PutLogEvents"}},
	// Lambda may not assume the ramp's role.
	{permission.RoleTrust, stacks.ServicesStackName, "AWS::IAM::Role", "RampRole", func(t *testing.T, r map[string]any) {
		statements(r, "AssumeRolePolicyDocument")[0].(map[string]any)["Principal"] = map[string]any{"Service": "states.amazonaws.com"}
	}, "", true, []string{"sts:AssumeRole"}},
	// CloudWatch Logs may not use the ramp's log key.
	{permission.LogGroupKey, stacks.ServicesStackName, "AWS::KMS::Key", "RampLogsKey", func(t *testing.T, r map[string]any) {
		withSid(t, statements(r, "KeyPolicy"), "CloudWatchLogsOfThisAccountAndRegion")["Principal"] = map[string]any{"Service": "logs.amazonaws.com"}
	}, "", true, []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}},
}

// TestPermissionProofCatchesPlantedFaults: a fault planted in each kind of
// path, today's alarm topic policy first, fails the proof for that kind,
// in the Regions where it shows, and nothing else.
func TestPermissionProofCatchesPlantedFaults(t *testing.T) {
	parallel(t)
	base := synth(t, map[string]string{"stage": "users:100,threads:10", "capacity": "ec2"}).Dir
	ramp := synth(t, permissionRampContext).Dir
	var dirs []string
	for _, f := range plantedPermissionFaults {
		from := base
		if f.ramp {
			from = ramp
		}
		dirs = append(dirs, plantFault(t, from, func(dir string) {
			editTemplate(t, dir, f.stack, func(tpl map[string]any) {
				_, r := resourceWithPrefix(t, tpl, f.typ, f.prefix)
				f.edit(t, r)
			})
		}))
	}
	for i, p := range prove(t, dirs...) {
		f := plantedPermissionFaults[i]
		kinds, regions := p.failing()
		want := []string{testRegion, "ap-southeast-5"}
		if f.region != "" {
			want = []string{f.region}
		}
		if !slices.Equal(kinds, []permission.Kind{f.kind}) || !slices.Equal(regions, want) {
			t.Errorf("the %s fault planted in %s %s: failing kinds %v in Regions %v, want %s in %v:\n%s",
				f.kind, f.stack, f.prefix, kinds, regions, f.kind, want, strings.Join(p.failures(), "\n"))
			continue
		}
		if actions := p.failingActions(); f.actions != nil && !slices.Equal(actions, f.actions) {
			t.Errorf("the %s fault planted in %s %s fails calls %v, want only %v:\n%s",
				f.kind, f.stack, f.prefix, actions, f.actions, strings.Join(p.failures(), "\n"))
			continue
		}
		t.Logf("planted %s fault caught: %s", f.kind, p.failures()[0])
	}
}

// infoMessages returns the info messages of a stack of a synthesized app.
// It takes the jsii kernel for its calls.
func infoMessages(t *testing.T, s *synthesis, stack string) []string {
	defer holdJSII(t)()
	var out []string
	for _, st := range *s.Assembly.Stacks() {
		if *st.StackName() != stack {
			continue
		}
		for _, m := range *st.Messages() {
			if m.Level == cxapi.SynthesisMessageLevel_INFO {
				out = append(out, fmt.Sprint(m.Entry.Data))
			}
		}
	}
	return out
}

// statedRequirements parses the statements an info message about an
// existing topic states, with the placeholders filled for env and topic.
func statedRequirements(t *testing.T, msg string, env cfn.Env, topic string) (topicStatement, keyStatement map[string]any) {
	t.Helper()
	fill := strings.NewReplacer("${Partition}", env.Partition, "${Region}", env.Region, "${Account}", env.Account, "${TopicArn}", topic)
	var stated []map[string]any
	for _, part := range strings.Split(msg, " must hold ")[1:] {
		dec := json.NewDecoder(strings.NewReader(fill.Replace(part)))
		var st map[string]any
		if err := dec.Decode(&st); err != nil {
			t.Fatalf("the message's statement is not JSON: %v: %s", err, part)
		}
		stated = append(stated, st)
	}
	if len(stated) != 2 {
		t.Fatalf("want a topic and a key statement in %q", msg)
	}
	return stated[0], stated[1]
}

// TestImportedAlarmTopic: with an existing topic (alarmTopicArn), the
// alarms' publishes are outside the templates, so the synth states in an
// info message what the topic's policy and key must allow; that statement
// is proved to let every alarm publish, and to let no other alarm.
func TestImportedAlarmTopic(t *testing.T) {
	parallel(t)
	s := synth(t, map[string]string{"stage": "users:100,threads:10", "capacity": "ec2", stacks.AlarmTopicKey: testTopicArn})
	var msg string
	msgs := infoMessages(t, s, stacks.ServicesStackName)
	for _, m := range msgs {
		if strings.Contains(m, importedTopicMessage) {
			msg = m
		}
	}
	if msg == "" {
		t.Fatalf("no info message about the existing topic among %v", msgs)
	}
	env := proofEnvs[0]
	topicStatement, keyStatement := statedRequirements(t, msg, env, testTopicArn)
	paths, err := permission.Derive(loadAssembly(t, s.Dir), env)
	if err != nil {
		t.Fatal(err)
	}
	var tried []permission.Path
	for _, p := range paths {
		if p.Kind != permission.AlarmAction {
			continue
		}
		if p.Outside == "" || p.Request.Resource != testTopicArn {
			t.Errorf("%s: want an Outside publish to %s", p, testTopicArn)
		}
		p.ResourcePolicy = &permission.Policy{Source: "the info message", Document: map[string]any{"Version": "2012-10-17", "Statement": []any{topicStatement}}}
		p.Outside = ""
		tried = append(tried, p)
		// The same publish from an alarm the statement does not name.
		other := p
		other.Request.Context = map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:someone-else"}
		tried = append(tried, other)
	}
	// The key's statement, on CloudWatch's calls to an encrypted topic.
	key := "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, action := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
		tried = append(tried, permission.Path{Kind: permission.AlarmTopicKey, What: "the stated key statement",
			Request:        permission.Request{Principal: permission.CloudWatchPrincipal, Action: action, Resource: key, ResourceAccount: env.Account, Context: map[string]any{}},
			ResourcePolicy: &permission.Policy{Document: map[string]any{"Version": "2012-10-17", "Statement": []any{keyStatement}}}})
	}
	if len(tried) < 2*5*3 {
		t.Fatalf("only %d publishes tried: want every alarm's", len(tried))
	}
	results, err := permission.Evaluator{Root: repoRoot}.Evaluate(context.Background(), tried)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		own := !strings.Contains(fmt.Sprint(r.Path.Request.Context["aws:SourceArn"]), "someone-else")
		if (r.Decision == permission.Allowed) != own {
			t.Errorf("%s from %v: %s, want allowed only for the migration's own alarms", r.Path, r.Path.Request.Context, r.Decision)
		}
	}
}

// TestPermissionProofSecrets: a service of another app with secrets (one
// in Secrets Manager, made by the app, one in Parameter Store) and an
// image from an ECR repository: its execution role may read exactly its
// secrets and pull its image; without its grant on the secret, the proof
// fails that one path.
func TestPermissionProofSecrets(t *testing.T) {
	parallel(t)
	dir := t.TempDir()
	func() { // the kernel is held only while the app is built and synthesized
		defer holdJSII(t)()
		buildSecretsApp(dir)
	}()
	planted := plantFault(t, dir, func(d string) {
		editTemplate(t, d, "Secrets", func(tpl map[string]any) {
			_, r := resourceWithPrefix(t, tpl, "AWS::IAM::Policy", "OrdersTaskDefinitionExecutionRoleDefaultPolicy")
			setStatements(r, "PolicyDocument", slices.DeleteFunc(slices.Clone(statements(r, "PolicyDocument")), func(s any) bool {
				return strings.Contains(fmt.Sprint(s.(map[string]any)["Action"]), "secretsmanager:GetSecretValue")
			}))
		})
	})
	proofs := prove(t, dir, planted)
	var reads []string
	for _, r := range proofs[0].results[0] {
		if r.Path.Kind == permission.TaskExecution {
			reads = append(reads, r.Path.Request.Action)
		}
	}
	for _, want := range []string{"secretsmanager:GetSecretValue", "ssm:GetParameters", "ecr:BatchGetImage", "logs:PutLogEvents"} {
		if !slices.Contains(reads, want) {
			t.Errorf("no %s path among the execution role's %v", want, reads)
		}
	}
	for _, f := range proofs[0].failures() {
		t.Error(f)
	}
	kinds, _ := proofs[1].failing()
	failures := proofs[1].failures()
	if !slices.Equal(kinds, []permission.Kind{permission.TaskExecution}) || len(failures) != len(proofEnvs) || !strings.Contains(failures[0], "secretsmanager:GetSecretValue") {
		t.Errorf("without its grant on the secret, the proof fails %v:\n%s", kinds, strings.Join(failures, "\n"))
	}
}

// buildSecretsApp synthesizes TestPermissionProofSecrets' app into dir: a
// service with a secret of each kind and an image from ECR. Its caller
// holds the jsii kernel.
func buildSecretsApp(dir string) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &map[string]any{"@aws-cdk/aws-ecs:removeDefaultDesiredCount": true}})
	stack := awscdk.NewStack(app, jsii.String("Secrets"), nil)
	c := cluster.New(stack, "Cluster", nil)
	lb := alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})
	microservice.New(stack, "Orders", &microservice.Props{
		Platform: microservice.PlatformOf(c, lb),
		Name:     "orders",
		Paths:    []string{"/orders", "/orders/*"},
		Image:    microservice.ImageFromECR(stack, "OrdersRepo", "shop/orders", "v1"),
		Secrets: map[string]awsecs.Secret{
			"DB_PASSWORD": awsecs.Secret_FromSecretsManager(awssecretsmanager.NewSecret(stack, jsii.String("Db"), nil), jsii.String("password")),
			"FLAG": awsecs.Secret_FromSsmParameter(awsssm.StringParameter_FromSecureStringParameterAttributes(
				stack, jsii.String("Flag"), &awsssm.SecureStringParameterAttributes{ParameterName: jsii.String("/orders/flag")})),
		},
	})
	app.Synth(nil)
}
