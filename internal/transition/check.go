package transition

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
)

// Check proves, from two cloud assemblies (albemu.Load reads them) and
// CloudFormation's order, that updating every stack from the first to the
// second sends no share of a listener rule's traffic to an ECS service
// that is not there:
//
//   - a rule that routes a share (a weight above 0) to a target group whose
//     service is created in this update depends on that service, directly
//     or not, so CloudFormation creates or updates the rule only once the
//     service is stable; and on the service's scalable target, if it has
//     one, so that Application Auto Scaling has raised the service's desired
//     count from the one task ECS starts it with to its minimum capacity
//     (it does so when it registers the target) before the share comes;
//   - a rule that routes a share to a service this update deletes is
//     either updated not to (updates come before the cleanup phase) or
//     deleted before the service (it depends on it);
//   - a rule that routes a share to a target group in which this update
//     registers a service that it keeps (its LoadBalancers gain the
//     group: ECS registers new tasks there in a rolling deployment)
//     depends on that service, so that CloudFormation changes the rule
//     once the deployment is stable;
//   - a rule that routes a share to a target group that a kept service
//     leaves (its deployment deregisters and drains the old tasks there)
//     is updated not to, and the service depends on the rule in the new
//     template, so that its update waits for the rule's. A rule that this
//     update deletes cannot be ordered so: the deletion comes in the
//     cleanup phase, after the service's update has drained the group;
//   - each ramp of the new assembly writes its steps after the services it
//     shares to are stable and before its rule (CheckRamps).
//
// A rule "routes a share" when it carries a part of the traffic of its
// paths: it has only path-pattern conditions (albemu.Rule.PathsOnly). A
// preview rule, which also matches a header or a source no client has,
// carries only the requests that ask for it. Check returns one line per
// violation.
func Check(from, to *albemu.Assembly) []string {
	var problems []string
	// Rules of the new assembly that share to a service created now, or
	// to a target group a kept service is registered in anew.
	for _, r := range to.Listener.Rules {
		for _, tg := range shares(r) {
			for _, t := range to.TargetGroups[tg].Targets {
				svc := t.Service.ID
				if has(from, svc) {
					if !registered(from, tg, svc) && !dependsOn(to, r.ID, svc) {
						problems = append(problems, fmt.Sprintf("%s routes a share to %s, in which this update registers %s, without depending on it: "+
							"the share reaches the target group (503) before the service's deployment has registered healthy tasks there", r.ID, tg, svc))
					}
					continue
				}
				if !dependsOn(to, r.ID, svc) {
					problems = append(problems, fmt.Sprintf("%s routes a share to %s, which this update creates, without depending on it: "+
						"the share reaches a target group with no healthy target (503) until the service is stable", r.ID, svc))
				}
				for _, target := range scalableTargets(to, svc) {
					if !dependsOn(to, r.ID, target) {
						problems = append(problems, fmt.Sprintf("%s routes a share to %s, which this update creates, without depending on its scalable target %s: "+
							"the share reaches the one task ECS starts a new service with, until Application Auto Scaling raises it to its minimum", r.ID, svc, target.LogicalID))
					}
				}
			}
		}
	}
	// Rules of the old assembly that share to a service deleted now, or
	// to a target group a kept service leaves.
	for _, r := range from.Listener.Rules {
		for _, tg := range shares(r) {
			for _, t := range from.TargetGroups[tg].Targets {
				svc := t.Service.ID
				if has(to, svc) {
					if !registered(to, tg, svc) {
						problems = append(problems, leaving(to, r, tg, svc)...)
					}
					continue
				}
				if next := to.Listener.Rule(r.ID); next != nil {
					if slices.Contains(shares(next), tg) {
						problems = append(problems, fmt.Sprintf("%s still routes a share to %s, whose service %s this update deletes", r.ID, tg, svc))
					}
					continue
				}
				if !dependsOn(from, r.ID, svc) {
					problems = append(problems, fmt.Sprintf("%s routes a share to %s, which this update deletes, without depending on it: "+
						"CloudFormation may delete the service first, and the share gets 503s until the rule goes", r.ID, svc))
				}
			}
		}
	}
	return append(problems, CheckRamps(to)...)
}

// leaving checks rule r of the old assembly, which routes a share to
// target group tg, that service svc, kept by the update, leaves: the
// service's update deregisters its tasks from tg and drains them, so the
// rule must stop routing there first.
func leaving(to *albemu.Assembly, r *albemu.Rule, tg, svc albemu.ResourceID) []string {
	next := to.Listener.Rule(r.ID)
	switch {
	case next == nil:
		return []string{fmt.Sprintf("%s routes a share to %s, which %s leaves in this update, and is deleted only in the cleanup phase: "+
			"the service's update drains the target group first, and the share gets 503s until the rule goes", r.ID, tg, svc)}
	case slices.Contains(shares(next), tg):
		return []string{fmt.Sprintf("%s still routes a share to %s, which %s leaves in this update", r.ID, tg, svc)}
	case !dependsOn(to, svc, r.ID):
		return []string{fmt.Sprintf("%s leaves %s without depending on %s, which routes a share there until it is updated: "+
			"the service's update may drain the target group first, and the share gets 503s", svc, tg, r.ID)}
	}
	return nil
}

// registered reports whether service svc has targets in target group tg
// of the assembly.
func registered(a *albemu.Assembly, tg, svc albemu.ResourceID) bool {
	g := a.TargetGroups[tg]
	return g != nil && slices.ContainsFunc(g.Targets, func(t *albemu.Target) bool { return t.Service.ID == svc })
}

// shares returns the target groups a rule sends a share of its paths'
// traffic to: none for a preview rule or a rule that does not forward.
func shares(r *albemu.Rule) []albemu.ResourceID {
	if !r.PathsOnly() || r.Action.Forward == nil {
		return nil
	}
	var out []albemu.ResourceID
	for _, t := range r.Action.Forward.TargetGroups {
		if t.Weight > 0 {
			out = append(out, t.TargetGroup)
		}
	}
	return out
}

// scalableTargets returns the Application Auto Scaling targets of an ECS
// service of the assembly: those of its stack that refer to it (their
// ResourceId names the service).
func scalableTargets(a *albemu.Assembly, svc albemu.ResourceID) []albemu.ResourceID {
	t := a.Templates.Stacks[svc.Stack]
	var out []albemu.ResourceID
	for _, id := range t.OfType("AWS::ApplicationAutoScaling::ScalableTarget") {
		if slices.Contains(t.References(id), svc.LogicalID) {
			out = append(out, albemu.ResourceID{Stack: svc.Stack, LogicalID: id})
		}
	}
	return out
}

// has reports whether the assembly has the resource.
func has(a *albemu.Assembly, id albemu.ResourceID) bool {
	t := a.Templates.Stacks[id.Stack]
	return t != nil && t.Resources[id.LogicalID] != nil
}

// dependsOn reports whether resource x depends on resource y in the same
// stack of the assembly. (A dependency across stacks is the stacks' order,
// not the resources'.)
func dependsOn(a *albemu.Assembly, x, y albemu.ResourceID) bool {
	return x.Stack == y.Stack && a.Templates.Stacks[x.Stack].DependsOnTransitively(x.LogicalID, y.LogicalID)
}

// Plans returns the plan of each stack of the update from one assembly to
// the next, by the stack's artifact id.
func Plans(from, to *cfn.Assembly) map[string]*Plan {
	plans := map[string]*Plan{}
	for _, id := range slices.Sorted(maps.Keys(to.Stacks)) {
		plans[id] = NewPlan(from.Stacks[id], to.Stacks[id])
	}
	return plans
}
