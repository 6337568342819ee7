package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/stacks"
)

// panicMessage runs f and returns what it panicked with, "" if it did not.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// fixture is a fresh stack with a cluster and a shared ALB.
type fixture struct {
	stack awscdk.Stack
	c     *cluster.Cluster
	lb    *alb.LoadBalancer
}

func newFixture() fixture {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Validation"), nil)
	c := cluster.New(stack, "Cluster", nil)
	return fixture{stack: stack, c: c, lb: alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})}
}

// service creates a valid microservice changed by edit.
func (f fixture) service(edit func(*microservice.Props)) {
	p := &microservice.Props{
		Cluster:  f.c.Cluster,
		Listener: f.lb.Listener(),
		Name:     "users",
		Paths:    []string{"/api/users", "/api/users/*"},
		Image:    awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil),
	}
	edit(p)
	microservice.New(f.stack, "Svc", p)
}

// TestInvalidInput holds one case per synth-time check of a construct prop
// or a context value: each must be rejected with a message that names the
// construct, the prop and the value.
func TestInvalidInput(t *testing.T) {
	ms := func(edit func(*microservice.Props)) func() { return func() { newFixture().service(edit) } }
	// shared edits the Share of a service that splits its paths with
	// another target group.
	shared := func(edit func(*microservice.Share)) func() {
		return func() {
			f := newFixture()
			other := elbv2.NewApplicationTargetGroup(f.stack, jsii.String("Other"), &elbv2.ApplicationTargetGroupProps{
				Vpc: f.c.Vpc, Port: jsii.Number(8080), TargetType: elbv2.TargetType_IP,
			})
			f.service(func(p *microservice.Props) {
				p.Share = &microservice.Share{Percent: 10, Other: other}
				edit(p.Share)
			})
		}
	}
	cases := []struct {
		name string
		run  func()
		want []string // substrings of the message: construct, prop, value
	}{
		// cluster
		{"cluster NatGateways with Vpc", func() {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
			cluster.New(stack, "C", &cluster.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), NatGateways: 2})
		}, []string{`cluster "C"`, "NatGateways", "got 2"}},
		{"cluster NatGateways too many", func() {
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{NatGateways: 3})
		}, []string{`cluster "C"`, "NatGateways", "got 3"}},
		{"cluster InstanceType malformed", func() {
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{InstanceType: "c6alarge"}})
		}, []string{`cluster "C"`, "EC2.InstanceType", `"c6alarge"`}},
		{"cluster AlternativeInstanceTypes repeats InstanceType", func() {
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{InstanceType: "m6i.large", AlternativeInstanceTypes: []string{"m6i.large"}}})
		}, []string{`cluster "C"`, "EC2.AlternativeInstanceTypes", `"m6i.large"`}},
		{"cluster MinCapacity negative", func() {
			n := -1
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{MinCapacity: &n}})
		}, []string{`cluster "C"`, "EC2.MinCapacity", "got -1"}},
		{"cluster MaxCapacity below MinCapacity", func() {
			n := 3
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{MinCapacity: &n, MaxCapacity: 2}})
		}, []string{`cluster "C"`, "EC2.MaxCapacity", "got 2"}},
		{"cluster CapacityProviderName reserved prefix in another case", func() {
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{CapacityProviderName: "EcsplitCapacity"}})
		}, []string{`cluster "C"`, "EC2.CapacityProviderName", `"EcsplitCapacity"`, `"ecs"`}},
		{"cluster CapacityProviderName characters", func() {
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{CapacityProviderName: "my capacity"}})
		}, []string{`cluster "C"`, "EC2.CapacityProviderName", `"my capacity"`}},
		{"cluster TasksPerInstance negative", func() {
			cluster.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{TasksPerInstance: -1}})
		}, []string{`cluster "C"`, "EC2.TasksPerInstance", "got -1"}},
		{"cluster EC2 task slots below the services' need", func() {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			c := cluster.New(stack, "C", &cluster.Props{EC2: &cluster.EC2Capacity{MaxCapacity: 3}})
			lb := alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})
			microservice.New(stack, "Svc", &microservice.Props{Cluster: c.Cluster, Listener: lb.Listener(), Name: "users",
				Paths: []string{"/api/users"}, Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)})
			app.Synth(nil)
		}, []string{`cluster "C"`, "EC2.MaxCapacity", "3 instances", "6 awsvpc task slots", "may run 20 tasks", `"users" (S/Svc) 20`, "at least 10"}},
		{"cluster EC2 instance type of unknown network interfaces", func() {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			c := cluster.New(stack, "C", &cluster.Props{EC2: &cluster.EC2Capacity{InstanceType: "x9z.large"}})
			lb := alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})
			microservice.New(stack, "Svc", &microservice.Props{Cluster: c.Cluster, Listener: lb.Listener(), Name: "users",
				Paths: []string{"/api/users"}, Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)})
			app.Synth(nil)
		}, []string{`cluster "C"`, "EC2.TasksPerInstance", "x9z.large"}},
		// alb
		{"alb TargetPorts out of range", func() {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), TargetPorts: []int{8080, 70000}})
		}, []string{`alb "A"`, "TargetPorts", "got 70000"}},
		{"alb TargetPorts empty", func() {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), TargetPorts: []int{}})
		}, []string{`alb "A"`, "TargetPorts", "got none"}},
		{"alb Vpc missing", func() {
			alb.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "A", &alb.Props{})
		}, []string{`alb "A"`, "Vpc", "required"}},
		{"alb NotFoundBody too long", func() {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), NotFoundBody: strings.Repeat("x", 1025)})
		}, []string{`alb "A"`, "NotFoundBody", "got 1025"}},
		{"alb CertificateArn not ACM", func() {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), CertificateArn: "arn:aws:iam::123456789012:server-certificate/x"})
		}, []string{`alb "A"`, "CertificateArn", `"arn:aws:iam::123456789012:server-certificate/x"`}},
		// microservice
		{"microservice props nil", func() { microservice.New(newFixture().stack, "Svc", nil) }, []string{`microservice "Svc"`, "props", "required"}},
		{"microservice Cluster nil", ms(func(p *microservice.Props) { p.Cluster = nil }), []string{`microservice "Svc"`, "Cluster", "required"}},
		{"microservice Listener nil", ms(func(p *microservice.Props) { p.Listener = nil }), []string{`microservice "Svc"`, "Listener", "required"}},
		{"microservice Name too long for a target group", ms(func(p *microservice.Props) { p.Name = strings.Repeat("a", 33) }), []string{`microservice "Svc"`, "Name", strings.Repeat("a", 33)}},
		{"microservice Name upper case", ms(func(p *microservice.Props) { p.Name = "Users" }), []string{`microservice "Svc"`, "Name", `"Users"`}},
		{"microservice Paths empty", ms(func(p *microservice.Props) { p.Paths = nil }), []string{`microservice "Svc"`, "Paths", "got 0"}},
		{"microservice Paths too many", ms(func(p *microservice.Props) { p.Paths = []string{"/a", "/b", "/c", "/d", "/e", "/f"} }), []string{`microservice "Svc"`, "Paths", "got 6"}},
		{"microservice Paths malformed", ms(func(p *microservice.Props) { p.Paths = []string{"api/users"} }), []string{`microservice "Svc"`, "Paths", `"api/users"`}},
		{"microservice Paths too long", ms(func(p *microservice.Props) { p.Paths = []string{"/" + strings.Repeat("a", 128)} }), []string{`microservice "Svc"`, "Paths", strings.Repeat("a", 128)}},
		{"microservice Paths duplicate", ms(func(p *microservice.Props) { p.Paths = []string{"/a", "/a"} }), []string{`microservice "Svc"`, "Paths", `"/a"`}},
		{"microservice Priority out of range", ms(func(p *microservice.Props) { p.Priority = 50001 }), []string{`microservice "Svc"`, "Priority", "got 50001"}},
		{"microservice HealthCheck.Path without slash", ms(func(p *microservice.Props) { p.HealthCheck.Path = "healthz" }), []string{`microservice "Svc"`, "HealthCheck.Path", `"healthz"`}},
		{"microservice ContainerPort negative", ms(func(p *microservice.Props) { p.ContainerPort = -1 }), []string{`microservice "Svc"`, "ContainerPort", "got -1"}},
		{"microservice ContainerPort above 65535", ms(func(p *microservice.Props) { p.ContainerPort = 65536 }), []string{`microservice "Svc"`, "ContainerPort", "got 65536"}},
		{"microservice CPU not Fargate", ms(func(p *microservice.Props) { p.CPU = 300 }), []string{`microservice "Svc"`, "CPU", "got 300"}},
		{"microservice MemoryMiB invalid for CPU", ms(func(p *microservice.Props) { p.CPU, p.MemoryMiB = 256, 4096 }), []string{`microservice "Svc"`, "MemoryMiB", "got 4096"}},
		{"microservice MinCapacity negative", ms(func(p *microservice.Props) { p.MinCapacity = -1 }), []string{`microservice "Svc"`, "MinCapacity", "got -1"}},
		{"microservice MaxCapacity below MinCapacity", ms(func(p *microservice.Props) { p.MinCapacity, p.MaxCapacity = 4, 3 }), []string{`microservice "Svc"`, "MaxCapacity", "got 3"}},
		{"microservice ContainerPort not among the ALB's TargetPorts", ms(func(p *microservice.Props) { p.ContainerPort = 9000 }), []string{`microservice "Svc"`, "ContainerPort", "got 9000", `alb "Alb"`, "TargetPorts", "[8080]"}},
		{"microservice Environment bad name", ms(func(p *microservice.Props) { p.Environment = map[string]string{"1X": "v"} }), []string{`microservice "Svc"`, "Environment", `"1X"`}},
		{"microservice Environment sets PORT", ms(func(p *microservice.Props) { p.Environment = map[string]string{"PORT": "1"} }), []string{`microservice "Svc"`, "Environment", "PORT"}},
		{"microservice Share.Other nil", ms(func(p *microservice.Props) { p.Share = &microservice.Share{Percent: 50} }), []string{`microservice "Svc"`, "Share.Other", "required"}},
		{"microservice Share.Percent above 100", shared(func(sh *microservice.Share) { sh.Percent = 101 }), []string{`microservice "Svc"`, "Share.Percent", "got 101"}},
		{"microservice Share.Percent negative", shared(func(sh *microservice.Share) { sh.Percent = -5 }), []string{`microservice "Svc"`, "Share.Percent", "got -5"}},
		{"microservice Share.Stickiness below a second", shared(func(sh *microservice.Share) { sh.Stickiness = 500 * time.Millisecond }), []string{`microservice "Svc"`, "Share.Stickiness", "got 500ms"}},
		{"microservice Share.Stickiness above 7 days", shared(func(sh *microservice.Share) { sh.Stickiness = 8 * 24 * time.Hour }), []string{`microservice "Svc"`, "Share.Stickiness", "got 192h0m0s"}},
		{"microservice same path as another service", func() {
			f := newFixture()
			f.service(func(p *microservice.Props) {})
			microservice.New(f.stack, "Other", &microservice.Props{Cluster: f.c.Cluster, Listener: f.lb.Listener(), Name: "other", Paths: []string{"/api/users"},
				Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)})
		}, []string{`"other" (Validation/Other)`, "Paths", `"/api/users"`, `"users" (Validation/Svc)`}},
		{"microservice ImageFromDirectory missing Dockerfile", func() { microservice.ImageFromDirectory("Svc", "no-such-dir", "Dockerfile", microservice.X86_64) }, []string{`microservice "Svc"`, "Image", `"no-such-dir"`}},
		{"microservice ImageFromECR without tag", func() {
			microservice.ImageFromECR(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "Svc", "repo", "")
		}, []string{`microservice "Svc"`, "Image", `"repo"`}},
		// context values
		{"context stage", func() { _, err := stacks.ParseStage("prod"); panic(err) }, []string{stacks.StageKey, `"prod"`}},
		{"context capacity", func() { _, err := stacks.ParseCapacity("lambda"); panic(err) }, []string{stacks.CapacityKey, `"lambda"`, "fargate"}},
		{"context nag", func() {
			_, err := stacks.ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{stacks.NagKey: "perhaps"}}))
			panic(err)
		}, []string{stacks.NagKey, `"perhaps"`, "true or false"}},
		{"context stickiness", func() {
			_, err := stacks.ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{stacks.StickinessKey: "5 minutes"}}))
			panic(err)
		}, []string{stacks.StickinessKey, `"5 minutes"`, "1s to 168h"}},
		{"context stage and capacity both wrong", func() {
			_, err := stacks.ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{stacks.StageKey: "splt", stacks.CapacityKey: "arm"}}))
			panic(err)
		}, []string{`stage="splt"`, `capacity="arm"`}},
		{"context deletionProtection", func() {
			_, err := stacks.ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{stacks.DeletionProtectionKey: "off"}}))
			panic(err)
		}, []string{stacks.DeletionProtectionKey, `"off"`, "true or false"}},
		{"context stage percent", func() { _, err := stacks.ParseStage("users:100,threads:150"); panic(err) }, []string{stacks.StageKey, `"150"`, "0 to 100"}},
		{"context certificateArn", func() {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{stacks.CertificateKey: "not-an-arn"}})
			if _, _, err := stacks.Build(app); err != nil {
				panic(err)
			}
		}, []string{"CertificateArn", `"not-an-arn"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := panicMessage(c.run)
			if msg == "" || msg == "<nil>" {
				t.Fatalf("accepted; want a message containing %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}
