package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/stacks"
)

// problemOf builds constructs in a new stack and returns the problem they
// reported: the message a construct panicked with, or else its error
// annotations, one a line; "" when there was none.
func problemOf(build func(stack awscdk.Stack)) (msg string) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	build(stack)
	return strings.Join(annotations(stack, "aws:cdk:error"), "\n")
}

// jsonText returns v as text: a string as it is, anything else as JSON.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// newVpc is a VPC for an alb of a test.
func newVpc(stack awscdk.Stack) awsec2.IVpc {
	return awsec2.NewVpc(stack, jsii.String("V"), nil)
}

// albAttribute returns the value of a load balancer attribute in a
// template, "" when it is not set.
func albAttribute(t *testing.T, tpl assertions.Template, key string) string {
	t.Helper()
	for _, r := range *tpl.FindResources(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), nil) {
		attrs, _ := (*r)["Properties"].(map[string]any)["LoadBalancerAttributes"].([]any)
		for _, a := range attrs {
			if a := a.(map[string]any); a["Key"] == key {
				return jsonText(a["Value"])
			}
		}
	}
	return ""
}

// TestALBDefaultsAndOverrides: every prop that a Default* constant of
// package alb fills takes that default when unset, and a value set lands
// in the template: ports, SSL policy, idle timeout, the 404's content
// type, the log prefixes and the logs' expiry.
func TestALBDefaultsAndOverrides(t *testing.T) {
	jsiiTest(t)
	build := func(p alb.Props) assertions.Template {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
		p.Vpc = newVpc(stack)
		p.CertificateArn = testCertificateArn
		alb.New(stack, "A", &p)
		return assertions.Template_FromStack(stack, nil)
	}
	listener := func(port int, protocol string) map[string]any {
		return map[string]any{"Port": port, "Protocol": protocol}
	}
	ingress := func(port int) map[string]any {
		return map[string]any{"SecurityGroupIngress": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"FromPort": port, "ToPort": port}),
		})}
	}
	expiry := func(days int) map[string]any {
		return map[string]any{"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"ExpirationInDays": days}),
		})}}
	}
	cases := []struct {
		name  string
		props alb.Props
		// want: ports, SSL policy name, idle seconds, content type,
		// access logs prefix, server access logs prefix, expiry days
		http, https                   int
		policy, idle, contentType     string
		accessPrefix, serverPrefix    string
		expirationDays                int
		redirectPort                  string
		accessPolicyResourceSubstring string
	}{
		{"defaults", alb.Props{},
			alb.DefaultHTTPPort, alb.DefaultHTTPSPort, "ELBSecurityPolicy-TLS13-1-2-2021-06", "60", alb.DefaultNotFoundContentType,
			alb.DefaultAccessLogsPrefix, alb.DefaultServerAccessLogsPrefix, alb.DefaultAccessLogsExpirationDays, "443", "alb/AWSLogs/"},
		{"overrides", alb.Props{
			HTTPPort: 8081, HTTPSPort: 8443, SSLPolicy: elbv2.SslPolicy_FIPS_TLS13_12, IdleTimeout: awscdk.Duration_Minutes(jsii.Number(2)),
			NotFoundContentType: "text/plain", AccessLogsPrefix: "lb/ecsplit", ServerAccessLogsPrefix: "server-logs/", AccessLogsExpirationDays: 30,
		}, 8081, 8443, "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "120", "text/plain", "lb/ecsplit", "server-logs/", 30, "8443", "lb/ecsplit/AWSLogs/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := build(c.props)
			check(t, "listeners and their ingress", func() {
				tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), listener(c.http, "HTTP"))
				tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
					"Port": c.https, "Protocol": "HTTPS", "SslPolicy": c.policy,
					"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": assertions.Match_ObjectLike(&map[string]any{
						"StatusCode": "404", "ContentType": c.contentType,
					})}},
				})
				tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
					"Port": c.http, "DefaultActions": []any{assertions.Match_ObjectLike(&map[string]any{
						"RedirectConfig": assertions.Match_ObjectLike(&map[string]any{"Port": c.redirectPort}),
					})},
				})
				tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), ingress(c.http))
				tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), ingress(c.https))
			})
			if got := albAttribute(t, tpl, "idle_timeout.timeout_seconds"); got != c.idle {
				t.Errorf("idle timeout: %q seconds, want %q", got, c.idle)
			}
			if got := albAttribute(t, tpl, "access_logs.s3.prefix"); got != c.accessPrefix {
				t.Errorf("access logs prefix: %q, want %q", got, c.accessPrefix)
			}
			check(t, "log buckets", func() {
				tpl.ResourcePropertiesCountIs(jsii.String("AWS::S3::Bucket"), expiry(c.expirationDays), jsii.Number(2))
				tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"LogFilePrefix": c.serverPrefix}),
				})
			})
			policies := jsonText(tpl.FindResources(jsii.String("AWS::S3::BucketPolicy"), nil))
			if !strings.Contains(policies, c.accessPolicyResourceSubstring) || !strings.Contains(policies, c.serverPrefix+"*") {
				t.Errorf("bucket policies name neither %q nor %q: %s", c.accessPolicyResourceSubstring, c.serverPrefix+"*", policies)
			}
		})
	}
}

