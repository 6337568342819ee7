package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/ecsplit/ecsplit/constructs/ramp"
)

const (
	listener = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/shop/1/2"
	ruleArn  = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/shop/1/2/30"
	usersTG  = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/users/1"
	monoTG   = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/monolith/2"
	stackID  = "arn:aws:cloudformation:eu-west-1:111122223333:stack/shop/1"
)

// fakeAWS is one listener with the users' weighted rule at priority 30,
// alarms, a stack and the function's own invocations.
type fakeAWS struct {
	users   int // the users' share
	alarms  map[string]string
	status  cfntypes.StackStatus
	invokes []*awslambda.InvokeInput
	// shares are the users' share after each ModifyRule.
	shares []int
}

func newFakeAWS(users int) *fakeAWS {
	return &fakeAWS{users: users, alarms: map[string]string{"users-5xx": "OK"}, status: cfntypes.StackStatusUpdateInProgress}
}

func (f *fakeAWS) DescribeRules(_ context.Context, in *elbv2.DescribeRulesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	if aws.ToString(in.ListenerArn) != listener {
		return nil, errors.New("ListenerNotFound")
	}
	return &elbv2.DescribeRulesOutput{Rules: []types.Rule{{
		RuleArn:  aws.String(ruleArn),
		Priority: aws.String("30"),
		Actions: []types.Action{{
			Type: types.ActionTypeEnumForward,
			ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
				{TargetGroupArn: aws.String(usersTG), Weight: aws.Int32(int32(f.users))},
				{TargetGroupArn: aws.String(monoTG), Weight: aws.Int32(int32(100 - f.users))},
			}},
		}},
	}}}, nil
}

func (f *fakeAWS) ModifyRule(_ context.Context, in *elbv2.ModifyRuleInput, _ ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error) {
	if aws.ToString(in.RuleArn) != ruleArn {
		return nil, errors.New("RuleNotFound")
	}
	for _, tg := range in.Actions[0].ForwardConfig.TargetGroups {
		if aws.ToString(tg.TargetGroupArn) == usersTG {
			f.users = int(aws.ToInt32(tg.Weight))
		}
	}
	f.shares = append(f.shares, f.users)
	return &elbv2.ModifyRuleOutput{}, nil
}

func (f *fakeAWS) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, name := range in.AlarmNames {
		if state, ok := f.alarms[name]; ok {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(name), StateValue: cwtypes.StateValue(state), StateReason: aws.String("reason of " + name)})
		}
	}
	return out, nil
}

func (f *fakeAWS) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if aws.ToString(in.StackName) != stackID {
		return nil, errors.New("ValidationError: Stack does not exist")
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackId: aws.String(stackID), StackStatus: f.status}}}, nil
}

func (f *fakeAWS) Invoke(_ context.Context, in *awslambda.InvokeInput, _ ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error) {
	f.invokes = append(f.invokes, in)
	return &awslambda.InvokeOutput{StatusCode: 202}, nil
}

// fakeClock starts now and moves only when slept on, so that a context
// deadline in real time is also one in the clock's time.
type fakeClock struct {
	now      time.Time
	interval time.Duration
	onSleep  func()
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return errors.New("fakeClock: sleep of no time, a busy loop")
	}
	c.now = c.now.Add(d)
	if c.onSleep != nil {
		c.onSleep()
	}
	return ctx.Err()
}

func (c *fakeClock) Interval() time.Duration { return c.interval }

// cloudFormation is a ResponseURL that keeps the answers it gets.
type cloudFormation struct {
	*httptest.Server
	mu      sync.Mutex
	answers []response
	// fails is how many PUTs to refuse first.
	fails int
}

func newCloudFormation(t *testing.T) *cloudFormation {
	cf := &cloudFormation{}
	cf.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cf.mu.Lock()
		defer cf.mu.Unlock()
		if r.Method != http.MethodPut || r.URL.Path != "/answer" || r.URL.Query().Get("X-Amz-Signature") != "sig" {
			t.Errorf("answer: %s %s, want PUT to the ResponseURL", r.Method, r.URL)
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			t.Errorf("answer with Content-Type %q, which the pre-signed URL does not sign", ct)
		}
		if cf.fails > 0 {
			cf.fails--
			http.Error(w, "SlowDown", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if len(body) > 4096 || r.ContentLength != int64(len(body)) {
			t.Errorf("answer of %d bytes, Content-Length %d", len(body), r.ContentLength)
		}
		var a response
		if err := json.Unmarshal(body, &a); err != nil {
			t.Errorf("answer %s: %v", body, err)
		}
		cf.answers = append(cf.answers, a)
	}))
	t.Cleanup(cf.Close)
	return cf
}

// setup is a handler on fake AWS with the users' share at users, and a
// CloudFormation to answer.
func setup(t *testing.T, users int) (*Handler, *fakeAWS, *fakeClock, *cloudFormation) {
	aws := newFakeAWS(users)
	clock := &fakeClock{now: time.Now(), interval: ramp.PollInterval}
	h := &Handler{
		Clients:      ramp.Clients{ELBV2: aws, CloudWatch: aws},
		Stacks:       aws,
		Lambda:       aws,
		FunctionName: "shop-RampFunction",
		Clock:        clock,
		Logf:         t.Logf,
	}
	return h, aws, clock, newCloudFormation(t)
}

// request is CloudFormation's request to ramp the users to percent by
// 10,25,50 with bakes of 5 minutes.
func request(cf *cloudFormation, requestType string, percent int) Event {
	return Event{
		RequestType:       requestType,
		ResponseURL:       cf.URL + "/answer?X-Amz-Signature=sig",
		StackID:           stackID,
		RequestID:         "req-1",
		ResourceType:      "Custom::EcsplitRamp",
		LogicalResourceID: "RampUsers",
		ServiceToken:      "arn:aws:lambda:eu-west-1:111122223333:function:shop-RampFunction",
		ResourceProperties: map[string]any{
			"ServiceToken":             "arn:aws:lambda:eu-west-1:111122223333:function:shop-RampFunction",
			PropService:                "users",
			PropListenerArn:            listener,
			PropPriority:               "30",
			PropServiceTargetGroupArn:  usersTG,
			PropMonolithTargetGroupArn: monoTG,
			PropPercent:                strconv.Itoa(percent),
			PropSteps:                  "10,25,50",
			PropBakeSeconds:            "300",
			PropAlarmNames:             []any{"users-5xx"},
		},
	}
}
