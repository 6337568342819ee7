// Command ecsplit is the ecsplit CDK app. The CDK CLI runs it (see
// cdk.json): cdk synth -c stage=monolith|split|SERVICE:PERCENT,... -c
// capacity=fargate|ec2, and the other context keys of the README. The
// cdk-nag AwsSolutions checks run on every synth (-c nag=false turns them
// off). The app exits 1, with one "ecsplit:" line per problem and no stack
// trace, on a context key it does not know (a misspelt key would otherwise
// leave its default in place), a bad context value, a construct's
// rejection of a prop, a failed construct validation, or an error
// annotation such as an unsuppressed cdk-nag error. An empty value is the
// key unset.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/stacks"
)

func main() {
	os.Exit(run())
}

func run() (code int) {
	defer jsii.Close()
	// A construct rejects a bad prop by panicking (as aws-cdk-lib throws),
	// and a failed construct validation panics out of Synth: report either
	// as the app's other errors, one line each, without a stack trace.
	defer func() {
		if r := recover(); r != nil {
			for _, line := range stacks.PanicLines(r) {
				fmt.Fprintln(os.Stderr, "ecsplit:", line)
			}
			code = 1
		}
	}()
	app := awscdk.NewApp(nil)
	if _, _, err := stacks.Build(app); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(os.Stderr, "ecsplit:", line)
		}
		return 1
	}
	if errs := stacks.SynthErrors(app.Synth(nil)); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, "ecsplit: error:", e)
		}
		return 1
	}
	return 0
}
