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
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/stacks"
)

// builtApps are the apps newApp made since panicMessage began: the cases
// of the validation tests run one at a time, holding the jsii kernel.
var builtApps []awscdk.App

// newApp makes an app whose problems panicMessage reports.
func newApp(props *awscdk.AppProps) awscdk.App {
	app := awscdk.NewApp(props)
	builtApps = append(builtApps, app)
	return app
}

// panicMessage runs f and returns what it panicked with, or else the
// problems the constructs of the apps it made (with newApp) reported as
// error annotations, one a line; "" when there are none. (Constructs
// report their problems as error annotations; a check that runs before its
// construct exists, and Build's errors, panic here.)
func panicMessage(f func()) (msg string) {
	builtApps = nil
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
			return
		}
		var lines []string
		for _, app := range builtApps {
			lines = append(lines, annotations(app, "aws:cdk:error")...)
		}
		msg = strings.Join(lines, "\n")
	}()
	f()
	return ""
}

// annotations returns the messages of the annotations of type typ
// ("aws:cdk:error", "aws:cdk:warning") of c and of every construct below
// it.
func annotations(c constructs.IConstruct, typ string) []string {
	var out []string
	for _, n := range *c.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, m := range *n.Node().Metadata() {
			if *m.Type == typ {
				out = append(out, strings.TrimSpace(jsonText(m.Data)))
			}
		}
	}
	return out
}

// fixture is a fresh stack with a cluster and a shared ALB.
type fixture struct {
	stack awscdk.Stack
	c     *cluster.Cluster
	lb    *alb.LoadBalancer
}

func newFixture() fixture {
	stack := awscdk.NewStack(newApp(nil), jsii.String("Validation"), nil)
	c := cluster.New(stack, "Cluster", nil)
	return fixture{stack: stack, c: c, lb: alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})}
}

// service creates a valid microservice changed by edit.
func (f fixture) service(edit func(*microservice.Props)) {
	p := &microservice.Props{
		Platform: microservice.PlatformOf(f.c, f.lb),
		Name:     "users",
		Paths:    []string{"/api/users", "/api/users/*"},
		Image:    awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil),
	}
	edit(p)
	microservice.New(f.stack, "Svc", p)
}

