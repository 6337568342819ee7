package deploy

import (
	"fmt"
	"slices"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// setRule makes the front door serve a rule created, updated or deleted:
// its rules now are those it served, without the rule's old version, with
// its new one (the phase's assembly's), in priority order. A rule that the
// phase's assembly does not attach to the served listener changes nothing.
// Like the ALB, it refuses a rule whose priority another rule holds
// (PriorityInUse).
func (r *run) setRule(ph phase, id albemu.ResourceID, change transition.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.s.Router.Listener()
	rules := slices.DeleteFunc(slices.Clone(cur.Rules), func(x *albemu.Rule) bool { return x.ID == id })
	if change != transition.Delete {
		next := ph.to.Listener.Rule(id)
		if next == nil {
			return nil
		}
		if other := albemu.PriorityInUse(rules, next); other != nil {
			return fmt.Errorf("priority %d is the priority of %s too (PriorityInUse)", next.Priority, other.ID)
		}
		rules = append(rules, next)
	} else if len(rules) == len(cur.Rules) {
		return nil
	}
	l := *cur
	l.Rules = rules
	r.serve(&l)
	return nil
}

// setDefault makes the front door serve the default action of an updated
// listener, when it is the listener the front door serves.
func (r *run) setDefault(ph phase, id albemu.ResourceID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.s.Router.Listener()
	if id != cur.ID || id != ph.to.Listener.ID {
		return
	}
	l := *cur
	l.Default = ph.to.Listener.Default
	r.serve(&l)
}

// serve swaps the front door's listener and records it. r.mu is held.
func (r *run) serve(l *albemu.Listener) {
	r.s.Router.SetListener(l)
	r.res.Listeners = append(r.res.Listeners, r.s.Router.Listener())
}
