package test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	synthrun "github.com/ecsplit/ecsplit/constructs/synth"
	"github.com/ecsplit/ecsplit/stacks"
)

// nagFindingRE matches the message of a cdk-nag finding, as the
// assertions' Match.stringLikeRegexp would (unanchored).
var nagFindingRE = regexp.MustCompile(`(AwsSolutions-|CdkNagValidationFailure).*`)

// nagFindings returns the unsuppressed AwsSolutions findings of a stack at
// one level ("Error" or "Warning"), as "PATH: MESSAGE", from the messages
// of its synthesized assembly. (assertions.Annotations_FromStack would
// find the same messages, but it synthesizes the whole app again, rewriting
// the assembly that parallel tests read, four times per context.)
func nagFindings(assembly cxapi.CloudAssembly, stack awscdk.Stack, level string) []string {
	want := cxapi.SynthesisMessageLevel_WARNING
	if level == "Error" {
		want = cxapi.SynthesisMessageLevel_ERROR
	}
	var out []string
	for _, m := range *assembly.GetStackArtifact(stack.ArtifactId()).Messages() {
		if data, ok := m.Entry.Data.(string); ok && m.Level == want && nagFindingRE.MatchString(data) {
			out = append(out, fmt.Sprintf("%s: %v", *m.Id, data))
		}
	}
	return out
}

// TestNagClean: zero unsuppressed AwsSolutions errors and warnings in both
// stacks, for both stages, every migration state and both capacity modes.
func TestNagClean(t *testing.T) {
	jsiiTest(t)
	for _, ctx := range allStates {
		t.Run(name(ctx), func(t *testing.T) {
			s := synth(t, ctx)
			for _, stack := range []awscdk.Stack{s.App.Platform.Stack, s.App.Services.Stack} {
				for _, level := range []string{"Error", "Warning"} {
					for _, f := range nagFindings(s.Assembly, stack, level) {
						t.Errorf("%s %s: %s", *stack.StackName(), level, f)
					}
				}
			}
			if errs := synthrun.Of(s.Assembly); len(errs) > 0 {
				t.Errorf("error annotations: %v", errs)
			}
		})
	}
}

// TestNagSuppressionsHaveReasons: every suppression in the templates names
// one rule and gives a reason a reviewer can read.
func TestNagSuppressionsHaveReasons(t *testing.T) {
	parallel(t)
	for _, ctx := range stagesAndCapacities {
		s := synth(t, ctx)
		for _, stackName := range []string{stacks.PlatformStackName, stacks.ServicesStackName} {
			for id, r := range s.TemplateMap(t, stackName)["Resources"].(map[string]any) {
				md, _ := r.(map[string]any)["Metadata"].(map[string]any)
				nag, _ := md["cdk_nag"].(map[string]any)
				rules, _ := nag["rules_to_suppress"].([]any)
				for _, rule := range rules {
					rm := rule.(map[string]any)
					if reason, _ := rm["reason"].(string); len(reason) < 60 {
						t.Errorf("%s %s: suppression of %v has no real reason: %q", stackName, id, rm["id"], reason)
					}
				}
			}
		}
	}
}

// TestNagCatchesFindings proves the harness: an ALB security group open to
// the internet on every port, in a stack without ecsplit's suppressions, is
// an unsuppressed error; and nag=false turns the checks off (in
// stacks.Configure, which stacks.Build calls).
func TestNagCatchesFindings(t *testing.T) {
	jsiiTest(t)
	for _, nagOff := range []bool{false, true} {
		ctx := map[string]any{}
		if nagOff {
			ctx[stacks.NagKey] = "false"
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
		if _, err := stacks.Configure(app); err != nil {
			t.Fatal(err)
		}
		stack := awscdk.NewStack(app, jsii.String("Planted"), nil)
		vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
		sg := awsec2.NewSecurityGroup(stack, jsii.String("Open"), &awsec2.SecurityGroupProps{Vpc: vpc})
		sg.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_AllTcp(), jsii.String("planted"), nil)
		assembly := app.Synth(nil)
		errs := strings.Join(nagFindings(assembly, stack, "Error"), "\n")
		if got := strings.Contains(errs, "AwsSolutions-EC23"); got == nagOff {
			t.Errorf("nag off=%v: EC23 reported=%v, errors:\n%s", nagOff, got, errs)
		}
		if got := len(synthrun.Of(assembly)) > 0; got == nagOff {
			t.Errorf("nag off=%v: synthrun.Of non-empty=%v", nagOff, got)
		}
	}
}

