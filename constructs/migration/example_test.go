package migration_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/constructs/synth"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// Another team's monolith, a shop, split into a catalog, a cart and a
// checkout on its existing load balancer, one step at a time. Each step is
// the same app with another state, as `cdk deploy -c state=...` would give
// it; the monolith stays until it is retired, an explicit step ("split"),
// which the migration refuses while the monolith's patterns match paths
// no service owns: here the storefront's own pages. A program that
// synthesizes the app itself gets the problems as a typed error
// (synth.Run); `cdk synth` prints them.
func Example() {
	table := func(scope awscdk.Stack) (microservice.Props, []microservice.Props) {
		image := func(name string) microservice.Props {
			return microservice.Props{Name: name, Image: microservice.ImageFromECR(scope, name+"Repo", "shop/"+name, "v1")}
		}
		storefront := image("storefront")
		storefront.Paths = []string{"/", "/*"}
		catalog, cart, checkout := image("catalog"), image("cart"), image("checkout")
		catalog.Paths = []string{"/catalog", "/catalog/*"}
		cart.Paths = []string{"/cart", "/cart/*"}
		checkout.Paths = []string{"/checkout", "/checkout/*"}
		checkout.CPU, checkout.MemoryMiB = 512, 1024
		return storefront, []microservice.Props{catalog, cart, checkout}
	}
	for _, text := range []string{"monolith", "catalog:10", "catalog:100,cart:50", "catalog:100,cart:100,checkout:100", "split"} {
		app := awscdk.NewApp(nil)
		stack := awscdk.NewStack(app, jsii.String("Shop"), nil)
		c := cluster.New(stack, "Cluster", nil)
		lb := alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})
		monolith, services := table(stack)
		state, err := migration.ParseState(text, []string{"catalog", "cart", "checkout"})
		if err != nil {
			fmt.Println(err)
			return
		}
		m := migration.New(stack, "Shop", &migration.Props{
			Platform: microservice.PlatformOf(c, lb),
			Monolith: monolith,
			Services: services,
			State:    state,
		})
		if _, err := synth.Run(app, nil); err != nil {
			var problems synth.Errors
			errors.As(err, &problems)
			fmt.Printf("%-20s refused: %s: %.70s...\n", text+":", problems[0].Prop, strings.TrimPrefix(problems[0].Message, `ecsplit migration "Shop": State.Retired: `))
			continue
		}
		var running []string
		for _, name := range append([]string{"storefront"}, m.ServiceNames()...) {
			if s := m.Service(name); s != nil {
				if p, ok := state.Percent(name); ok && p < 100 {
					name = fmt.Sprintf("%s (%d %%)", name, p)
				}
				running = append(running, name)
			}
		}
		fmt.Printf("%-20s %s\n", m.StateText()+":", strings.Join(running, ", "))
	}
	// Output:
	// monolith:            storefront
	// catalog:10:          storefront, catalog (10 %)
	// catalog:100,cart:50: storefront, catalog, cart (50 %)
	// catalog:100,cart:100,checkout:100: storefront, catalog, cart, checkout
	// split:               refused: State.Retired: retiring the monolith drops the paths its pattern "/" matches and no s...
}
