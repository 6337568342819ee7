package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AddNagChecks applies cdk-nag's AwsSolutions rules to every construct of
// the app. An unsuppressed finding of error level becomes an error
// annotation, which makes `cdk synth` fail (see SynthErrors for the bare
// app binary); a warning-level finding becomes a warning annotation. The
// justified suppressions live in the constructs that own the resources
// (constructs/alb, constructs/cluster, constructs/microservice), so apps
// that import them inherit them. The constructs write them as the
// resource metadata these checks read (Metadata.cdk_nag), so the library
// does not depend on cdk-nag: the app does, here.
func AddNagChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// SynthErrors returns the error messages of a synthesized cloud assembly
// (what app.Synth returns), each as "PATH: MESSAGE": the error annotations
// of its constructs, such as unsuppressed cdk-nag errors, which synthesis
// has already collected per stack. The CDK CLI fails `cdk synth` on these;
// the app binary uses SynthErrors to fail the same way when it runs
// without the CLI.
func SynthErrors(assembly cxapi.CloudAssembly) []string {
	var errs []string
	for _, stack := range *assembly.Stacks() {
		for _, m := range *stack.Messages() {
			if m.Level == cxapi.SynthesisMessageLevel_ERROR {
				errs = append(errs, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
			}
		}
	}
	return errs
}