// TestALBPropsTakeTokens: a value known only at deploy time (a stack
// parameter) is not checked at synth time, as aws-cdk-lib does.
func TestALBPropsTakeTokens(t *testing.T) {
	jsiiTest(t)
	msg := problemOf(func(stack awscdk.Stack) {
		text := awscdk.NewCfnParameter(stack, jsii.String("Text"), nil).ValueAsString()
		seconds := awscdk.NewCfnParameter(stack, jsii.String("Seconds"), &awscdk.CfnParameterProps{Type: jsii.String("Number")}).ValueAsNumber()
		alb.New(stack, "A", &alb.Props{Vpc: newVpc(stack), NotFoundContentType: *text, AccessLogsPrefix: *text, IdleTimeout: awscdk.Duration_Seconds(seconds)})
	})
	if msg != "" {
		t.Errorf("tokens refused: %s", msg)
	}
}

// TestClusterDefaultsAndOverrides: every prop that a Default* constant of
// package cluster fills takes that default when unset, and a value set
// lands in the template: the zones (and a NAT gateway per zone), the flow
// logs' retention, the root volume and the capacity provider's target.
func TestClusterDefaultsAndOverrides(t *testing.T) {
	jsiiTest(t)
	build := func(p cluster.Props) assertions.Template {
		// Three zones known to the app, as cdk.context.json records them.
		ctx := map[string]any{"availability-zones:account=123456789012:region=eu-west-1": []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}}
		stack := awscdk.NewStack(awscdk.NewApp(&awscdk.AppProps{Context: &ctx}), jsii.String("S"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
		})
		cluster.New(stack, "C", &p)
		return assertions.Template_FromStack(stack, nil)
	}
	cases := []struct {
		name                   string
		props                  cluster.Props
		zones, retentionDays   int
		volumeGiB, targetShare int
	}{
		{"defaults", cluster.Props{EC2: &cluster.EC2Capacity{}}, cluster.DefaultMaxAzs, 365, cluster.DefaultRootVolumeGiB, cluster.DefaultTargetCapacityPercent},
		{"overrides", cluster.Props{MaxAzs: 3, FlowLogRetention: awslogs.RetentionDays_TWO_YEARS,
			EC2: &cluster.EC2Capacity{RootVolumeGiB: 64, TargetCapacityPercent: 80}}, 3, 731, 64, 80},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := build(c.props)
			check(t, "zones", func() {
				tpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(2*c.zones))
				tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(c.zones))
			})
			check(t, "flow log retention", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": c.retentionDays})
			})
			check(t, "root volume", func() {
				tpl.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
					"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]any{"BlockDeviceMappings": []any{
						assertions.Match_ObjectLike(&map[string]any{"Ebs": assertions.Match_ObjectLike(&map[string]any{"VolumeSize": c.volumeGiB})}),
					}}),
				})
			})
			check(t, "target capacity", func() {
				tpl.HasResourceProperties(jsii.String("AWS::ECS::CapacityProvider"), map[string]any{
					"AutoScalingGroupProvider": assertions.Match_ObjectLike(&map[string]any{
						"ManagedScaling": assertions.Match_ObjectLike(&map[string]any{"TargetCapacity": c.targetShare}),
					}),
				})
			})
		})
	}
}

