package main

import (
	"fmt"
	"io"
	"reflect"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// sameTemplates reports whether two cloud assemblies hold the same stacks
// with the same templates (resources, outputs, parameters, conditions and
// mappings, as CloudFormation reads them): whatever their directories,
// they are one stage.
func sameTemplates(a, b *albemu.Assembly) bool {
	return reflect.DeepEqual(a.Templates.Artifacts, b.Templates.Artifacts) &&
		reflect.DeepEqual(a.Templates.Stacks, b.Templates.Stacks)
}

// warnSameTemplates warns when two stages that were asked for differently
// (another context, another assembly) have the same templates: both run
// one stage, and agree by construction. With contexts, the context most
// likely did not reach the app: it reads another key, or none, and both
// sides got its default stage. Two sides asked for alike (the same
// context, to compare two services files or two sets of request headers)
// are the same stage on purpose.
func warnSameTemplates(w io.Writer, a *stageFlags, aAsm *albemu.Assembly, b *stageFlags, bAsm *albemu.Assembly) {
	if a.describe() == b.describe() || !sameTemplates(aAsm, bAsm) {
		return
	}
	hint := ""
	if len(a.context) > 0 || len(b.context) > 0 {
		hint = "; does the app read these context keys? Give -c the keys it reads"
	}
	fmt.Fprintf(w, "ecsplit-local: warning: %s (%s) and %s (%s) have the same templates: they are one stage, which agrees with itself%s\n",
		a.label, a.describe(), b.label, b.describe(), hint)
}
