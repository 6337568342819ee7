// Command ecsplit is the ecsplit CDK app. The CDK CLI runs it (see
// cdk.json): cdk synth -c stage=monolith|split|SERVICE:PERCENT,... -c
// capacity=fargate|ec2, and the other context keys of the README. The
// cdk-nag AwsSolutions checks run on every synth (-c nag=false turns them
// off). The app exits 1 with one "ecsplit:" line per problem on a context
// key it does not know (a misspelt key would otherwise leave its default
// in place), a bad context value, a construct's rejection of a prop, a
// failed construct validation, or an error annotation such as an
// unsuppressed cdk-nag error (synth.Run). Anything else the CDK throws is
// printed as its first line, without the stack trace. An empty value is
// the key unset.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/synth"
	"github.com/ecsplit/ecsplit/stacks"
)

func main() {
	os.Exit(run())
}

func run() (code int) {
	defer jsii.Close()
	// An exception of the CDK that no check of the app or the constructs
	// foresaw: its first line, not a trace of the jsii kernel and the Go
	// runtime.
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if err, ok := r.(error); ok {
				msg = err.Error()
			}
			first, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
			fmt.Fprintln(os.Stderr, "ecsplit:", first)
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
	// The constructs report an invalid prop, and cdk-nag an unsuppressed
	// finding, as an error annotation: `cdk synth` would print them and
	// fail; the app does so itself, one line each, when run alone.
	var problems synth.Errors
	if _, err := synth.Run(app, nil); errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "ecsplit:", line(p))
		}
		return 1
	}
	return 0
}

// line writes a problem as the app's line: an ecsplit construct's names
// the construct, its path, the prop, the value and what is allowed;
// another library's names the path.
func line(p synth.Problem) string {
	if p.Construct != "" {
		return fmt.Sprintf("%s %q (%s): %s: %s", p.Construct, p.ID, p.Path, p.Prop, p.Detail)
	}
	return fmt.Sprintf("error: %s: %s", p.Path, p.Message)
}