// TestSecurityControls asserts the controls of docs/security.md that no
// rule pack checks as such.
func TestSecurityControls(t *testing.T) {
	jsiiTest(t)
	for _, ctx := range stagesAndCapacities {
		t.Run(name(ctx), func(t *testing.T) {
			s := synth(t, ctx)
			check(t, "access logs bucket", func() {
				s.Platform.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
						"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
					}}},
					"PublicAccessBlockConfiguration": map[string]any{
						"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
					},
					"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{"ExpirationInDays": 365, "Status": "Enabled"}),
					})},
				})
				s.Platform.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
					"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Effect":    "Deny",
							"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
						}),
					})}),
				})
				// Both log writers AWS documents: the service principal
				// (newer Regions) and the Region's ELB account (older ones,
				// looked up at deploy time), on the log prefix only.
				s.Platform.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
					"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Sid":       "ElbAccessLogs",
							"Principal": map[string]any{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
							"Action":    "s3:PutObject",
						}),
						assertions.Match_ObjectLike(&map[string]any{
							"Sid": "ElbAccessLogsLegacyRegions",
							"Principal": map[string]any{"AWS": map[string]any{"Fn::If": assertions.Match_ArrayWith(&[]any{
								map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
									map[string]any{"Fn::FindInMap": assertions.Match_ArrayWith(&[]any{map[string]any{"Ref": "AWS::Region"}, "account"})},
								})}},
							})}},
							"Action": "s3:PutObject",
						}),
					})}),
				})
				s.Platform.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
					"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{
						map[string]any{"Key": "deletion_protection.enabled", "Value": "true"},
						map[string]any{"Key": "access_logs.s3.enabled", "Value": "true"},
					}),
				})
			})
			check(t, "VPC flow logs", func() {
				s.Platform.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{
					"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
				})
			})
			check(t, "flow log role assumed for this account's flow logs only (confused deputy)", func() {
				s.Platform.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
					"AssumeRolePolicyDocument": map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
						"Principal": map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
						"Condition": map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
							"ArnLike": map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
								"arn:", map[string]any{"Ref": "AWS::Partition"}, ":ec2:", map[string]any{"Ref": "AWS::Region"},
								":", map[string]any{"Ref": "AWS::AccountId"}, ":vpc-flow-log/*"}}}},
						},
					})}},
				})
			})
			check(t, "ALB open on its listener port only, out to the services' port in the VPC only", func() {
				s.Platform.HasResourceProperties(jsii.String(typeSG), map[string]any{
					"GroupDescription":     alb.SecurityGroupDescription,
					"SecurityGroupIngress": []any{assertions.Match_ObjectLike(&map[string]any{"CidrIp": "0.0.0.0/0", "FromPort": 80, "ToPort": 80})},
					"SecurityGroupEgress": []any{assertions.Match_ObjectLike(&map[string]any{
						"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
						"CidrIp": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("ClusterVpc")), "CidrBlock"}},
					})},
				})
			})
			check(t, "access logs bucket logs its S3 server access to its own log bucket, which logs nowhere", func() {
				s.Platform.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"LoggingConfiguration": map[string]any{
						"DestinationBucketName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("SharedAlbServerAccessLogs"))},
						"LogFilePrefix":         alb.DefaultServerAccessLogsPrefix,
					},
				})
				s.Platform.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
			})
			check(t, "encrypted year-long logs", func() {
				for _, tpl := range []assertions.Template{s.Platform, s.Services} {
					tpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
						"KmsKeyId": assertions.Match_AnyValue(), "RetentionInDays": 365,
					})
				}
				s.Services.AllResourcesProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
			})
			check(t, "containers", func() {
				s.Services.AllResourcesProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
					"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
						"User":                   "65532",
						"ReadonlyRootFilesystem": true,
						"Privileged":             false,
						"Memory":                 assertions.Match_AnyValue(),
						"LinuxParameters":        map[string]any{"Capabilities": map[string]any{"Drop": []any{"ALL"}}},
					})},
				})
			})
			tpl := s.TemplateMap(t, stacks.ServicesStackName)
			for _, role := range resourcesOfType(tpl, "AWS::IAM::Role") {
				if p := role["Properties"].(map[string]any)["Policies"]; p != nil {
					t.Errorf("role with inline policies %v", p)
				}
			}
			// Only execution roles have policies: task roles have none.
			for _, pol := range resourcesOfType(tpl, "AWS::IAM::Policy") {
				roles := fmt.Sprint(pol["Properties"].(map[string]any)["Roles"])
				if !strings.Contains(roles, "ExecutionRole") {
					t.Errorf("policy on a role other than an execution role: %s", roles)
				}
				for _, st := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					st := st.(map[string]any)
					actions := fmt.Sprint(st["Action"])
					if strings.Contains(actions, "*") {
						t.Errorf("wildcard action %s", actions)
					}
					if st["Resource"] == "*" && actions != "ecr:GetAuthorizationToken" {
						t.Errorf("actions %s on Resource *", actions)
					}
				}
			}
			if ctx["capacity"] == "ec2" {
				check(t, "EC2 capacity", func() {
					s.Platform.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
						"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]any{
							"MetadataOptions": map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
							"Monitoring":      map[string]any{"Enabled": true},
							"BlockDeviceMappings": []any{assertions.Match_ObjectLike(&map[string]any{
								"Ebs": assertions.Match_ObjectLike(&map[string]any{"Encrypted": true}),
							})},
						}),
					})
					s.Platform.HasResourceProperties(jsii.String(typeSG), map[string]any{
						"GroupDescription":     assertions.Match_StringLikeRegexp(jsii.String("container instances")),
						"SecurityGroupIngress": assertions.Match_Absent(),
					})
				})
			}
		})
	}
}

