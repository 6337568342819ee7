// Package transition works out how CloudFormation carries a stack from one
// template to the next (which resources it creates, updates and deletes,
// and what each change waits for) and checks that no step of it sends
// requests to an ECS service that is not there: no share of a rule's
// traffic reaches a service before the service is created and stable, and
// no service is deleted while a rule still sends it a share.
//
// CloudFormation's order, which the plan follows: it creates and updates
// resources in the new template's dependency order (DependsOn, Ref,
// Fn::GetAtt), each once everything it depends on is done; when all of
// those are done it deletes what the new template no longer has, in the
// cleanup phase, dependents before what they depend on (by the old
// template's dependencies).
package transition

import (
	"maps"
	"reflect"
	"slices"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
)

// Change is what CloudFormation does to one resource.
type Change string

// Changes.
const (
	Create Change = "create"
	Update Change = "update"
	Delete Change = "delete"
)

// Step is the change of one resource.
type Step struct {
	// ID is the resource's logical id.
	ID string
	// Type is its resource type.
	Type string
	// Change is what happens to it.
	Change Change
	// After are the ids of the steps that finish before this one starts.
	After []string
}

// Plan is how CloudFormation updates a stack from Old to New.
type Plan struct {
	// Old is the stack's template before the update; a template without
	// resources when the update creates the stack.
	Old *cfn.Template
	// New is the stack's template after the update.
	New *cfn.Template
	// Steps holds a step for each resource that changes, by logical id.
	Steps map[string]*Step
}

// NewPlan works out the steps of updating a stack from template old to
// template new. A nil old is a stack's creation.
func NewPlan(old, new *cfn.Template) *Plan {
	if old == nil {
		old = &cfn.Template{Resources: map[string]*cfn.Resource{}}
	}
	p := &Plan{Old: old, New: new, Steps: map[string]*Step{}}
	for _, id := range slices.Sorted(maps.Keys(new.Resources)) {
		r := new.Resources[id]
		before, existed := old.Resources[id]
		switch {
		case !existed:
			p.Steps[id] = &Step{ID: id, Type: r.Type, Change: Create}
		case changed(before, r):
			p.Steps[id] = &Step{ID: id, Type: r.Type, Change: Update}
		}
	}
	p.propagateReplacements()
	var writes []string // creations and updates: the cleanup phase waits for them
	for _, id := range slices.Sorted(maps.Keys(p.Steps)) {
		writes = append(writes, id)
		for _, d := range new.Dependencies(id) {
			if _, ok := p.Steps[d]; ok {
				p.Steps[id].After = append(p.Steps[id].After, d)
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(old.Resources)) {
		if _, kept := new.Resources[id]; !kept {
			p.Steps[id] = &Step{ID: id, Type: old.Resources[id].Type, Change: Delete, After: slices.Clone(writes)}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(old.Resources)) {
		if s := p.Steps[id]; s == nil || s.Change != Delete {
			continue
		}
		// id is deleted after the deleted resources that depend on it.
		for _, d := range old.Dependencies(id) {
			if s := p.Steps[d]; s != nil && s.Change == Delete {
				s.After = append(s.After, id)
			}
		}
	}
	return p
}

// replacedOnUpdate are the resource types CloudFormation replaces whenever
// they change (they have no updatable property): a new physical id, so
// that every resource referring to them is updated too, although its own
// text is the same.
var replacedOnUpdate = map[string]bool{albemu.TypeTaskDefinition: true}

// propagateReplacements adds an update step for each kept resource that
// refers (Ref, Fn::GetAtt) to a resource replacedOnUpdate that this update
// replaces: an ECS service whose task definition changes gets a new
// deployment.
func (p *Plan) propagateReplacements() {
	for changedSome := true; changedSome; {
		changedSome = false
		for _, id := range slices.Sorted(maps.Keys(p.New.Resources)) {
			if p.Steps[id] != nil || p.Old.Resources[id] == nil {
				continue
			}
			for _, d := range p.New.References(id) {
				if s := p.Steps[d]; s != nil && s.Change == Update && replacedOnUpdate[s.Type] {
					p.Steps[id] = &Step{ID: id, Type: p.New.Resources[id].Type, Change: Update}
					changedSome = true
					break
				}
			}
		}
	}
}

// changed reports whether CloudFormation updates a resource kept from one
// template to the next: its type, properties, DependsOn or condition
// differ. (Metadata alone changes nothing of the resource.)
func changed(a, b *cfn.Resource) bool {
	return a.Type != b.Type || !reflect.DeepEqual(a.Properties, b.Properties) ||
		!slices.Equal(a.DependsOn, b.DependsOn) || a.Condition != b.Condition
}
