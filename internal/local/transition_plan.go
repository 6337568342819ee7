package local

import (
	"errors"
	"maps"
	"slices"

	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// deployOrder returns the stacks in the order `cdk deploy --all` deploys
// them: each after the stacks it depends on, one at a time, by artifact id
// among those ready together.
func deployOrder(stacks []cfn.Stack) ([]cfn.Stack, error) {
	var order []cfn.Stack
	done := map[string]bool{}
	for len(order) < len(stacks) {
		i := slices.IndexFunc(stacks, func(st cfn.Stack) bool {
			return !done[st.ID] && !slices.ContainsFunc(st.DependsOn, func(d string) bool { return !done[d] })
		})
		if i < 0 {
			return nil, errors.New("the stacks depend on each other in a cycle")
		}
		done[stacks[i].ID] = true
		order = append(order, stacks[i])
	}
	return order, nil
}

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