// TestSessionManager: EC2.SessionManager gives the instance role AWS's
// managed policy for Systems Manager, and the cluster stays cdk-nag clean
// (the one accepted finding, IAM4, is suppressed with its reason).
func TestSessionManager(t *testing.T) {
	jsiiTest(t)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{}, Outdir: jsii.String(t.TempDir())})
	stacks.AddNagChecks(app)
	stack := awscdk.NewStack(app, jsii.String("Ssm"), nil)
	cluster.New(stack, "Cluster", &cluster.Props{EC2: &cluster.EC2Capacity{SessionManager: true}})
	assembly := app.Synth(nil)
	check(t, "managed policy", func() {
		assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"ManagedPolicyArns": []any{map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{":iam::aws:policy/" + cluster.SessionManagerPolicy})}}},
		})
	})
	for _, level := range []string{"Error", "Warning"} {
		for _, f := range nagFindings(assembly, stack, level) {
			t.Errorf("%s: %s", level, f)
		}
	}
}

// TestVpcEndpoints: with VpcEndpoints the new VPC gets S3's gateway
// endpoint and interface endpoints for ECR, ECR's registry, CloudWatch Logs
// and, with EC2 capacity, the ECS agent's three, in the private subnets;
// and stays cdk-nag clean.
func TestVpcEndpoints(t *testing.T) {
	jsiiTest(t)
	for _, ec2 := range []bool{false, true} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{}, Outdir: jsii.String(t.TempDir())})
		stacks.AddNagChecks(app)
		stack := awscdk.NewStack(app, jsii.String("Endpoints"), nil)
		props := &cluster.Props{VpcEndpoints: true}
		if ec2 {
			props.EC2 = &cluster.EC2Capacity{}
		}
		cluster.New(stack, "Cluster", props)
		assembly := app.Synth(nil)
		tpl := assertions.Template_FromStack(stack, nil)
		interfaces := 3.0
		if ec2 {
			interfaces = 6
		}
		check(t, "endpoints", func() {
			tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{"VpcEndpointType": "Interface", "PrivateDnsEnabled": true}, jsii.Number(interfaces))
			tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{"VpcEndpointType": "Gateway"}, jsii.Number(1))
		})
		for _, level := range []string{"Error", "Warning"} {
			for _, f := range nagFindings(assembly, stack, level) {
				t.Errorf("ec2=%v %s: %s", ec2, level, f)
			}
		}
	}
}
