package runnertest

import (
	"strconv"
	"time"

	"github.com/ecsplit/ecsplit/constructs/ramp/lambda"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// Ramp adds to an app made Weighted, with alarms (ErrorRateAlarm), the
// ramp of service's share to the rule's percent as ecsplit's migration
// adds it: a Custom::EcsplitRamp named SERVICERamp whose properties
// (package lambda's) name the listener, the rule's priority and both
// target groups by Ref, and the alarms by Ref of their logical ids
// (a Ref of an alarm is its name); it waits for both services and the
// alarms, and the routing rule waits for it. The ramp goes through steps,
// baking bake at each.
func (a *App) Ramp(service, monolith string, steps []int, bake time.Duration, alarms ...string) *App {
	rule := a.Resource(service + "Rule")
	props := rule["Properties"].(map[string]any)
	percent := 0
	for _, g := range props["Actions"].([]any)[0].(map[string]any)["ForwardConfig"].(map[string]any)["TargetGroups"].([]any) {
		g := g.(map[string]any)
		if g["TargetGroupArn"].(map[string]any)["Ref"] == service+"TG" {
			percent = g["Weight"].(int)
		}
	}
	var names []any
	for _, id := range alarms {
		names = append(names, map[string]any{"Ref": id})
	}
	id := service + "Ramp"
	a.resources[id] = map[string]any{
		"Type":      transition.RampType,
		"DependsOn": append([]any{service + "Service", monolith + "Service"}, stringsAny(alarms)...),
		"Properties": map[string]any{
			"ServiceToken":                    "arn:aws:lambda:us-east-1:000000000000:function:App-ramp",
			lambda.PropService:                service,
			lambda.PropListenerArn:            map[string]any{"Ref": "Listener"},
			lambda.PropPriority:               strconv.Itoa(props["Priority"].(int)),
			lambda.PropServiceTargetGroupArn:  map[string]any{"Ref": service + "TG"},
			lambda.PropMonolithTargetGroupArn: map[string]any{"Ref": monolith + "TG"},
			lambda.PropPercent:                strconv.Itoa(percent),
			lambda.PropSteps:                  lambda.FormatSteps(steps),
			lambda.PropBakeSeconds:            strconv.Itoa(int(bake / time.Second)),
			lambda.PropAlarmNames:             names,
		},
	}
	rule["DependsOn"] = []any{service + "Service", id}
	return a
}

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
