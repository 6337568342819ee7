package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/stacks"
)

const (
	typeService      = "AWS::ECS::Service"
	typeTargetGroup  = "AWS::ElasticLoadBalancingV2::TargetGroup"
	typeListenerRule = "AWS::ElasticLoadBalancingV2::ListenerRule"
	typeIngress      = "AWS::EC2::SecurityGroupIngress"
	typeSG           = "AWS::EC2::SecurityGroup"
)

func name(ctx map[string]string) string {
	n := ctx["stage"] + "/" + ctx["capacity"]
	if ctx[stacks.CertificateKey] != "" {
		n += "/https"
	}
	return n
}

// TestServiceCounts: one service and pair of rules in the monolith stage,
// three in the split stage; a target group per service, and the
// monolith's for the paths of the services it shares.
func TestServiceCounts(t *testing.T) {
	jsiiTest(t)
	for _, ctx := range stagesAndCapacities {
		t.Run(name(ctx), func(t *testing.T) {
			s := synth(t, ctx)
			want := 1.0
			if ctx["stage"] == "split" {
				want = 3
			}
			for _, typ := range []string{typeService, "AWS::ECS::TaskDefinition", "AWS::Logs::LogGroup"} {
				check(t, typ, func() { s.Services.ResourceCountIs(jsii.String(typ), jsii.Number(want)) })
			}
			// The monolith has a target group of its own for the paths of
			// each service that may be below 100 % (migration.MaxWeightedServices).
			groups := want
			if ctx["stage"] != "split" {
				groups += float64(min(len(stacks.ForumServices), migration.MaxWeightedServices))
			}
			check(t, typeTargetGroup, func() { s.Services.ResourceCountIs(jsii.String(typeTargetGroup), jsii.Number(groups)) })
			// A routing rule and a preview rule per service.
			check(t, typeListenerRule, func() { s.Services.ResourceCountIs(jsii.String(typeListenerRule), jsii.Number(2*want)) })
			check(t, "platform has no service", func() { s.Platform.ResourceCountIs(jsii.String(typeService), jsii.Number(0)) })
		})
	}
}

