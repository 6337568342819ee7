package lambda

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/constructs/ramp"
)

func usersProps() map[string]any {
	return map[string]any{
		PropService:                "users",
		PropListenerArn:            listener,
		PropPriority:               "30",
		PropServiceTargetGroupArn:  usersTG,
		PropMonolithTargetGroupArn: monoTG,
		PropPercent:                "100",
		PropSteps:                  "10,25,50",
		PropBakeSeconds:            "300",
		PropAlarmNames:             []any{"users-5xx", "shop-lb-5xx"},
	}
}

func TestSpecOf(t *testing.T) {
	spec, err := SpecOf(usersProps())
	if err != nil {
		t.Fatal(err)
	}
	want := ramp.Spec{
		Service:                "users",
		ListenerArn:            listener,
		Priority:               30,
		ServiceTargetGroupArn:  usersTG,
		MonolithTargetGroupArn: monoTG,
		Percent:                100,
		Plan:                   ramp.Plan{Steps: []int{10, 25, 50}, Bake: 5 * time.Minute},
		Alarms:                 []string{"users-5xx", "shop-lb-5xx"},
	}
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("SpecOf = %+v, want %+v", spec, want)
	}
	back, err := SpecOf(Properties(spec))
	if err != nil || !reflect.DeepEqual(back, spec) {
		t.Errorf("SpecOf(Properties(spec)) = %+v, %v; want %+v", back, err, spec)
	}

	// JSON numbers, as a caller other than CloudFormation may send, and
	// no steps.
	props := usersProps()
	props[PropPriority], props[PropPercent], props[PropBakeSeconds] = 30.0, 40.0, 60.0
	delete(props, PropSteps)
	spec, err = SpecOf(props)
	if err != nil || spec.Priority != 30 || spec.Percent != 40 || spec.Plan.Bake != time.Minute || spec.Plan.Steps != nil {
		t.Errorf("SpecOf with numbers = %+v, %v", spec, err)
	}
}

func TestSpecOfErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		value any // nil deletes it
		want  string
	}{
		{PropService, nil, "ramp of a service: property Service is missing"},
		{PropService, "", `ramp of a service: property Service is "", want a non-empty string`},
		{PropListenerArn, 7.0, "ramp of users: property ListenerArn is 7, want a non-empty string"},
		{PropPriority, "thirty", `ramp of users: property Priority is "thirty", want a whole number`},
		{PropPriority, 30.5, "ramp of users: property Priority is 30.5, want a whole number"},
		{PropPriority, "0", "ramp of users: rule priority 0 is not from 1 to 50000"},
		{PropServiceTargetGroupArn, nil, "ramp of users: property ServiceTargetGroupArn is missing"},
		{PropMonolithTargetGroupArn, nil, "ramp of users: property MonolithTargetGroupArn is missing"},
		{PropMonolithTargetGroupArn, usersTG, "ramp of users: the service's and the monolith's target groups are the same"},
		{PropPercent, "150", "ramp of users: target 150 % is not from 0 to 100"},
		{PropPercent, true, "ramp of users: property Percent is true, want a whole number"},
		{PropSteps, "10;20", `ramp of users: property Steps is "10;20", want whole percents separated by commas`},
		{PropSteps, []any{"10"}, `ramp of users: property Steps is a list, want steps such as "5,25,50"`},
		{PropSteps, "0,50", "ramp of users: steps [0 50] are not increasing percents from 1 to 99"},
		{PropBakeSeconds, nil, "ramp of users: property BakeSeconds is missing"},
		{PropBakeSeconds, "-5", "ramp of users: bake -5s is negative"},
		{PropAlarmNames, nil, "ramp of users: property AlarmNames is missing"},
		{PropAlarmNames, "users-5xx", `ramp of users: property AlarmNames is "users-5xx", want a list of alarm names`},
		{PropAlarmNames, []any{}, "ramp of users: property AlarmNames is empty: at least one alarm judges a ramp"},
		{PropAlarmNames, []any{"a", 1.0}, "ramp of users: property AlarmNames holds 1, want names (strings)"},
		{PropAlarmNames, []any{""}, "ramp of users: property AlarmNames holds an empty name"},
	} {
		props := usersProps()
		if c.value == nil {
			delete(props, c.name)
		} else {
			props[c.name] = c.value
		}
		_, err := SpecOf(props)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("SpecOf with %s = %#v: %v, want %q", c.name, c.value, err, c.want)
		}
	}
}

func TestFormatSteps(t *testing.T) {
	if got := FormatSteps([]int{5, 25, 50}); got != "5,25,50" {
		t.Errorf("FormatSteps = %q", got)
	}
	if got := FormatSteps(nil); got != "" {
		t.Errorf("FormatSteps(nil) = %q", got)
	}
}
