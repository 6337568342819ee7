// Package synth synthesizes a CDK app and returns, as one typed error,
// every problem its constructs reported: ecsplit's constructs report each
// invalid prop as an error annotation (one line that names the construct,
// the prop, the value and what is allowed), as aws-cdk-lib's do, and so do
// other libraries, such as cdk-nag for an unsuppressed finding. `cdk synth`
// prints those and fails on its own; a program that builds and synthesizes
// an app itself calls Run to learn of them.
package synth

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

// Problem is one error a construct reported.
type Problem struct {
	// Path is the construct's path, such as "/EcsplitServices/Default/users".
	Path string
	// Construct is the kind of ecsplit construct that reported it (alb,
	// cluster, microservice, migration), "" for a problem of another
	// library.
	Construct string
	// ID is the ecsplit construct's id, "" for another library's.
	ID string
	// Prop is the prop the problem is about, such as "CPU" or
	// "Services[1].MemoryMiB", "" for another library's problem.
	Prop string
	// Detail is what is wrong with the prop and what is allowed: the
	// message without the construct and the prop; "" for another
	// library's problem.
	Detail string
	// Message is the whole message, as `cdk synth` prints it.
	Message string
}

// Error returns the message.
func (p Problem) Error() string { return p.Message }

// Errors are the problems of an app, in construct path order.
type Errors []Problem

// Error returns the problems' messages, one a line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Message
	}
	return strings.Join(lines, "\n")
}

// Run synthesizes app (with opts, which may be nil) and returns its cloud
// assembly and, when a construct reported an error, the Errors of every
// one: the error annotations of the assembly, or, when a construct
// validation failed (which makes the CDK's synthesis throw, and write no
// assembly), the failed validations, with a nil assembly. Any other
// exception of the jsii kernel reaches the caller as the panic it is.
func Run(app awscdk.App, opts *awscdk.StageSynthesisOptions) (asm cxapi.CloudAssembly, err error) {
	defer func() {
		if r := recover(); r != nil {
			errs, ok := validationErrors(r)
			if !ok {
				panic(r)
			}
			asm, err = nil, errs
		}
	}()
	asm = app.Synth(opts)
	if errs := Of(asm); len(errs) > 0 {
		return asm, errs
	}
	return asm, nil
}

// validationFailed begins the message of the CDK's exception when
// construct validations fail; a line "[PATH] MESSAGE" follows for each.
const validationFailed = "Validation failed with the following errors:"

// validationLineRE is one failed validation of that message.
var validationLineRE = regexp.MustCompile(`^\s*\[([^\]]*)\]\s*(.+)$`)

// validationErrors returns the failed construct validations of what the
// synthesis panicked with, and false when it is not such a failure.
func validationErrors(r any) (Errors, bool) {
	err, ok := r.(error)
	if !ok {
		return nil, false
	}
	_, rest, ok := strings.Cut(err.Error(), validationFailed)
	if !ok {
		return nil, false
	}
	var errs Errors
	for _, line := range strings.Split(rest, "\n") {
		if m := validationLineRE.FindStringSubmatch(line); m != nil {
			errs = append(errs, problem("/"+strings.TrimPrefix(m[1], "/"), strings.TrimSpace(m[2])))
		}
	}
	return errs, len(errs) > 0
}

// problem returns the Problem of a message reported at path, with the
// parts of an ecsplit construct's message.
func problem(path, msg string) Problem {
	p := Problem{Path: path, Message: msg}
	if parts, ok := invalid.Parse(msg); ok {
		p.Construct, p.ID, p.Prop, p.Detail = parts.Kind, parts.ID, parts.Prop, parts.Detail
	}
	return p
}

// Of returns the problems reported in a synthesized cloud assembly, nested
// assemblies included; nil when there is none.
func Of(asm cxapi.CloudAssembly) Errors {
	var errs Errors
	for _, stack := range *asm.Stacks() {
		for _, m := range *stack.Messages() {
			if m.Level != cxapi.SynthesisMessageLevel_ERROR {
				continue
			}
			errs = append(errs, problem(*m.Id, fmt.Sprint(m.Entry.Data)))
		}
	}
	for _, nested := range *asm.NestedAssemblies() {
		errs = append(errs, Of(nested.NestedAssembly())...)
	}
	slices.SortStableFunc(errs, func(a, b Problem) int { return cmp.Compare(a.Path, b.Path) })
	return errs
}
