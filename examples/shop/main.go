// Command shop is the tiny shop's CDK app, as a team writes its own
// main.go to carve its monolith into services with ecsplit. Its monolith,
// legacy, owns /shop and everything below it; its one service, cart, takes
// /shop/cart and below. It reads its migration state from its own context
// key, state: `cdk synth -c state=cart:50` (default: monolith), and a
// ramp from its key ramp: `cdk deploy -c state=cart:100 -c ramp=10,50:5m`
// moves cart's share there step by step (default: none).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	text, _ := app.Node().TryGetContext(jsii.String("state")).(string)
	if text == "" {
		text = migration.MonolithState
	}
	state, err := migration.ParseState(text, []string{"cart"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "shop: -c state:", err) // one line, no stack trace
		os.Exit(1)
	}
	rampText, _ := app.Node().TryGetContext(jsii.String("ramp")).(string)
	ramp, err := migration.ParseRamp(rampText)
	if err != nil {
		fmt.Fprintln(os.Stderr, "shop: -c ramp:", err)
		os.Exit(1)
	}
	stack := awscdk.NewStack(app, jsii.String("Shop"), nil)

	// The whole plan, the same in every state: the monolith and every
	// service it will give paths to, in order.
	env := map[string]string{"CURRENCY": "EUR"}
	legacy := microservice.Props{Name: "legacy", Paths: []string{"/shop", "/shop/*"}, Environment: env,
		Image: awsecs.ContainerImage_FromRegistry(jsii.String("registry.example.com/shop/legacy:7.3"), nil)}
	services := []microservice.Props{
		{Name: "cart", Paths: []string{"/shop/cart", "/shop/cart/*"}, Environment: env,
			Image: microservice.ImageFromECR(stack, "CartRepo", "shop/cart", "v1")},
	}

	// EC2 capacity sized once for the plan's peak, so that no step of the
	// migration changes the platform.
	c := cluster.New(stack, "Cluster", &cluster.Props{
		EC2: &cluster.EC2Capacity{Tasks: migration.PeakTasks(legacy, services)},
	})
	lb := alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})
	migration.New(stack, "Shop", &migration.Props{
		Platform: microservice.PlatformOf(c, lb),
		Monolith: legacy,
		Services: services,
		State:    state,
		Ramp:     ramp,
	})

	// A bad prop is an error annotation: cdk synth prints each one, on one
	// line with the construct's path, and fails.
	app.Synth(nil)
}