// TestListenerRules: each service's rule holds its own path patterns, and
// priorities are distinct and within the ALB's range.
func TestListenerRules(t *testing.T) {
	parallel(t)
	want := map[string]map[string][]string{
		"monolith": {"monolith": {"/api", "/api/*"}},
		"split": {
			"users":   {"/api/users", "/api/users/*"},
			"threads": {"/api/threads", "/api/threads/*"},
			"posts":   {"/api/posts", "/api/posts/*"},
		},
	}
	for _, ctx := range stagesAndCapacities {
		t.Run(name(ctx), func(t *testing.T) {
			got := map[string]routedRule{} // by the service it forwards to
			for _, r := range routedRules(t, synth(t, ctx)) {
				if len(r.Weights) != 1 {
					t.Errorf("rule %v: want a plain forward, got weights %v", r.Paths, r.Weights)
				}
				for svc := range r.Weights {
					got[svc] = r
				}
			}
			if len(got) != len(want[ctx["stage"]]) {
				t.Fatalf("rules for services %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want[ctx["stage"]])))
			}
			seen := map[int]string{}
			for svc, paths := range want[ctx["stage"]] {
				r := got[svc]
				if fmt.Sprint(r.Paths) != fmt.Sprint(paths) {
					t.Errorf("%s: paths %v, want %v", svc, r.Paths, paths)
				}
				if r.Priority < 2 || r.Priority > 50000 {
					t.Errorf("%s: priority %d outside 2-50000", svc, r.Priority)
				}
				if other, dup := seen[r.Priority]; dup {
					t.Errorf("%s and %s share priority %d", svc, other, r.Priority)
				}
				seen[r.Priority] = svc
			}
		})
	}
}

// TestTargetGroupsAndServices: health checks tuned for fast, safe rollouts
// and services that roll back a failed deployment.
func TestTargetGroupsAndServices(t *testing.T) {
	jsiiTest(t)
	for _, ctx := range stagesAndCapacities {
		t.Run(name(ctx), func(t *testing.T) {
			s := synth(t, ctx)
			check(t, "target group health check", func() {
				s.Services.AllResourcesProperties(jsii.String(typeTargetGroup), map[string]any{
					"HealthCheckPath":            "/healthz",
					"HealthCheckIntervalSeconds": 5,
					"HealthCheckTimeoutSeconds":  3,
					"HealthyThresholdCount":      2,
					"UnhealthyThresholdCount":    3,
					"Matcher":                    map[string]any{"HttpCode": "200"},
					"TargetType":                 "ip",
					"Port":                       8080,
					"TargetGroupAttributes": assertions.Match_ArrayWith(&[]any{
						map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "15"},
					}),
				})
			})
			check(t, "service deployment", func() {
				s.Services.AllResourcesProperties(jsii.String(typeService), map[string]any{
					"DeploymentConfiguration": assertions.Match_ObjectLike(&map[string]any{
						"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
						"MinimumHealthyPercent":    100,
						"MaximumPercent":           200,
					}),
					"HealthCheckGracePeriodSeconds": 30,
				})
			})
			if ctx["capacity"] == "fargate" {
				check(t, "fargate", func() {
					s.Services.AllResourcesProperties(jsii.String(typeService), map[string]any{
						"LaunchType":           "FARGATE",
						"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": assertions.Match_ObjectLike(&map[string]any{"AssignPublicIp": "DISABLED"})},
					})
				})
			} else {
				check(t, "ec2 capacity provider", func() {
					s.Services.AllResourcesProperties(jsii.String(typeService), map[string]any{
						"LaunchType":               assertions.Match_Absent(),
						"NetworkConfiguration":     map[string]any{"AwsvpcConfiguration": assertions.Match_ObjectLike(&map[string]any{"AssignPublicIp": "DISABLED"})},
						"CapacityProviderStrategy": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Weight": 1})}),
					})
					s.Services.AllResourcesProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
						"NetworkMode":             "awsvpc",
						"RequiresCompatibilities": []any{"EC2"},
					})
				})
			}
			check(t, "container", func() {
				s.Services.AllResourcesProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
					"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
						"PortMappings":           []any{map[string]any{"ContainerPort": 8080, "Protocol": "tcp"}},
						"Environment":            assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "PORT", "Value": "8080"}}),
						"ReadonlyRootFilesystem": true,
						"StopTimeout":            20,
						"LogConfiguration":       assertions.Match_ObjectLike(&map[string]any{"LogDriver": "awslogs"}),
					})},
				})
				s.Services.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 365})
			})
		})
	}
}

// TestSecurityGroupsOnlyFromALB: the tasks accept traffic from the ALB's
// security group on the container port and nothing else.
func TestSecurityGroupsOnlyFromALB(t *testing.T) {
	jsiiTest(t)
	for _, ctx := range stagesAndCapacities {
		t.Run(name(ctx), func(t *testing.T) {
			s := synth(t, ctx)
			tpl := s.TemplateMap(t, "EcsplitServices")
			for _, sg := range resourcesOfType(tpl, typeSG) {
				if in := sg["Properties"].(map[string]any)["SecurityGroupIngress"]; in != nil {
					t.Errorf("service security group has inline ingress %v", in)
				}
			}
			ingress := resourcesOfType(tpl, typeIngress)
			services := len(resourcesOfType(tpl, typeService))
			if len(ingress) != services {
				t.Errorf("%d ingress rules for %d services, want one each", len(ingress), services)
			}
			check(t, "ingress from the ALB security group only", func() {
				s.Services.AllResourcesProperties(jsii.String(typeIngress), map[string]any{
					"IpProtocol": "tcp",
					"FromPort":   8080,
					"ToPort":     8080,
					"CidrIp":     assertions.Match_Absent(),
					"SourceSecurityGroupId": map[string]any{
						"Fn::ImportValue": assertions.Match_StringLikeRegexp(jsii.String("SharedAlbSecurityGroup")),
					},
				})
			})
		})
	}
}