// TestPlatformDeletionProtectionDefault: a zero stacks.PlatformProps keeps
// the shared ALB's deletion protection on, as the alb construct and the
// app's Config do; jsii.Bool(false) turns it off.
func TestPlatformDeletionProtectionDefault(t *testing.T) {
	jsiiTest(t)
	for _, c := range []struct {
		set  *bool
		want string
	}{{nil, "true"}, {jsii.Bool(false), "false"}, {jsii.Bool(true), "true"}} {
		p := stacks.NewPlatform(awscdk.NewApp(nil), "P", &stacks.PlatformProps{DeletionProtection: c.set})
		if got := albAttribute(t, assertions.Template_FromStack(p.Stack, nil), "deletion_protection.enabled"); got != c.want {
			t.Errorf("DeletionProtection %v: deletion_protection.enabled %q, want %q", c.set, got, c.want)
		}
	}
	if got := albAttribute(t, assertions.Template_FromStack(stacks.NewPlatform(awscdk.NewApp(nil), "Zero", nil).Stack, nil), "deletion_protection.enabled"); got != "true" {
		t.Errorf("nil PlatformProps: deletion_protection.enabled %q, want true", got)
	}
}

// TestDefaultPropsInvalid holds one case per synth-time check of the props
// above: each must be rejected with a message that names the construct,
// the prop and the value.
func TestDefaultPropsInvalid(t *testing.T) {
	jsiiTest(t)
	lb := func(p alb.Props) func(awscdk.Stack) {
		return func(stack awscdk.Stack) { p.Vpc = newVpc(stack); alb.New(stack, "A", &p) }
	}
	https := func(p alb.Props) func(awscdk.Stack) { p.CertificateArn = testCertificateArn; return lb(p) }
	cl := func(p cluster.Props) func(awscdk.Stack) {
		return func(stack awscdk.Stack) { cluster.New(stack, "C", &p) }
	}
	withVpc := func(p cluster.Props) func(awscdk.Stack) {
		return func(stack awscdk.Stack) { p.Vpc = newVpc(stack); cluster.New(stack, "C", &p) }
	}
	// image is a service whose image is built with o: the service reports
	// the image's problems as its own.
	image := func(o microservice.ImageOptions) func(awscdk.Stack) {
		return func(stack awscdk.Stack) {
			c := cluster.New(stack, "C", nil)
			microservice.New(stack, "Svc", &microservice.Props{
				Platform: microservice.PlatformOf(c, alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})),
				Name:     "svc", Paths: []string{"/svc"},
				Image: microservice.ImageFromDirectoryWith(imageDir(t, nil), o),
			})
		}
	}
	cases := []struct {
		name  string
		build func(awscdk.Stack)
		want  []string
	}{
		{"alb HTTPPort out of range", lb(alb.Props{HTTPPort: 70000}), []string{`alb "A"`, "HTTPPort", "got 70000"}},
		{"alb HTTPSPort negative", https(alb.Props{HTTPSPort: -1}), []string{`alb "A"`, "HTTPSPort", "got -1"}},
		{"alb HTTPSPort without certificate", lb(alb.Props{HTTPSPort: 8443}), []string{`alb "A"`, "HTTPSPort", "without CertificateArn", "got 8443"}},
		{"alb HTTPSPort on HTTPPort", https(alb.Props{HTTPPort: 8080, HTTPSPort: 8080}), []string{`alb "A"`, "HTTPSPort", "HTTPPort (8080)", "got 8080"}},
		{"alb SSLPolicy without certificate", lb(alb.Props{SSLPolicy: elbv2.SslPolicy_TLS12}), []string{`alb "A"`, "SSLPolicy", "without CertificateArn", `"TLS12"`}},
		{"alb SSLPolicy unknown", https(alb.Props{SSLPolicy: elbv2.SslPolicy("TLS99")}), []string{`alb "A"`, "SSLPolicy", `"TLS99"`}},
		{"alb IdleTimeout too short", lb(alb.Props{IdleTimeout: awscdk.Duration_Seconds(jsii.Number(0))}), []string{`alb "A"`, "IdleTimeout", "0 seconds"}},
		{"alb IdleTimeout too long", lb(alb.Props{IdleTimeout: awscdk.Duration_Seconds(jsii.Number(4001))}), []string{`alb "A"`, "IdleTimeout", "4001 seconds"}},
		{"alb IdleTimeout not whole seconds", lb(alb.Props{IdleTimeout: awscdk.Duration_Millis(jsii.Number(1500))}), []string{`alb "A"`, "IdleTimeout", "got 1.5 seconds"}},
		{"alb NotFoundContentType", lb(alb.Props{NotFoundContentType: "application/xml"}), []string{`alb "A"`, "NotFoundContentType", `"application/xml"`, "text/plain"}},
		{"alb AccessLogsPrefix leading slash", lb(alb.Props{AccessLogsPrefix: "/logs"}), []string{`alb "A"`, "AccessLogsPrefix", `"/logs"`}},
		{"alb AccessLogsPrefix trailing slash", lb(alb.Props{AccessLogsPrefix: "logs/"}), []string{`alb "A"`, "AccessLogsPrefix", `"logs/"`}},
		{"alb AccessLogsPrefix with AWSLogs", lb(alb.Props{AccessLogsPrefix: "x/AWSLogs"}), []string{`alb "A"`, "AccessLogsPrefix", `"x/AWSLogs"`}},
		{"alb AccessLogsExpirationDays negative", lb(alb.Props{AccessLogsExpirationDays: -1}), []string{`alb "A"`, "AccessLogsExpirationDays", "got -1"}},
		{"alb AccessLogsExpirationDays with AccessLogsBucket", func(stack awscdk.Stack) {
			b := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("team-logs"))
			lb(alb.Props{AccessLogsBucket: b, AccessLogsExpirationDays: 30})(stack)
		}, []string{`alb "A"`, "AccessLogsExpirationDays", "AccessLogsBucket", "got 30"}},
		{"alb ServerAccessLogsPrefix with AccessLogsBucket", func(stack awscdk.Stack) {
			b := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("team-logs"))
			lb(alb.Props{AccessLogsBucket: b, ServerAccessLogsPrefix: "s3/"})(stack)
		}, []string{`alb "A"`, "ServerAccessLogsPrefix", "AccessLogsBucket", `"s3/"`}},

		{"cluster MaxAzs one", cl(cluster.Props{MaxAzs: 1}), []string{`cluster "C"`, "MaxAzs", "got 1"}},
		{"cluster MaxAzs with Vpc", withVpc(cluster.Props{MaxAzs: 3}), []string{`cluster "C"`, "MaxAzs", "Vpc", "got 3"}},
		{"cluster NatGateways above MaxAzs", cl(cluster.Props{MaxAzs: 3, NatGateways: 4}), []string{`cluster "C"`, "NatGateways", "from 1 to 3", "got 4"}},
		{"cluster FlowLogRetention unknown", cl(cluster.Props{FlowLogRetention: awslogs.RetentionDays("FOREVER_AND_A_DAY")}), []string{`cluster "C"`, "FlowLogRetention", `"FOREVER_AND_A_DAY"`}},
		{"cluster FlowLogRetention with Vpc", withVpc(cluster.Props{FlowLogRetention: awslogs.RetentionDays_ONE_WEEK}), []string{`cluster "C"`, "FlowLogRetention", "Vpc", `"ONE_WEEK"`}},
		{"cluster RootVolumeGiB below the AMI", cl(cluster.Props{EC2: &cluster.EC2Capacity{RootVolumeGiB: 20}}), []string{`cluster "C"`, "EC2.RootVolumeGiB", "got 20"}},
		{"cluster RootVolumeGiB above gp3", cl(cluster.Props{EC2: &cluster.EC2Capacity{RootVolumeGiB: 20000}}), []string{`cluster "C"`, "EC2.RootVolumeGiB", "got 20000"}},
		{"cluster TargetCapacityPercent above 100", cl(cluster.Props{EC2: &cluster.EC2Capacity{TargetCapacityPercent: 101}}), []string{`cluster "C"`, "EC2.TargetCapacityPercent", "got 101"}},
		{"cluster TargetCapacityPercent negative", cl(cluster.Props{EC2: &cluster.EC2Capacity{TargetCapacityPercent: -5}}), []string{`cluster "C"`, "EC2.TargetCapacityPercent", "got -5"}},

		{"microservice image Exclude empty pattern", image(microservice.ImageOptions{Exclude: []string{"node_modules", " "}}), []string{`microservice "Svc"`, "Image", "Exclude", `" "`}},
		{"microservice image BuildArgs name", image(microservice.ImageOptions{BuildArgs: map[string]string{"NODE-ENV": "production"}}), []string{`microservice "Svc"`, "Image", "BuildArgs", `"NODE-ENV"`}},
		{"microservice image BuildArgs token", func(stack awscdk.Stack) {
			v := awscdk.NewCfnParameter(stack, jsii.String("P"), nil).ValueAsString()
			image(microservice.ImageOptions{BuildArgs: map[string]string{"VERSION": *v}})(stack)
		}, []string{`microservice "Svc"`, "Image", "BuildArgs VERSION", "token"}},
		{"microservice image Target", image(microservice.ImageOptions{Target: "build stage"}), []string{`microservice "Svc"`, "Image", "Target", `"build stage"`}},
		{"microservice image Architecture", image(microservice.ImageOptions{Architecture: "riscv64"}), []string{`microservice "Svc"`, "Image", `"riscv64"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkMessage(t, problemOf(c.build), c.want)
		})
	}
	// The limits themselves are accepted.
	for name, build := range map[string]func(awscdk.Stack){
		"alb ports 1 and 65535":       https(alb.Props{HTTPPort: 1, HTTPSPort: 65535}),
		"alb IdleTimeout 1 and 4000":  lb(alb.Props{IdleTimeout: awscdk.Duration_Seconds(jsii.Number(alb.MaxIdleTimeoutSeconds))}),
		"cluster NatGateways MaxAzs":  cl(cluster.Props{MaxAzs: 3, NatGateways: 3}),
		"cluster RootVolumeGiB limit": cl(cluster.Props{EC2: &cluster.EC2Capacity{RootVolumeGiB: cluster.MaxRootVolumeGiB, TargetCapacityPercent: 1}}),
	} {
		if msg := problemOf(build); msg != "" {
			t.Errorf("%s refused: %s", name, msg)
		}
	}
}

// imageDir writes a Docker build context: a Dockerfile, app.js, and a
// node_modules whose one file holds modules (as npm install leaves it).
// With modules nil it has no node_modules, as before npm install.
func imageDir(t *testing.T, modules []byte) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{
		"Dockerfile": []byte("FROM public.ecr.aws/docker/library/node:20-slim\nARG NODE_ENV\nCOPY app.js .\nCMD [\"node\", \"app.js\"]\n"),
		"app.js":     []byte("require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)\n"),
	}
	if modules != nil {
		files[filepath.Join("node_modules", "left-pad", "index.js")] = modules
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// dockerAsset is one image of a stack's asset manifest.
type dockerAsset struct {
	Source struct {
		Directory         string
		DockerBuildArgs   map[string]string
		DockerBuildTarget string
		Platform          string
	}
}

// TestImageFromDirectoryWith: Exclude keeps what it matches out of the
// staged asset and out of its hash, so that whether npm install ran no
// longer changes the image; without it the directory goes in whole (what
// ImageFromDirectory still does); BuildArgs, Target and the architecture's
// platform reach the asset manifest.
func TestImageFromDirectoryWith(t *testing.T) {
	jsiiTest(t)
	// stage synthesizes a stack whose task runs the image of dir, and
	// returns its asset and the staged directory.
	stage := func(name, dir string, opts microservice.ImageOptions) (dockerAsset, string) {
		out := t.TempDir()
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
		stack := awscdk.NewStack(app, jsii.String(name), nil)
		task := awsecs.NewFargateTaskDefinition(stack, jsii.String("Task"), nil)
		task.AddContainer(jsii.String("App"), &awsecs.ContainerDefinitionOptions{Image: microservice.ImageFromDirectoryWith(dir, opts)})
		app.Synth(nil)
		b, err := os.ReadFile(filepath.Join(out, name+".assets.json"))
		if err != nil {
			t.Fatal(err)
		}
		var manifest struct{ DockerImages map[string]dockerAsset }
		if err := json.Unmarshal(b, &manifest); err != nil {
			t.Fatal(err)
		}
		if len(manifest.DockerImages) != 1 {
			t.Fatalf("%s: %d image assets, want 1", name, len(manifest.DockerImages))
		}
		for _, a := range manifest.DockerImages {
			return a, filepath.Join(out, a.Source.Directory)
		}
		panic("unreachable")
	}
	exists := func(dir, rel string) bool {
		_, err := os.Stat(filepath.Join(dir, rel))
		return err == nil
	}
	before, after := imageDir(t, nil), imageDir(t, []byte("module.exports = s => s\n"))
	exclude := microservice.ImageOptions{Exclude: []string{"node_modules"}}

	plain, plainDir := stage("Plain", after, microservice.ImageOptions{})
	if !exists(plainDir, "node_modules/left-pad/index.js") {
		t.Errorf("without Exclude the staged asset %s lacks node_modules: the directory goes in whole", plainDir)
	}
	excluded, excludedDir := stage("Excluded", after, exclude)
	if exists(excludedDir, "node_modules") || !exists(excludedDir, "app.js") || !exists(excludedDir, "Dockerfile") {
		t.Errorf("with Exclude node_modules the staged asset %s should hold app.js and the Dockerfile, and no node_modules", excludedDir)
	}
	if excluded.Source.Directory == plain.Source.Directory {
		t.Errorf("the asset hash did not change with Exclude: %s", plain.Source.Directory)
	}
	beforeInstall, _ := stage("BeforeInstall", before, exclude)
	if beforeInstall.Source.Directory != excluded.Source.Directory {
		t.Errorf("with Exclude node_modules, npm install changed the asset: %s before, %s after", beforeInstall.Source.Directory, excluded.Source.Directory)
	}

	built, _ := stage("Built", before, microservice.ImageOptions{
		Architecture: microservice.ARM64, BuildArgs: map[string]string{"NODE_ENV": "production"}, Target: "runtime",
	})
	if got := built.Source.DockerBuildArgs["NODE_ENV"]; got != "production" {
		t.Errorf("build arg NODE_ENV = %q, want production (%+v)", got, built.Source)
	}
	if built.Source.DockerBuildTarget != "runtime" || built.Source.Platform != "linux/arm64" {
		t.Errorf("target %q and platform %q, want runtime and linux/arm64", built.Source.DockerBuildTarget, built.Source.Platform)
	}
	if built.Source.Directory == beforeInstall.Source.Directory {
		t.Error("the build args left the asset hash unchanged")
	}
	legacy, _ := stage("Legacy", after, microservice.ImageOptions{})
	if legacy.Source.Platform != "linux/amd64" {
		t.Errorf("default platform %q, want linux/amd64", legacy.Source.Platform)
	}
}

// TestEnumListsMatchTheCDK: alb.SSLPolicies and cluster.LogRetentions,
// which the props are checked against, hold every value of the pinned
// CDK's elbv2.SslPolicy and awslogs.RetentionDays, and no other: a CDK
// upgrade that adds one fails here rather than refusing it in users' apps.
func TestEnumListsMatchTheCDK(t *testing.T) {
	parallel(t)
	for _, c := range []struct {
		pkg, file, typ string
		ours           []string
	}{
		{"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2", "SslPolicy.go", "SslPolicy", stringsOf(alb.SSLPolicies)},
		{"github.com/aws/aws-cdk-go/awscdk/v2/awslogs", "RetentionDays.go", "RetentionDays", stringsOf(cluster.LogRetentions)},
	} {
		out, err := exec.Command("go", "list", "-f", "{{.Dir}}", c.pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", c.pkg, err, stderrOf(err))
		}
		src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), c.file))
		if err != nil {
			t.Fatal(err)
		}
		var cdk []string
		for _, m := range regexp.MustCompile(c.typ+`_\w+ `+c.typ+` = "(\w+)"`).FindAllStringSubmatch(string(src), -1) {
			cdk = append(cdk, m[1])
		}
		slices.Sort(cdk)
		ours := slices.Sorted(slices.Values(c.ours))
		if len(cdk) == 0 || !slices.Equal(cdk, ours) {
			t.Errorf("%s: the CDK has %v, the constructs check against %v", c.typ, cdk, ours)
		}
	}
}

// stringsOf returns the values of a string enum as strings.
func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// TestServicePropsTakeTokens: the props of a service and of a migration
// whose values may be known only at deploy time (a stack parameter) are
// not checked at synth time, as aws-cdk-lib does: a path pattern, the
// health check's path, the user, the preview header and the dashboard's
// name.
func TestServicePropsTakeTokens(t *testing.T) {
	jsiiTest(t)
	msg := problemOf(func(stack awscdk.Stack) {
		text := func(id string) string { return *awscdk.NewCfnParameter(stack, jsii.String(id), nil).ValueAsString() }
		c := cluster.New(stack, "C", nil)
		img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
		migration.New(stack, "M", &migration.Props{
			Platform:      microservice.PlatformOf(c, alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})),
			Monolith:      microservice.Props{Name: "monolith", Paths: []string{"/api", "/api/*"}, Image: img},
			Services:      []microservice.Props{{Name: "users", Paths: []string{text("UsersPath")}, Image: img, User: text("User"), HealthCheck: microservice.HealthCheck{Path: text("HealthPath")}}},
			PreviewHeader: text("Header"),
			Dashboard:     migration.Dashboard{Name: text("Dashboard")},
		})
	})
	if msg != "" {
		t.Errorf("tokens refused: %s", msg)
	}
}
