// Command shop is the tiny shop's CDK app, as a team would write its own
// main.go in its own module: it reads its migration state from the
// context key state (cdk synth -c state=cart:50; default: monolith).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"example.com/shop/infra"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	state, _ := app.Node().TryGetContext(jsii.String(infra.StateKey)).(string)
	if state == "" {
		state = "monolith"
	}
	if err := infra.New(app, state); err != nil {
		fmt.Fprintf(os.Stderr, "shop: -c %s=%s: %v\n", infra.StateKey, state, err)
		os.Exit(1)
	}
	app.Synth(nil)
}