// TestPlatformIdenticalAcrossStages: moving monolith -> split never changes
// the platform stack, so the ALB and its DNS name stay.
func TestPlatformIdenticalAcrossStages(t *testing.T) {
	jsiiTest(t)
	for _, capacity := range []string{"fargate", "ec2"} {
		t.Run(capacity, func(t *testing.T) {
			mono := synth(t, map[string]string{"stage": "monolith", "capacity": capacity})
			split := synth(t, map[string]string{"stage": "split", "capacity": capacity})
			a, b := mono.TemplateJSON(t, "EcsplitPlatform"), split.TemplateJSON(t, "EcsplitPlatform")
			if !bytes.Equal(a, b) {
				t.Errorf("platform template differs between monolith and split (%d vs %d bytes)", len(a), len(b))
			}
			check(t, "DNS name output", func() {
				mono.Platform.HasOutput(jsii.String("*"), map[string]any{
					"Value": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("SharedAlbLoadBalancer")), "DNSName"}},
				})
			})
		})
	}
}

// TestLoadBalancer: the listener's default action is the fixed JSON 404,
// and invalid header fields are dropped.
func TestLoadBalancer(t *testing.T) {
	jsiiTest(t)
	s := synth(t, map[string]string{"stage": "monolith", "capacity": "fargate"})
	check(t, "listener", func() {
		s.Platform.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
			"Port":     80,
			"Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{
				"Type": "fixed-response",
				"FixedResponseConfig": map[string]any{
					"StatusCode":  "404",
					"ContentType": "application/json",
					"MessageBody": `{"error":"not_found","message":"no route matches this path"}`,
				},
			}},
		})
	})
	check(t, "load balancer", func() {
		s.Platform.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
			"Scheme": "internet-facing",
			"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
			}),
		})
	})
}

