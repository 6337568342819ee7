package ramp

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// TestStepsKeepTheLiveOtherGroup: the spec names a new group for the rest
// (the state's template moves it, as the monolith's group for the
// service's paths does), but the live rule still forwards the rest to the
// old one: each step and the restore move the share between the service
// and the live group, never adding a third.
func TestStepsKeepTheLiveOtherGroup(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, cw, c := shop(clock, 10)
	spec := usersSpec(100, "25,50:5m")
	spec.MonolithTargetGroupArn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/monolith-for-users/9"
	cw.metric["users-5xx"] = alarm{"ALARM", "Threshold Crossed"}
	err := Run(context.Background(), c, spec, clock)
	if err == nil {
		t.Fatal("Run: nil, want the failure of the alarm in ALARM")
	}
	if len(elb.modifies) < 2 {
		t.Fatalf("%d ModifyRule calls, want a step and the restore", len(elb.modifies))
	}
	for _, in := range elb.modifies {
		groups := in.Actions[1].ForwardConfig.TargetGroups
		var arns []string
		for _, g := range groups {
			arns = append(arns, aws.ToString(g.TargetGroupArn))
		}
		if len(groups) != 2 || arns[0] != usersTG || arns[1] != monoTG {
			t.Errorf("ModifyRule forwards to %v, want the service's and the live other group %s", arns, monoTG)
		}
	}
}

// TestStepRefusesSeveralOtherGroups: a live forward with two groups
// besides the service's is not a share a ramp moves.
func TestStepRefusesSeveralOtherGroups(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, _, c := shop(clock, 10)
	fwd := elb.rules[2].Actions[1].ForwardConfig
	fwd.TargetGroups = append(fwd.TargetGroups, types.TargetGroupTuple{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/third/3"), Weight: aws.Int32(5)})
	err := Run(context.Background(), c, usersSpec(100, "25,50:5m"), clock)
	if err == nil || !strings.Contains(err.Error(), "2 target groups besides the service's") {
		t.Errorf("Run: %v, want the refusal of a forward with two other groups", err)
	}
	if len(elb.modifies) != 0 {
		t.Errorf("%d ModifyRule calls, want none", len(elb.modifies))
	}
}
