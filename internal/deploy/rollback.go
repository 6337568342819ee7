package deploy

import (
	"maps"
	"slices"

	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// rollbackSteps returns the steps of CloudFormation's rollback of a stack
// update that failed once the steps in started had begun: every resource
// those steps created or updated goes back to the old template (updates
// first, in the old template's order), and what they created is deleted,
// dependents first. A service that a replaced task definition had updated
// is updated back. (CloudFormation does not roll back the cleanup phase:
// a failed deletion leaves the update complete.)
func rollbackSteps(p *transition.Plan, started []string) map[string]*transition.Step {
	now := &cfn.Template{Resources: maps.Clone(p.Old.Resources)}
	for _, id := range started {
		if st := p.Steps[id]; st != nil && st.Change != transition.Delete {
			now.Resources[id] = p.New.Resources[id]
		}
	}
	steps := maps.Clone(transition.NewPlan(now, p.Old).Steps)
	// A service that refers to a replaced task definition gets an update in
	// the plan, but only the services whose update had started go back.
	for id, st := range steps {
		if st.Change == transition.Update && !slices.Contains(started, id) && now.Resources[id] == p.Old.Resources[id] {
			delete(steps, id)
		}
	}
	for id, st := range steps {
		c := *st
		c.After = slices.DeleteFunc(slices.Clone(st.After), func(a string) bool { return steps[a] == nil })
		steps[id] = &c
	}
	return steps
}
