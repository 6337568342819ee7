package transition

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// RampType is the CloudFormation type of a migration's ramp
// (migration.RampResourceType): a custom resource that, before the routing
// rule it names (by its listener and priority) is updated, writes shares
// of that rule's traffic itself, step by step.
const RampType = "Custom::EcsplitRamp"

// CheckRamps proves, from a cloud assembly, that each ramp writes shares
// only where Check would let the rule write them, and before the rule:
//
//   - the ramp's rule (the routing rule at its Priority) depends on the
//     ramp, so CloudFormation writes the state's weights after the ramp,
//     never under it;
//   - the ramp depends on every ECS service that the rule routes a share
//     to, and on its scalable target, as the rule must (Check): a step
//     sends a share to the service before the rule is updated;
//   - its ServiceTargetGroupArn is one of the rule's target groups.
//
// It returns one line per violation.
func CheckRamps(a *albemu.Assembly) []string {
	var problems []string
	for _, stack := range slices.Sorted(maps.Keys(a.Templates.Stacks)) {
		t := a.Templates.Stacks[stack]
		for _, id := range t.OfType(RampType) {
			ramp := albemu.ResourceID{Stack: stack, LogicalID: id}
			props := t.Resources[id].Properties
			priority, err := strconv.Atoi(fmt.Sprint(props["Priority"]))
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: Priority %v is not a number", ramp, props["Priority"]))
				continue
			}
			i := slices.IndexFunc(a.Listener.Rules, func(r *albemu.Rule) bool { return r.Priority == priority && r.PathsOnly() })
			if i < 0 {
				problems = append(problems, fmt.Sprintf("%s ramps the rule at priority %d, which the listener does not have", ramp, priority))
				continue
			}
			rule := a.Listener.Rules[i]
			if rule.Action.Forward == nil {
				problems = append(problems, fmt.Sprintf("%s ramps %s, which forwards to no target group", ramp, rule.ID))
				continue
			}
			if !dependsOn(a, rule.ID, ramp) {
				problems = append(problems, fmt.Sprintf("%s does not depend on %s: CloudFormation may write the state's weights while the ramp writes its steps", rule.ID, ramp))
			}
			var groups []string
			for _, tg := range rule.Action.Forward.TargetGroups {
				groups = append(groups, tg.TargetGroup.LogicalID)
				for _, target := range a.TargetGroups[tg.TargetGroup].Targets {
					svc := target.Service.ID
					if !dependsOn(a, ramp, svc) {
						problems = append(problems, fmt.Sprintf("%s writes shares of %s to %s without depending on its service %s: a step may reach a service that is not stable", ramp, rule.ID, tg.TargetGroup, svc))
					}
					for _, st := range scalableTargets(a, svc) {
						if !dependsOn(a, ramp, st) {
							problems = append(problems, fmt.Sprintf("%s writes shares of %s to %s without depending on the scalable target %s of its service", ramp, rule.ID, tg.TargetGroup, st.LogicalID))
						}
					}
				}
			}
			group, _ := props["ServiceTargetGroupArn"].(map[string]any)
			ref, _ := group["Ref"].(string)
			if !slices.Contains(groups, ref) {
				problems = append(problems, fmt.Sprintf("%s: its service's target group %v is not one of %s's %v", ramp, props["ServiceTargetGroupArn"], rule.ID, groups))
			}
		}
	}
	return problems
}