// TestEC2Capacity: EC2 capacity comes from a launch template requiring
// IMDSv2, never a LaunchConfiguration, registered as a capacity provider.
func TestEC2Capacity(t *testing.T) {
	jsiiTest(t)
	s := synth(t, map[string]string{"stage": "monolith", "capacity": "ec2"})
	check(t, "no launch configuration", func() {
		s.Platform.ResourceCountIs(jsii.String("AWS::AutoScaling::LaunchConfiguration"), jsii.Number(0))
	})
	check(t, "launch template", func() {
		s.Platform.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
			"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]any{
				"MetadataOptions": assertions.Match_ObjectLike(&map[string]any{"HttpTokens": "required"}),
				"InstanceType":    "c6a.large",
				"BlockDeviceMappings": []any{assertions.Match_ObjectLike(&map[string]any{
					"Ebs": assertions.Match_ObjectLike(&map[string]any{"Encrypted": true}),
				})},
			}),
		})
		s.Platform.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
			"MinSize":              "1",
			"MaxSize":              "40",
			"MixedInstancesPolicy": assertions.Match_ObjectLike(&map[string]any{}),
		})
		s.Platform.ResourceCountIs(jsii.String("AWS::ECS::CapacityProvider"), jsii.Number(1))
	})
	check(t, "capacity provider: named, deletable, drained", func() {
		s.Platform.HasResourceProperties(jsii.String("AWS::ECS::CapacityProvider"), map[string]any{
			"Name": assertions.Match_StringLikeRegexp(jsii.String("^cp-EcsplitPlatform-Cluster-")),
			"AutoScalingGroupProvider": assertions.Match_ObjectLike(&map[string]any{
				"ManagedTerminationProtection": "DISABLED",
				"ManagedDraining":              "ENABLED",
			}),
		})
		s.Platform.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
			"NewInstancesProtectedFromScaleIn": assertions.Match_Absent(),
		})
	})
	// On EC2 the task definition has no size: the container reserves the
	// service's CPU units, which placement and the CPU target count against.
	for _, td := range resourcesOfType(s.TemplateMap(t, "EcsplitServices"), "AWS::ECS::TaskDefinition") {
		props := td["Properties"].(map[string]any)
		for _, c := range props["ContainerDefinitions"].([]any) {
			if cpu := c.(map[string]any)["Cpu"]; cpu != float64(microservice.DefaultCPU) {
				t.Errorf("EC2 container %v reserves Cpu %v, want the service's CPU %d", c.(map[string]any)["Name"], cpu, microservice.DefaultCPU)
			}
		}
	}
	// The instance role has the ECS agent's permissions on this cluster and
	// nothing else: no CloudWatch Logs (tasks log through their execution
	// roles), no Systems Manager unless asked.
	tpl := s.TemplateMap(t, "EcsplitPlatform")
	var actions []string
	for _, pol := range resourcesOfType(tpl, "AWS::IAM::Policy") {
		if !strings.Contains(fmt.Sprint(pol["Properties"].(map[string]any)["Roles"]), "InstanceRole") {
			continue
		}
		for _, st := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			for _, a := range st.(map[string]any)["Action"].([]any) {
				actions = append(actions, a.(string))
			}
		}
	}
	slices.Sort(actions)
	want := []string{"ecr:GetAuthorizationToken", "ecs:DeregisterContainerInstance", "ecs:DiscoverPollEndpoint", "ecs:Poll",
		"ecs:RegisterContainerInstance", "ecs:StartTelemetrySession", "ecs:SubmitAttachmentStateChanges",
		"ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange"}
	if !slices.Equal(actions, want) {
		t.Errorf("instance role actions %v, want %v", actions, want)
	}
	for _, role := range resourcesOfType(tpl, "AWS::IAM::Role") {
		p := role["Properties"].(map[string]any)
		if strings.Contains(fmt.Sprint(p["AssumeRolePolicyDocument"]), "ec2.amazonaws.com") && p["ManagedPolicyArns"] != nil {
			t.Errorf("the instance role has managed policies %v", p["ManagedPolicyArns"])
		}
	}
	f := synth(t, map[string]string{"stage": "monolith", "capacity": "fargate"})
	check(t, "fargate has no EC2 capacity", func() {
		f.Platform.ResourceCountIs(jsii.String("AWS::AutoScaling::AutoScalingGroup"), jsii.Number(0))
		f.Platform.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enabled"}},
		})
	})
}

