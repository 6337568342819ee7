package test

import (
	"errors"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	synthrun "github.com/ecsplit/ecsplit/constructs/synth"
)

// failingValidation is a construct validation that always fails with its
// messages.
type failingValidation struct{ messages []string }

// Validate returns the messages.
func (f *failingValidation) Validate() *[]*string { return jsii.Strings(f.messages...) }

// TestRunReportsFailedValidations: a failed construct validation, which
// makes the CDK's synthesis throw, reaches synth.Run's caller as Errors
// with each construct's path and message, an ecsplit construct's split
// into its parts, rather than as a panic of the jsii kernel.
func TestRunReportsFailedValidations(t *testing.T) {
	jsiiTest(t)
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	c := constructs.NewConstruct(stack, jsii.String("Thing"))
	c.Node().AddValidation(&failingValidation{[]string{`ecsplit microservice "Thing": CPU: must be 256, got 300`, "another library's problem"}})
	asm, err := synthrun.Run(app, nil)
	var problems synthrun.Errors
	if !errors.As(err, &problems) {
		t.Fatalf("synthrun.Run: %v, want synthrun.Errors", err)
	}
	if asm != nil {
		t.Error("synth.Run returned an assembly for a synthesis that threw")
	}
	want := synthrun.Errors{
		{Path: "/S/Thing", Construct: "microservice", ID: "Thing", Prop: "CPU", Detail: "must be 256, got 300", Message: `ecsplit microservice "Thing": CPU: must be 256, got 300`},
		{Path: "/S/Thing", Message: "another library's problem"},
	}
	if len(problems) != len(want) {
		t.Fatalf("problems %+v, want %+v", problems, want)
	}
	for i := range want {
		if problems[i] != want[i] {
			t.Errorf("problem %d: %+v, want %+v", i, problems[i], want[i])
		}
	}
}
