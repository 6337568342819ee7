package transition

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// Order returns the steps in an order CloudFormation may carry them out:
// each after the steps it waits for, the lowest id first among those ready.
// It fails when a step waits for a step that is not in steps, or when
// steps wait for each other in a cycle: either would never start.
func Order(steps map[string]*Step) ([]*Step, error) {
	after := map[string][]string{}
	for id, st := range steps {
		after[id] = st.After
	}
	ids, err := sortAfter(after)
	var missing *missingError
	var cycle *cycleError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("step %s waits for %s, which is not a step of the plan", missing.id, missing.missing)
	case errors.As(err, &cycle):
		return nil, fmt.Errorf("steps %v wait for each other in a cycle", cycle.ids)
	}
	out := make([]*Step, len(ids))
	for i, id := range ids {
		out[i] = steps[id]
	}
	return out, nil
}

// StackOrder returns the stacks in the order `cdk deploy --all` deploys
// them, one at a time: each after the stacks it depends on, the lowest
// artifact id first among those ready. It fails when a stack depends on a
// stack that is not in stacks, or when stacks depend on each other in a
// cycle.
func StackOrder(stacks []cfn.Stack) ([]cfn.Stack, error) {
	after := map[string][]string{}
	byID := map[string]cfn.Stack{}
	for _, st := range stacks {
		after[st.ID] = st.DependsOn
		byID[st.ID] = st
	}
	ids, err := sortAfter(after)
	var missing *missingError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("stack %s depends on %s, which is not a stack of the assembly", missing.id, missing.missing)
	case err != nil:
		return nil, fmt.Errorf("the stacks depend on each other in a cycle")
	}
	out := make([]cfn.Stack, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// sortAfter orders the ids of a graph, given as what each id waits for:
// each after the ids it waits for, the lowest id first among those ready.
// It is the one topological sort of the package's callers. It fails with a
// *missingError when an id waits for one that is not in the graph (the
// first in id order), with a *cycleError when ids wait for each other in a
// cycle.
func sortAfter(after map[string][]string) ([]string, error) {
	ids := slices.Sorted(maps.Keys(after))
	for _, id := range ids {
		for _, a := range after[id] {
			if _, ok := after[a]; !ok {
				return nil, &missingError{id, a}
			}
		}
	}
	done := map[string]bool{}
	var order []string
	for len(order) < len(ids) {
		i := slices.IndexFunc(ids, func(id string) bool {
			return !done[id] && !slices.ContainsFunc(after[id], func(a string) bool { return !done[a] })
		})
		if i < 0 {
			return nil, &cycleError{slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return done[id] })}
		}
		done[ids[i]] = true
		order = append(order, ids[i])
	}
	return order, nil
}

// missingError is a wait for an id that is not in the graph.
type missingError struct{ id, missing string }

// Error names the id and the missing one.
func (e *missingError) Error() string {
	return e.id + " waits for " + e.missing + ", which is not there"
}

// cycleError lists the ids that can never be ready, sorted: those in a
// cycle and those that wait for them.
type cycleError struct{ ids []string }

// Error lists the ids.
func (e *cycleError) Error() string { return fmt.Sprintf("%v wait for each other in a cycle", e.ids) }
