// Package invalid reports the synth-time problems of ecsplit's constructs:
// one line each that names the kind of construct, its id, the prop, the
// value and what is allowed, so that every construct reports a bad prop the
// same way. A construct reports its problems as error annotations on
// itself, as aws-cdk-lib's constructs do: `cdk synth` prints each one, with
// the construct's path, and fails; every problem of an app shows at once,
// and no program needs a recover (package synth gives programs a typed
// error of them).
package invalid

import (
	"fmt"
	"regexp"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The construct metadata types of annotations (aws-cdk-lib's
// cxschema.ArtifactMetadataEntryType).
const (
	ErrorMetadata   = "aws:cdk:error"
	WarningMetadata = "aws:cdk:warning"
	InfoMetadata    = "aws:cdk:info"
)

// Warn adds a warning annotation to scope, as Annotations.addWarningV2
// does, but without a stack trace (the jsii kernel's JavaScript, which the
// CLI would print above the message). Its message ends in the tag
// "[ack: id]", as addWarningV2 writes it: the CLI prints "Acknowledge with
// 'Annotation::id'", and the user's
// awscdk.Annotations_Of(scope).AcknowledgeWarning(id, reason), called once
// the construct exists, removes it.
func Warn(scope constructs.IConstruct, id, msg string) {
	scope.Node().AddMetadata(jsii.String(WarningMetadata), jsii.String(msg+" [ack: "+id+"]"), &constructs.MetadataOptions{StackTrace: jsii.Bool(false)})
}

// Info adds an info annotation to scope, as Annotations.addInfo does but
// without a stack trace.
func Info(scope constructs.IConstruct, msg string) {
	scope.Node().AddMetadata(jsii.String(InfoMetadata), jsii.String(msg), &constructs.MetadataOptions{StackTrace: jsii.Bool(false)})
}

// Construct reports the problems of one construct's props.
type Construct struct {
	// Kind is the construct's package: alb, cluster, microservice, migration.
	Kind string
	// ID is the construct's id in its scope.
	ID string
	// Scope is the construct the problems are reported on, an error
	// annotation each.
	Scope constructs.IConstruct
	// Prefix begins the name of every prop reported, such as
	// "Services[1]." when a migration checks the props of a service it
	// will create.
	Prefix string
	// problems counts the problems reported, shared by the copies of a
	// Construct that New returns (Under).
	problems *int
}

// New returns the reporter of the construct scope, of that kind and id.
func New(scope constructs.IConstruct, kind, id string) Construct {
	return Construct{Kind: kind, ID: id, Scope: scope, problems: new(int)}
}

// Under returns a reporter that names every prop prefix+PROP and whose
// problems count as c's.
func (c Construct) Under(prefix string) Construct {
	c.Prefix += prefix
	return c
}

// Message returns the one-line problem of prop: `ecsplit KIND "ID": PROP: ...`.
func (c Construct) Message(prop, format string, args ...any) string {
	return fmt.Sprintf("ecsplit %s %q: %s%s: %s", c.Kind, c.ID, c.Prefix, prop, fmt.Sprintf(format, args...))
}

// Fail reports a problem of prop as an error annotation on Scope, of a
// reporter that New made. The construct goes on checking, so that every
// problem shows at once; it builds nothing once one failed (Failed).
func (c Construct) Fail(prop, format string, args ...any) {
	msg := c.Message(prop, format, args...)
	// What Annotations.addError records, without the stack trace it takes:
	// a trace of the jsii kernel's JavaScript, which the CLI would print
	// above the message and which tells a Go user nothing.
	c.Scope.Node().AddMetadata(jsii.String(ErrorMetadata), jsii.String(msg), &constructs.MetadataOptions{StackTrace: jsii.Bool(false)})
	*c.problems++
}

// Problems returns how many problems were reported through c, or through a
// copy of it made by Under.
func (c Construct) Problems() int { return *c.problems }

// Failed reports whether a problem was reported through c, or through a
// copy of it made by Under.
func (c Construct) Failed() bool { return c.Problems() > 0 }

// tokenRE matches the encoding of a token in a string: "${Token[...]}" for
// a string, "#{Token[...]}" for a list (aws-cdk-lib's token encoding).
var tokenRE = regexp.MustCompile(`[$#]\{Token\[[^\]]+\]\}`)

// Unresolved reports whether s holds an unresolved token, such as an
// attribute of a resource or a parameter: a value known only at deploy
// time, which a synth-time check must skip, as aws-cdk-lib's do
// (Token.isUnresolved, read here without a call into the jsii kernel).
func Unresolved(s string) bool {
	return tokenRE.MatchString(s)
}

// messageRE parses a Message back into its parts.
var messageRE = regexp.MustCompile(`^ecsplit ([a-z]+) "((?:[^"\\]|\\.)*)": ([^ :]+): (.*)$`)

// Parts are the parts of a problem's message.
type Parts struct {
	// Kind, ID and Prop are as Message was given them (Prop with its
	// prefix).
	Kind, ID, Prop string
	// Detail is what is wrong and what is allowed.
	Detail string
}

// Parse returns the parts of a message that Message wrote, and false for
// any other message.
func Parse(msg string) (Parts, bool) {
	m := messageRE.FindStringSubmatch(msg)
	if m == nil {
		return Parts{}, false
	}
	var id string
	if _, err := fmt.Sscanf(`"`+m[2]+`"`, "%q", &id); err != nil {
		id = m[2]
	}
	return Parts{Kind: m[1], ID: id, Prop: m[3], Detail: m[4]}, true
}
