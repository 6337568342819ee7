package stacks

import (
	"fmt"
	"regexp"
	"strings"
)

// validationLineRE matches a line of the CDK's "Validation failed with the
// following errors" report: "[CONSTRUCT PATH] MESSAGE".
var validationLineRE = regexp.MustCompile(`^\s*\[[^\]]*\]\s*(.+)$`)

// PanicLines turns what a construct or the CDK panicked with into the lines
// the app prints after "ecsplit:": the messages of a failed validation, one
// a line, or the first line of any other panic; the "ecsplit " that begins
// the constructs' messages is left out.
func PanicLines(r any) []string {
	msg := fmt.Sprint(r)
	if err, ok := r.(error); ok {
		msg = err.Error()
	}
	var lines []string
	if _, rest, ok := strings.Cut(msg, "Validation failed with the following errors:"); ok {
		for _, l := range strings.Split(rest, "\n") {
			if m := validationLineRE.FindStringSubmatch(l); m != nil {
				lines = append(lines, strings.TrimPrefix(strings.TrimSpace(m[1]), "ecsplit "))
			}
		}
	}
	if len(lines) == 0 {
		first, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
		lines = append(lines, strings.TrimPrefix(first, "ecsplit "))
	}
	return lines
}
