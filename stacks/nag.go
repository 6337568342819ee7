package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AddNagChecks applies cdk-nag's AwsSolutions rules to every construct of
// the app. An unsuppressed finding of error level becomes an error
// annotation, which makes `cdk synth` fail (and synth.Run, which the app
// binary uses); a warning-level finding becomes a warning annotation. The
// justified suppressions live in the constructs that own the resources
// (constructs/alb, constructs/cluster, constructs/microservice), so apps
// that import them inherit them. The constructs write them as the
// resource metadata these checks read (Metadata.cdk_nag), so the library
// does not depend on cdk-nag: the app does, here.
func AddNagChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}
