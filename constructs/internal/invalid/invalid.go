// Package invalid formats the synth-time errors of ecsplit's constructs:
// one line that names the kind of construct, its id, the prop, the value and
// what is allowed, so that every construct reports a bad prop the same way.
package invalid

import "fmt"

// Construct names the construct whose props are being checked.
type Construct struct {
	// Kind is the construct's package: alb, cluster, microservice, migration.
	Kind string
	// ID is the construct's id in its scope.
	ID string
}

// Message returns the one-line error for prop: `ecsplit KIND "ID": PROP: ...`.
func (c Construct) Message(prop, format string, args ...any) string {
	return fmt.Sprintf("ecsplit %s %q: %s: %s", c.Kind, c.ID, prop, fmt.Sprintf(format, args...))
}

// Fail panics with Message. Constructs panic at synth time, as the CDK's
// own constructs throw; the app turns the panic into one line.
func (c Construct) Fail(prop, format string, args ...any) {
	panic(c.Message(prop, format, args...))
}
