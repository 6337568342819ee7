package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// env is a stack with a VPC, a plain CDK cluster and listener (no
// ecsplit platform), for one case of the routing tests.
type env struct {
	stack    awscdk.Stack
	cluster  awsecs.Cluster
	listener elbv2.ApplicationListener
	// platform hands them to the services, as a team's own cluster and
	// listener are (PlatformFromAttributes).
	platform *microservice.Platform
}

func newEnv() env {
	app := newApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
	c := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: vpc})
	lb := elbv2.NewApplicationLoadBalancer(stack, jsii.String("Lb"), &elbv2.ApplicationLoadBalancerProps{Vpc: vpc})
	l := lb.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
		Port:          jsii.Number(80),
		DefaultAction: elbv2.ListenerAction_FixedResponse(jsii.Number(404), nil),
	})
	return env{stack: stack, cluster: c, listener: l, platform: platformOf(c, l)}
}

// platformOf is the platform of a plain CDK cluster and listener.
func platformOf(c awsecs.ICluster, l elbv2.IApplicationListener) *microservice.Platform {
	return microservice.PlatformFromAttributes(microservice.PlatformAttributes{Cluster: c, Listener: l, TargetPorts: []int{8080}})
}

func (e env) add(id, name string, priority int, paths ...string) *microservice.Service {
	return microservice.New(e.stack, id, &microservice.Props{
		Platform: e.platform,
		Name:     name,
		Paths:    paths,
		Priority: priority,
		Image:    awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/example/"+name+":1"), nil),
	})
}

// TestConflicts: two services claiming one path pattern or one priority on
// the same listener fail at synth time, naming both services; the same
// paths on two different listeners are fine.
func TestConflicts(t *testing.T) {
	jsiiTest(t)
	tests := []struct {
		name string
		run  func(e env)
		want []string
	}{
		{"same path", func(e env) {
			e.add("Users", "users", 0, "/api/users", "/api/users/*")
			e.add("People", "people", 0, "/api/people", "/api/users/*")
		}, []string{`path pattern "/api/users/*" of "people" (Test/People) and "/api/users/*" of "users" (Test/Users) both match "/api/users/"`}},
		{"overlapping paths", func(e env) {
			e.add("Shop", "shop", 0, "/shop/catalog*", "/shop/cart*")
			e.add("C", "c", 0, "/shop/c*")
		}, []string{`path pattern "/shop/c*" of "c" (Test/C) and "/shop/catalog*" of "shop" (Test/Shop) both match "/shop/catalog"`}},
		{"same explicit priority", func(e env) {
			e.add("A", "a", 10, "/a")
			e.add("B", "b", 10, "/b")
		}, []string{`microservice "B": Priority: the listener rule priority 10 of "b" (Test/B) is already used by "a" (Test/A)`, "set Priority explicitly (2-50000)"}},
		{"explicit priority on an automatic one", func(e env) {
			a := e.add("A", "a", 0, "/a")
			e.add("B", "b", a.Priority, "/b")
		}, []string{`microservice "B": Priority`, `of "b" (Test/B) is already used by "a" (Test/A)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMessage(t, panicMessage(func() { tt.run(newEnv()) }), tt.want)
		})
	}
	t.Run("same paths on two listeners", func(t *testing.T) {
		e := newEnv()
		e.add("Users", "users", 0, "/api/users")
		// A second listener of the same load balancer, in the same stack.
		other := e.listener.LoadBalancer().AddListener(jsii.String("Other"), &elbv2.BaseApplicationListenerProps{
			Port:          jsii.Number(8080),
			Protocol:      elbv2.ApplicationProtocol_HTTP,
			DefaultAction: elbv2.ListenerAction_FixedResponse(jsii.Number(404), nil),
		})
		e2 := env{stack: e.stack, cluster: e.cluster, listener: other, platform: platformOf(e.cluster, other)}
		e2.add("UsersOther", "users", 0, "/api/users")
		if errs := annotations(e.stack, "aws:cdk:error"); len(errs) > 0 {
			t.Errorf("unexpected errors: %q", errs)
		}
	})
}

// TestPriorityOrderIndependent: more specific paths get lower (earlier)
// priorities whatever order services are added in.
func TestPriorityOrderIndependent(t *testing.T) {
	jsiiTest(t)
	e1, e2 := newEnv(), newEnv()
	broad1 := e1.add("Api", "api", 0, "/api/*")
	narrow1 := e1.add("Users", "users", 0, "/api/users/*")
	narrow2 := e2.add("Users", "users", 0, "/api/users/*")
	broad2 := e2.add("Api", "api", 0, "/api/*")
	if narrow1.Priority >= broad1.Priority {
		t.Errorf("/api/users/* priority %d is not before /api/* %d", narrow1.Priority, broad1.Priority)
	}
	if narrow1.Priority != narrow2.Priority || broad1.Priority != broad2.Priority {
		t.Errorf("priorities depend on order: %d,%d vs %d,%d", narrow1.Priority, broad1.Priority, narrow2.Priority, broad2.Priority)
	}
}

// TestNestedService: a service that lies inside another (Inside), its
// patterns all inside the other's, may match the same paths; its rules
// come first; a pattern outside the other's is refused.
func TestNestedService(t *testing.T) {
	jsiiTest(t)
	e := newEnv()
	img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
	props := func(name, inside string, paths ...string) *microservice.Props {
		return &microservice.Props{Platform: e.platform, Name: name, Inside: inside, Paths: paths, Image: img}
	}
	catalog := microservice.New(e.stack, "Catalog", props("catalog", "", "/shop/catalog", "/shop/catalog/*"))
	search := microservice.New(e.stack, "Search", props("search", "catalog", "/shop/catalog/search*"))
	if errs := annotations(e.stack, "aws:cdk:error"); len(errs) > 0 {
		t.Fatalf("a nested service was refused: %s", errs)
	}
	if search.Priority >= catalog.PreviewPriority {
		t.Errorf("the nested service's rule (%d) does not come before the outer one's preview rule (%d)", search.Priority, catalog.PreviewPriority)
	}
	microservice.New(e.stack, "Other", props("other", "catalog", "/shop/catalog/x*", "/shop/cart*"))
	msg := strings.Join(annotations(e.stack, "aws:cdk:error"), "\n")
	if !strings.Contains(msg, `path pattern "/shop/cart*" of "other" (Test/Other) is not inside "catalog" (Test/Catalog) (Inside)`) {
		t.Errorf("a nested service with a pattern outside: %q", msg)
	}
}
