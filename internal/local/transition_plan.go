package local

import (
	"errors"
	"maps"
	"slices"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// deployOrder returns the stacks in the order `cdk deploy --all` deploys
// them: each after the stacks it depends on, one at a time, by artifact id
// among those ready together.
func deployOrder(stacks []albemu.Stack) ([]albemu.Stack, error) {
	var order []albemu.Stack
	done := map[string]bool{}
	for len(order) < len(stacks) {
		i := slices.IndexFunc(stacks, func(st albemu.Stack) bool {
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

// withServiceUpdates returns the plan's steps, with an update step for
// each ECS service whose task definition the plan replaces while the
// service's own template is unchanged. A task definition cannot change in
// place: CloudFormation replaces it, and the service, whose
// {"Ref": TaskDefinition} now names the new one, is updated after it: a
// new deployment. The plan, which compares the templates' text, has no
// step for it.
func withServiceUpdates(p *transition.Plan) map[string]*transition.Step {
	steps := maps.Clone(p.Steps)
	for _, id := range p.New.OfType(albemu.TypeService) {
		td, _ := p.New.Resources[id].Properties["TaskDefinition"].(map[string]any)
		ref, _ := td["Ref"].(string)
		if st := steps[ref]; steps[id] == nil && st != nil && st.Change == transition.Update {
			addUpdate(steps, p.New, id)
		}
	}
	return steps
}

// addUpdate adds an update step for resource id of template tpl to steps:
// after the steps of what it depends on, before the cleanup phase.
func addUpdate(steps map[string]*transition.Step, tpl *cfn.Template, id string) {
	up := &transition.Step{ID: id, Type: tpl.Resources[id].Type, Change: transition.Update}
	for _, d := range tpl.Dependencies(id) {
		if steps[d] != nil {
			up.After = append(up.After, d)
		}
	}
	for k, st := range steps {
		if st.Change == transition.Delete {
			c := *st
			c.After = append(slices.Clone(st.After), id)
			steps[k] = &c
		}
	}
	steps[id] = up
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
	var redeployed []string
	for _, id := range started {
		switch st := p.Steps[id]; {
		case st == nil:
			redeployed = append(redeployed, id) // an update withServiceUpdates added
		case st.Change != transition.Delete:
			now.Resources[id] = p.New.Resources[id]
		}
	}
	steps := maps.Clone(transition.NewPlan(now, p.Old).Steps)
	for _, id := range redeployed {
		addUpdate(steps, p.Old, id)
	}
	return steps
}
