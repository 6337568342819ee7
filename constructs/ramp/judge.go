package ramp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// CloudWatch is the part of the CloudWatch API a ramp calls, with the
// SDK's signature: *cloudwatch.Client satisfies it.
type CloudWatch interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// maxAlarmNames is how many names one DescribeAlarms takes.
const maxAlarmNames = 100

// verdict is what the alarms say of a bake: cause is why it fails, ""
// when it does not.
type verdict struct{ cause string }

// judge reads the alarms named in spec. Any in ALARM fails the bake, and
// so does a name no alarm has: an alarm that does not exist cannot judge.
// An alarm in INSUFFICIENT_DATA does not fail it. The error is the API's,
// when the alarms could not be read.
func judge(ctx context.Context, c CloudWatch, spec Spec) (verdict, error) {
	type state struct{ value, reason string }
	states := make(map[string]state, len(spec.Alarms))
	for chunk := range slices.Chunk(spec.Alarms, maxAlarmNames) {
		in := &cloudwatch.DescribeAlarmsInput{
			AlarmNames: chunk,
			// Without AlarmTypes, DescribeAlarms leaves composite alarms out.
			AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm},
		}
		for {
			out, err := c.DescribeAlarms(ctx, in)
			if err != nil {
				return verdict{}, err
			}
			for _, a := range out.MetricAlarms {
				states[aws.ToString(a.AlarmName)] = state{string(a.StateValue), aws.ToString(a.StateReason)}
			}
			for _, a := range out.CompositeAlarms {
				states[aws.ToString(a.AlarmName)] = state{string(a.StateValue), aws.ToString(a.StateReason)}
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	for _, name := range spec.Alarms {
		s, ok := states[name]
		if !ok {
			return verdict{fmt.Sprintf("alarm %s does not exist, and an alarm that does not exist cannot judge a bake", name)}, nil
		}
		if s.value == string(types.StateValueAlarm) {
			return verdict{fmt.Sprintf("alarm %s is in ALARM (%s)", name, oneLine(s.reason))}, nil
		}
	}
	return verdict{}, nil
}

// oneLine is s with its runs of white space, line breaks included, made
// single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