// TestImageAssetsHoldTheirDockerfiles: `cdk deploy` runs docker build with
// each image asset's Dockerfile inside the asset's copy of services/, so
// the copy must hold it (a .dockerignore once excluded them) along with
// build.sh, which every Dockerfile runs.
func TestImageAssetsHoldTheirDockerfiles(t *testing.T) {
	parallel(t)
	for _, ctx := range stagesAndCapacities {
		s := synth(t, ctx)
		b, err := os.ReadFile(filepath.Join(s.Dir, "EcsplitServices.assets.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			DockerImages map[string]struct {
				Source struct{ Directory, DockerFile string }
			}
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		want := 1
		if ctx["stage"] == "split" {
			want = 3
		}
		if len(m.DockerImages) != want {
			t.Errorf("%s: %d image assets, want %d", name(ctx), len(m.DockerImages), want)
		}
		for hash, img := range m.DockerImages {
			for _, f := range []string{img.Source.DockerFile, "build.sh", "go.mod"} {
				if _, err := os.Stat(filepath.Join(s.Dir, img.Source.Directory, f)); err != nil {
					t.Errorf("%s: image asset %s lacks %s: %v", name(ctx), hash, f, err)
				}
			}
		}
	}
}

// TestSplitRoutingFromTemplate evaluates the synthesized listener rules the
// way the ALB does (package albemu reads them from the template, not from
// our routing table): each request reaches the service that owns it, and
// what no service owns gets the listener's 404.
func TestSplitRoutingFromTemplate(t *testing.T) {
	parallel(t)
	tests := []struct{ path, monolith, split string }{
		{"/api/users/42", "monolith", "users"},
		{"/api/users", "monolith", "users"},
		{"/api/threads", "monolith", "threads"},
		{"/api/threads/7?sort=new", "monolith", "threads"},
		{"/api/posts/by-user/1", "monolith", "posts"},
		{"/api/posts/in-thread/3", "monolith", "posts"},
		{"/api", "monolith", "404"},
		{"/api/unknown", "monolith", "404"},
		{"/api/usersx", "monolith", "404"},
		{"/API/users", "404", "404"},
		{"/", "404", "404"},
		{"/healthz", "404", "404"},
	}
	for _, capacity := range []string{"fargate", "ec2"} {
		for _, stage := range []string{"monolith", "split"} {
			a := loadRouting(t, synth(t, map[string]string{"stage": stage, "capacity": capacity}).Dir)
			router := albemu.NewRouter(a.Listener, nil, 1)
			for _, tt := range tests {
				want := tt.monolith
				if stage == "split" {
					want = tt.split
				}
				got := "404"
				if r := router.Match(httptest.NewRequest("GET", tt.path, nil)); r != nil {
					got = routedService(t, a, r.Action)
				} else if a.Listener.Default.FixedResponse == nil || a.Listener.Default.FixedResponse.StatusCode != 404 {
					t.Fatalf("default action %v is not the fixed 404", a.Listener.Default)
				}
				if got != want {
					t.Errorf("%s/%s: GET %s goes to %s, want %s", stage, capacity, tt.path, got, want)
				}
			}
		}
	}
}

// routedService names the container a plain forward action sends to.
func routedService(t *testing.T, a *albemu.Assembly, action albemu.Action) string {
	t.Helper()
	if action.Forward == nil || len(action.Forward.TargetGroups) != 1 {
		t.Fatalf("action %v is not a plain forward", action)
	}
	return targetName(t, a, action.Forward.TargetGroups[0].TargetGroup)
}

// TestHTTPS: with a certificate, the ALB serves HTTPS on 443 with a modern
// TLS policy, port 80 redirects to it, and the services' rules attach to the
// HTTPS listener.
func TestHTTPS(t *testing.T) {
	jsiiTest(t)
	s := synth(t, map[string]string{"stage": "split", "capacity": "fargate",
		"certificateArn": testCertificateArn})
	check(t, "HTTPS listener", func() {
		s.Platform.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
			"Port":         443,
			"Protocol":     "HTTPS",
			"SslPolicy":    "ELBSecurityPolicy-TLS13-1-2-2021-06",
			"Certificates": []any{map[string]any{"CertificateArn": testCertificateArn}},
			"DefaultActions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Type": "fixed-response",
			})},
		})
	})
	check(t, "HTTP redirects", func() {
		s.Platform.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
			"Port": 80,
			"DefaultActions": []any{map[string]any{
				"Type":           "redirect",
				"RedirectConfig": assertions.Match_ObjectLike(&map[string]any{"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}),
			}},
		})
	})
	check(t, "rules on the HTTPS listener", func() {
		s.Services.AllResourcesProperties(jsii.String(typeListenerRule), map[string]any{
			"ListenerArn": map[string]any{"Fn::ImportValue": assertions.Match_StringLikeRegexp(jsii.String("SharedAlbLoadBalancerHTTPS"))},
		})
	})
	check(t, "ALB open on 80 and 443 only", func() {
		s.Platform.HasResourceProperties(jsii.String(typeSG), map[string]any{
			"SecurityGroupIngress": []any{
				assertions.Match_ObjectLike(&map[string]any{"CidrIp": "0.0.0.0/0", "FromPort": 80, "ToPort": 80}),
				assertions.Match_ObjectLike(&map[string]any{"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443}),
			},
		})
	})
}