// checkMessage fails t unless msg, a refusal's message, is there and holds
// every one of want.
func checkMessage(t *testing.T, msg string, want []string) {
	t.Helper()
	if msg == "" {
		t.Fatalf("accepted; want a message containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
}

// TestInvalidInput holds one case per synth-time check of a construct prop
// or a context value: each must be rejected with a message that names the
// construct, the prop and the value.
func TestInvalidInput(t *testing.T) {
	jsiiTest(t)
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
	// mig edits a valid migration of a monolith and two services.
	mig := func(edit func(*migration.Props)) func() {
		return func() { migrationWith(edit) }
	}
	cases := []struct {
		name string
		run  func()
		want []string // substrings of the message: construct, prop, value
	}{
		// cluster
		{"cluster NatGateways with Vpc", func() {
			stack := awscdk.NewStack(newApp(nil), jsii.String("S"), nil)
			cluster.New(stack, "C", &cluster.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), NatGateways: 2})
		}, []string{`cluster "C"`, "NatGateways", "got 2"}},
		{"cluster NatGateways too many", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{NatGateways: 3})
		}, []string{`cluster "C"`, "NatGateways", "got 3"}},
		{"cluster InstanceType malformed", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{InstanceType: "c6alarge"}})
		}, []string{`cluster "C"`, "EC2.InstanceType", `"c6alarge"`}},
		{"cluster AlternativeInstanceTypes repeats InstanceType", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{InstanceType: "m6i.large", AlternativeInstanceTypes: []string{"m6i.large"}}})
		}, []string{`cluster "C"`, "EC2.AlternativeInstanceTypes", `"m6i.large"`}},
		{"cluster AlternativeInstanceTypes of another architecture", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{InstanceType: "c7g.large", AlternativeInstanceTypes: []string{"c6i.large"}}})
		}, []string{`cluster "C"`, "EC2.AlternativeInstanceTypes", `"c6i.large" (X86_64)`, `"c7g.large" (ARM64)`}},
		{"cluster MinCapacity negative", func() {
			n := -1
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{MinCapacity: &n}})
		}, []string{`cluster "C"`, "EC2.MinCapacity", "got -1"}},
		{"cluster MaxCapacity below MinCapacity", func() {
			n := 3
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{MinCapacity: &n, MaxCapacity: 2}})
		}, []string{`cluster "C"`, "EC2.MaxCapacity", "got 2"}},
		{"cluster CapacityProviderName reserved prefix in another case", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{CapacityProviderName: "EcsplitCapacity"}})
		}, []string{`cluster "C"`, "EC2.CapacityProviderName", `"EcsplitCapacity"`, `"ecs"`}},
		{"cluster CapacityProviderName characters", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{CapacityProviderName: "my capacity"}})
		}, []string{`cluster "C"`, "EC2.CapacityProviderName", `"my capacity"`}},
		{"cluster TasksPerInstance negative", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{TasksPerInstance: -1}})
		}, []string{`cluster "C"`, "EC2.TasksPerInstance", "got -1"}},
		{"cluster EC2 task slots below the services' need", func() {
			app := newApp(nil)
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			c := cluster.New(stack, "C", &cluster.Props{EC2: &cluster.EC2Capacity{MaxCapacity: 3}})
			lb := alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})
			microservice.New(stack, "Svc", &microservice.Props{Platform: microservice.PlatformOf(c, lb), Name: "users",
				Paths: []string{"/api/users"}, Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)})
			app.Synth(nil)
		}, []string{`microservice "Svc": MaxCapacity`, "the EC2 capacity of cluster S/C", "gives 6 awsvpc task slots", "may run 20 tasks", `"users" (S/Svc) 20`, "EC2.Tasks"}},
		{"cluster EC2.Tasks beyond MaxCapacity", func() {
			cluster.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "C", &cluster.Props{EC2: &cluster.EC2Capacity{MaxCapacity: 3, Tasks: 7}})
		}, []string{`cluster "C"`, "EC2.MaxCapacity", "3 instances", "6 task slots", "fewer than EC2.Tasks (7)", "at least 4"}},
		{"cluster EC2 instance type of unknown network interfaces", func() {
			app := newApp(nil)
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			c := cluster.New(stack, "C", &cluster.Props{EC2: &cluster.EC2Capacity{InstanceType: "x9z.large"}})
			lb := alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})
			microservice.New(stack, "Svc", &microservice.Props{Platform: microservice.PlatformOf(c, lb), Name: "users",
				Paths: []string{"/api/users"}, Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)})
			app.Synth(nil)
		}, []string{`cluster "C"`, "EC2.TasksPerInstance", "x9z.large"}},
		// alb
		{"alb TargetPorts out of range", func() {
			stack := awscdk.NewStack(newApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), TargetPorts: []int{8080, 70000}})
		}, []string{`alb "A"`, "TargetPorts", "got 70000"}},
		{"alb TargetPorts empty", func() {
			stack := awscdk.NewStack(newApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), TargetPorts: []int{}})
		}, []string{`alb "A"`, "TargetPorts", "got none"}},
		{"alb Vpc missing", func() {
			alb.New(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), "A", &alb.Props{})
		}, []string{`alb "A"`, "Vpc", "required"}},
		{"alb NotFoundBody too long", func() {
			stack := awscdk.NewStack(newApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), NotFoundBody: strings.Repeat("x", 1025)})
		}, []string{`alb "A"`, "NotFoundBody", "got 1025"}},
		{"alb CertificateArn not ACM", func() {
			stack := awscdk.NewStack(newApp(nil), jsii.String("S"), nil)
			alb.New(stack, "A", &alb.Props{Vpc: awsec2.NewVpc(stack, jsii.String("V"), nil), CertificateArn: "arn:aws:iam::123456789012:server-certificate/x"})
		}, []string{`alb "A"`, "CertificateArn", `"arn:aws:iam::123456789012:server-certificate/x"`}},
		// microservice
		{"microservice props nil", func() { microservice.New(newFixture().stack, "Svc", nil) }, []string{`microservice "Svc"`, "props", "required"}},
		{"microservice Platform nil", ms(func(p *microservice.Props) { p.Platform = nil }), []string{`microservice "Svc"`, "Platform", "required", "PlatformOf"}},
		{"microservice Platform without a listener", ms(func(p *microservice.Props) {
			p.Platform = microservice.PlatformFromAttributes(microservice.PlatformAttributes{Cluster: p.Platform.Cluster, TargetPorts: []int{8080}})
		}), []string{`microservice "Svc"`, "Platform.Listener", "required"}},
		{"microservice Platform from attributes without target ports", ms(func(p *microservice.Props) {
			p.Platform = microservice.PlatformFromAttributes(microservice.PlatformAttributes{Cluster: p.Platform.Cluster, Listener: p.Platform.Listener})
		}), []string{`microservice "Svc"`, "Platform.TargetPorts", "got none"}},
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
		{"microservice ContainerPort not among the ALB's TargetPorts", ms(func(p *microservice.Props) { p.ContainerPort = 9000 }), []string{`microservice "Svc"`, "ContainerPort", "got 9000", `alb Validation/Alb`, "TargetPorts", "[8080]"}},
		{"microservice Environment bad name", ms(func(p *microservice.Props) { p.Environment = map[string]string{"1X": "v"} }), []string{`microservice "Svc"`, "Environment", `"1X"`}},
		{"microservice Environment sets PORT", ms(func(p *microservice.Props) { p.Environment = map[string]string{"PORT": "1"} }), []string{`microservice "Svc"`, "Environment", "PORT"}},
		{"microservice Share.Other nil", ms(func(p *microservice.Props) { p.Share = &microservice.Share{Percent: 50} }), []string{`microservice "Svc"`, "Share.Other", "required"}},
		{"microservice Share.Percent above 100", shared(func(sh *microservice.Share) { sh.Percent = 101 }), []string{`microservice "Svc"`, "Share.Percent", "got 101"}},
		{"microservice Share.Percent negative", shared(func(sh *microservice.Share) { sh.Percent = -5 }), []string{`microservice "Svc"`, "Share.Percent", "got -5"}},
		{"microservice Share.Stickiness below a second", shared(func(sh *microservice.Share) { sh.Stickiness = 500 * time.Millisecond }), []string{`microservice "Svc"`, "Share.Stickiness", "got 500ms"}},
		{"microservice Share.Stickiness above 7 days", shared(func(sh *microservice.Share) { sh.Stickiness = 8 * 24 * time.Hour }), []string{`microservice "Svc"`, "Share.Stickiness", "got 192h0m0s"}},
		{"microservice Image missing", ms(func(p *microservice.Props) { p.Image = nil }), []string{`microservice "Svc"`, "Image", "required"}},
		{"microservice Architecture unknown", ms(func(p *microservice.Props) { p.Architecture = "RISCV" }), []string{`microservice "Svc"`, "Architecture", `"RISCV"`}},
		{"microservice Architecture unlike the EC2 capacity's", func() {
			stack := awscdk.NewStack(newApp(nil), jsii.String("S"), nil)
			c := cluster.New(stack, "C", &cluster.Props{EC2: &cluster.EC2Capacity{}})
			lb := alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})
			microservice.New(stack, "Svc", &microservice.Props{Platform: microservice.PlatformOf(c, lb), Name: "users", Paths: []string{"/u"},
				Architecture: microservice.ARM64, Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)})
		}, []string{`microservice "Svc"`, "Architecture", `cluster S/C`, "X86_64 instances", "got ARM64"}},
		{"microservice User root", ms(func(p *microservice.Props) { p.User = "0:0" }), []string{`microservice "Svc"`, "User", `"0:0"`}},
		{"microservice CPUTargetPercent above 100", ms(func(p *microservice.Props) { p.CPUTargetPercent = 120 }), []string{`microservice "Svc"`, "CPUTargetPercent", "got 120"}},
		{"microservice RequestsPerTarget negative", ms(func(p *microservice.Props) { p.RequestsPerTarget = -3 }), []string{`microservice "Svc"`, "RequestsPerTarget", "got -3"}},
		{"microservice MinHealthyPercent above 100", ms(func(p *microservice.Props) { p.MinHealthyPercent = new(150) }), []string{`microservice "Svc"`, "MinHealthyPercent", "got 150"}},
		{"microservice MaxHealthyPercent below 100", ms(func(p *microservice.Props) { p.MaxHealthyPercent = 50 }), []string{`microservice "Svc"`, "MaxHealthyPercent", "got 50"}},
		{"microservice HealthCheck.Interval too short", ms(func(p *microservice.Props) { p.HealthCheck.Interval = time.Second }), []string{`microservice "Svc"`, "HealthCheck.Interval", "got 1s"}},
		{"microservice HealthCheck.Timeout not below Interval", ms(func(p *microservice.Props) {
			p.HealthCheck.Interval, p.HealthCheck.Timeout = 10*time.Second, 10*time.Second
		}), []string{`microservice "Svc"`, "HealthCheck.Timeout", "less than HealthCheck.Interval", "got 10s"}},
		{"microservice HealthCheck.HealthyThreshold above 10", ms(func(p *microservice.Props) { p.HealthCheck.HealthyThreshold = 11 }), []string{`microservice "Svc"`, "HealthCheck.HealthyThreshold", "got 11"}},
		{"microservice HealthCheck.UnhealthyThreshold below 2", ms(func(p *microservice.Props) { p.HealthCheck.UnhealthyThreshold = 1 }), []string{`microservice "Svc"`, "HealthCheck.UnhealthyThreshold", "got 1"}},
		{"microservice HealthCheck.HealthyHTTPCodes malformed", ms(func(p *microservice.Props) { p.HealthCheck.HealthyHTTPCodes = "2xx" }), []string{`microservice "Svc"`, "HealthCheck.HealthyHTTPCodes", `"2xx"`}},
		{"microservice DeregistrationDelay above an hour", ms(func(p *microservice.Props) { p.DeregistrationDelay = new(2 * time.Hour) }), []string{`microservice "Svc"`, "DeregistrationDelay", "got 2h0m0s"}},
		{"microservice HealthCheckGracePeriod fractional", ms(func(p *microservice.Props) { p.HealthCheckGracePeriod = new(1500 * time.Millisecond) }), []string{`microservice "Svc"`, "HealthCheckGracePeriod", "got 1.5s"}},
		{"microservice StopTimeout above 120 s", ms(func(p *microservice.Props) { p.StopTimeout = 3 * time.Minute }), []string{`microservice "Svc"`, "StopTimeout", "got 3m0s"}},
		{"microservice Secrets also in Environment", ms(func(p *microservice.Props) {
			p.Environment = map[string]string{"TOKEN": "x"}
			p.Secrets = map[string]awsecs.Secret{"TOKEN": awsecs.Secret_FromSsmParameter(awsssm.StringParameter_FromSecureStringParameterAttributes(
				p.Platform.Cluster.Stack(), jsii.String("Token"), &awsssm.SecureStringParameterAttributes{ParameterName: jsii.String("/app/token")}))}
		}), []string{`microservice "Svc"`, "Secrets", `"TOKEN"`, "Environment"}},
		// migration
		{"migration props nil", func() { migration.New(newFixture().stack, "M", nil) }, []string{`migration "M"`, "props", "required"}},
		{"migration Services empty", mig(func(p *migration.Props) { p.Services = nil }), []string{`migration "M"`, "Services", "at least one"}},
		{"migration service Platform set", mig(func(p *migration.Props) { p.Services[0].Platform = p.Platform }), []string{`migration "M"`, "Services[0].Platform", "set by the migration"}},
		{"migration Platform too small for the plan's peak", func() {
			stack := awscdk.NewStack(newApp(nil), jsii.String("S"), nil)
			c := cluster.New(stack, "C", &cluster.Props{EC2: &cluster.EC2Capacity{MaxCapacity: 25}})
			lb := alb.New(stack, "A", &alb.Props{Vpc: c.Vpc})
			img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
			migration.New(stack, "M", &migration.Props{Platform: microservice.PlatformOf(c, lb),
				Monolith: microservice.Props{Name: "monolith", Paths: []string{"/api", "/api/*"}, Image: img},
				Services: []microservice.Props{{Name: "users", Paths: []string{"/api/users"}, Image: img}, {Name: "posts", Paths: []string{"/api/posts"}, Image: img}}})
		}, []string{`migration "M"`, "Platform", "gives 50 awsvpc task slots", "may run 60 tasks at once at its peak", "EC2.Tasks = migration.PeakTasks"}},
		{"migration duplicate name", mig(func(p *migration.Props) { p.Services[1].Name = "users" }), []string{`migration "M"`, "Services[1].Name", `"users"`, "Services[0]"}},
		{"migration service named like the monolith", mig(func(p *migration.Props) { p.Services[0].Name = "monolith" }), []string{`migration "M"`, "Services[0].Name", `"monolith"`, "Monolith"}},
		{"migration path pattern listed twice", mig(func(p *migration.Props) { p.Services[1].Paths = []string{"/api/users/*"} }),
			[]string{`migration "M"`, "Services[1].Paths", `"/api/users/*" of "threads"`, `of "users" (Services[0])`, `both match "/api/users/"`}},
		{"migration overlapping patterns", mig(func(p *migration.Props) { p.Services[1].Paths = []string{"/api/u*"} }),
			[]string{`migration "M"`, "Services[1].Paths", `"/api/u*" of "threads"`, `"/api/users" of "users" (Services[0])`, `both match "/api/users"`, `set Inside to "users"`}},
		{"migration nested service outside the other", mig(func(p *migration.Props) {
			p.Services[1].Paths, p.Services[1].Inside = []string{"/api/users/search*", "/api/threads*"}, "users"
		}), []string{`migration "M"`, "Services[1].Paths", `"/api/threads*" of "threads" is not inside "users"`}},
		{"migration Inside of a later service", mig(func(p *migration.Props) { p.Services[0].Inside = "threads" }),
			[]string{`migration "M"`, "Services[0].Inside", `listed before "users"`, `"threads"`}},
		{"migration retires the monolith before every service serves all of its paths", mig(func(p *migration.Props) {
			p.State = migration.State{Retired: true, Extracted: []migration.Extraction{{Service: "users", Percent: 100}}}
		}), []string{`migration "M"`, "State.Retired", "extract every service at 100 % first"}},
		{"migration retires a monolith whose paths no service owns", mig(func(p *migration.Props) { p.State = migration.Split("users", "threads") }),
			[]string{`migration "M"`, "State.Retired", `its pattern "/api" matches`, `such as "/api"`, "RetireUnownedPaths"}},
		{"migration PreviewHeader malformed", mig(func(p *migration.Props) { p.PreviewHeader = "X Preview" }),
			[]string{`migration "M"`, "PreviewHeader", `"X Preview"`}},
		{"migration service Name upper case, whatever the state", mig(func(p *migration.Props) { p.Services[1].Name = "Threads" }),
			[]string{`migration "M"`, "Services[1].Name", `"Threads"`}},
		{"migration service CPU, whatever the state", mig(func(p *migration.Props) { p.Services[1].CPU = 300 }),
			[]string{`migration "M"`, "Services[1].CPU", "got 300"}},
		{"migration state names an unknown service", mig(func(p *migration.Props) {
			p.State = migration.State{Extracted: []migration.Extraction{{Service: "usrs", Percent: 10}}}
		}),
			[]string{`migration "M"`, "State.Extracted[0].Service", `"usrs"`, "(users, threads)"}},
		{"migration state extracts a service twice", mig(func(p *migration.Props) {
			p.State = migration.State{Extracted: []migration.Extraction{{Service: "users", Percent: 10}, {Service: "users", Percent: 20}}}
		}), []string{`migration "M"`, "State.Extracted[1].Service", `"users"`, "twice"}},
		{"migration state percent above 100", mig(func(p *migration.Props) {
			p.State = migration.State{Extracted: []migration.Extraction{{Service: "users", Percent: 101}}}
		}),
			[]string{`migration "M"`, "State.Extracted[0].Percent", "got 101"}},
		{"migration share of a path the monolith does not serve", mig(func(p *migration.Props) {
			p.Services[1].Paths = []string{"/admin/threads", "/admin/threads/*"}
			p.State = migration.State{Extracted: []migration.Extraction{{Service: "threads", Percent: 10}}}
		}), []string{`migration "M"`, "State.Extracted[0].Percent", `"threads" at 10 %`, `"/admin/threads"`, `["/api" "/api/*"]`, "Monolith.Paths"}},
		{"migration Stickiness below a second", mig(func(p *migration.Props) { p.Stickiness = time.Millisecond }), []string{`migration "M"`, "Stickiness", "got 1ms"}},
		{"migration service PreviewHeader set", mig(func(p *migration.Props) { p.Services[0].PreviewHeader = "X" }), []string{`migration "M"`, "Services[0].PreviewHeader", "set by the migration"}},
		{"migration five paths with the preview header", mig(func(p *migration.Props) {
			p.Services[0].Paths = []string{"/api/users", "/api/users/*", "/api/people", "/api/people/*", "/api/me"}
			p.State = migration.State{Extracted: []migration.Extraction{{Service: "users", Percent: 100}}}
		}), []string{`migration "M"`, "Services[0].Paths", "1 to 4 path patterns", "preview header", "got 5"}},
		{"migration Alarms.ErrorRatePercent above 100", mig(func(p *migration.Props) { p.Alarms.ErrorRatePercent = 150 }), []string{`migration "M"`, "Alarms.ErrorRatePercent", "got 150"}},
		{"migration Alarms.LatencyP99 below a millisecond", mig(func(p *migration.Props) { p.Alarms.LatencyP99 = time.Microsecond }), []string{`migration "M"`, "Alarms.LatencyP99", "got 1µs"}},
		{"migration Alarms.UnhealthyHosts negative", mig(func(p *migration.Props) { p.Alarms.UnhealthyHosts = -1 }), []string{`migration "M"`, "Alarms.UnhealthyHosts", "got -1"}},
		{"migration Alarms.Period not whole minutes", mig(func(p *migration.Props) { p.Alarms.Period = 90 * time.Second }), []string{`migration "M"`, "Alarms.Period", "got 1m30s"}},
		{"migration Alarms.DatapointsToAlarm above EvaluationPeriods", mig(func(p *migration.Props) { p.Alarms.EvaluationPeriods, p.Alarms.DatapointsToAlarm = 3, 4 }),
			[]string{`migration "M"`, "Alarms.DatapointsToAlarm", "EvaluationPeriods (3)", "got 4"}},
		{"migration Alarms.NamePrefix with a space", mig(func(p *migration.Props) { p.Alarms.NamePrefix = "my app" }), []string{`migration "M"`, "Alarms.NamePrefix", `"my app"`}},
		{"migration Alarms.Email malformed", mig(func(p *migration.Props) { p.Alarms.Email = "ops" }), []string{`migration "M"`, "Alarms.Email", `"ops"`}},
		{"migration Dashboard.Name characters", mig(func(p *migration.Props) { p.Dashboard.Name = "my dashboard" }), []string{`migration "M"`, "Dashboard.Name", `"my dashboard"`}},
		{"microservice same path as another service", func() {
			f := newFixture()
			f.service(func(p *microservice.Props) {})
			microservice.New(f.stack, "Other", &microservice.Props{Platform: microservice.PlatformOf(f.c, f.lb), Name: "other", Paths: []string{"/api/users"},
				Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)})
		}, []string{`"other" (Validation/Other)`, "Paths", `"/api/users"`, `"users" (Validation/Svc)`}},
		{"microservice ImageFromDirectory missing Dockerfile", ms(func(p *microservice.Props) {
			p.Image = microservice.ImageFromDirectory("no-such-dir", "Dockerfile", microservice.X86_64)
		}), []string{`microservice "Svc"`, "Image", `"no-such-dir"`}},
		{"microservice ImageFromECR without tag", func() {
			f := newFixture()
			f.service(func(p *microservice.Props) { p.Image = microservice.ImageFromECR(f.stack, "Repo", "repo", "") })
		}, []string{`microservice "Svc"`, "Image", `"repo"`}},
		{"migration ImageFromDirectory of a service not extracted yet", mig(func(p *migration.Props) {
			p.Services[1].Image = microservice.ImageFromDirectory("no-such-dir", "Dockerfile", microservice.X86_64)
		}), []string{`migration "M"`, "Services[1].Image", `"no-such-dir"`}},
		// context values
		{"context key unknown", contextErr(map[string]any{"stagee": "split"}), []string{`context key "stagee" is not known: did you mean "stage"?`}},
		{"context value a list", contextErr(map[string]any{stacks.StageKey: []any{"split"}}), []string{`context stage=["split"] is not valid`, "use a string"}},
		{"context stage", contextErr(map[string]any{stacks.StageKey: "prod"}), []string{`context stage="prod" is not valid`, `"prod" is not SERVICE:PERCENT`}},
		{"context stage percent", contextErr(map[string]any{stacks.StageKey: "users:100,threads:150"}), []string{`context stage="users:100,threads:150" is not valid`, `"150"`, "0 to 100"}},
		{"context capacity", contextErr(map[string]any{stacks.CapacityKey: "lambda"}), []string{`context capacity="lambda" is not valid`, "fargate"}},
		{"context stage and capacity both wrong", contextErr(map[string]any{stacks.StageKey: "splt", stacks.CapacityKey: "arm"}), []string{`stage="splt"`, `capacity="arm"`}},
		{"context certificateArn, through the app's build", func() {
			app := newApp(&awscdk.AppProps{Context: &map[string]any{stacks.CertificateKey: "not-an-arn"}})
			if _, _, err := stacks.Build(app); err != nil {
				panic(err)
			}
		}, []string{`context certificateArn="not-an-arn" is not valid`, "ACM certificate ARN"}},
		{"context stickiness", contextErr(map[string]any{stacks.StickinessKey: "5 minutes"}), []string{`context stickiness="5 minutes" is not valid`, "1s to 168h"}},
		{"context alarmEmail", contextErr(map[string]any{stacks.AlarmEmailKey: "ops-at-example"}), []string{`context alarmEmail="ops-at-example" is not valid`, "email address"}},
		{"context alarmTopicArn", contextErr(map[string]any{stacks.AlarmTopicKey: "arn:aws:sqs:eu-west-1:123456789012:q"}),
			[]string{`context alarmTopicArn="arn:aws:sqs:eu-west-1:123456789012:q" is not valid`, "SNS topic ARN"}},
		{"context alarmEmail with alarmTopicArn", contextErr(map[string]any{stacks.AlarmEmailKey: "ops@example.com", stacks.AlarmTopicKey: "arn:aws:sns:eu-west-1:123456789012:t"}),
			[]string{`context alarmEmail="ops@example.com" is not valid with alarmTopicArn="arn:aws:sns:eu-west-1:123456789012:t"`, "subscribe the address to your topic yourself"}},
		{"context deletionProtection", contextErr(map[string]any{stacks.DeletionProtectionKey: "off"}), []string{`context deletionProtection="off" is not valid`, "true or false"}},
		{"context serverAccessLogsBucket characters", contextErr(map[string]any{stacks.ServerAccessLogsBucketKey: "Logs_Bucket"}),
			[]string{`context serverAccessLogsBucket="Logs_Bucket" is not valid`, "S3 bucket name", "lower-case"}},
		{"context serverAccessLogsBucket reserved suffix", contextErr(map[string]any{stacks.ServerAccessLogsBucketKey: "logs-s3alias"}),
			[]string{`context serverAccessLogsBucket="logs-s3alias" is not valid`, `"-s3alias"`}},
		{"context nag", contextErr(map[string]any{stacks.NagKey: "perhaps"}), []string{`context nag="perhaps" is not valid`, "true or false"}},
		{"context servicesDir", contextErr(map[string]any{stacks.ServicesDirKey: "no-such-dir"}), []string{`context servicesDir="no-such-dir" is not valid`, "NAME/Dockerfile"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkMessage(t, panicMessage(c.run), c.want)
		})
	}
}
