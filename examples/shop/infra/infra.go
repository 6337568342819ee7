// Package infra is the tiny shop's infrastructure, built on the public
// constructs the way a team would build its own: a cluster, a load
// balancer, and a migration whose monolith, legacy, owns /shop and
// everything below it, and whose one service, cart, takes /shop/cart and
// below. Its images come from registries and are never built; a services
// file says how to run each container locally.
package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
)

// StateKey is the context key the shop's app reads its migration state
// from (as the migration package's example does), not ecsplit's own
// app's stage: a runner that set only stage would leave it in its
// default state.
const StateKey = "state"

// New adds the shop's stack, Shop, to app, in a migration state such as
// "monolith" or "cart:50" (migration.ParseState).
func New(app awscdk.App, state string) error {
	st, err := migration.ParseState(state, []string{"cart"})
	if err != nil {
		return err
	}
	stack := awscdk.NewStack(app, jsii.String("Shop"), nil)
	c := cluster.New(stack, "Cluster", nil)
	lb := alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})
	env := map[string]string{"CURRENCY": "EUR"}
	migration.New(stack, "Shop", &migration.Props{
		Platform: microservice.PlatformOf(c, lb),
		Monolith: microservice.Props{Name: "legacy", Paths: []string{"/shop", "/shop/*"}, Environment: env,
			Image: awsecs.ContainerImage_FromRegistry(jsii.String("registry.example.com/shop/legacy:7.3"), nil)},
		Services: []microservice.Props{{Name: "cart", Paths: []string{"/shop/cart", "/shop/cart/*"}, Environment: env,
			Image: microservice.ImageFromECR(stack, "CartRepo", "shop/cart", "v1")}},
		State: st,
	})
	return nil
}
