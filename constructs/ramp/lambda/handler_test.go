package lambda

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/ecsplit/ecsplit/constructs/ramp"
)

func TestHandleRampsUpAndAnswers(t *testing.T) {
	h, fake, _, cf := setup(t, 0)
	e := request(cf, "Create", 100)
	if err := h.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if want := []int{10, 25, 50, 100}; !slices.Equal(fake.shares, want) {
		t.Errorf("shares = %v, want %v", fake.shares, want)
	}
	want := []response{{
		Status:             "SUCCESS",
		Reason:             "ramp of users from 0 % to 100 % through 10 %, 25 %, 50 %",
		PhysicalResourceID: "ecsplit-ramp-RampUsers-from-0", // the share it found
		StackID:            stackID,
		RequestID:          "req-1",
		LogicalResourceID:  "RampUsers",
		Data:               map[string]string{"Percent": "100"},
	}}
	if !reflect.DeepEqual(cf.answers, want) {
		t.Errorf("answers = %+v, want %+v", cf.answers, want)
	}
	if len(fake.invokes) != 0 {
		t.Errorf("without a deadline the ramp handed on %d times", len(fake.invokes))
	}
}

func TestHandleUpdateKeepsThePhysicalID(t *testing.T) {
	h, _, _, cf := setup(t, 25)
	e := request(cf, "Update", 0)
	e.PhysicalResourceID = "ecsplit-ramp-RampUsers-old"
	if err := h.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if len(cf.answers) != 1 || cf.answers[0].PhysicalResourceID != "ecsplit-ramp-RampUsers-old" || cf.answers[0].Status != "SUCCESS" {
		t.Errorf("answers = %+v, want SUCCESS with the request's physical id", cf.answers)
	}
}

func TestHandleHandsOnWhenTimeRunsShort(t *testing.T) {
	h, fake, clock, cf := setup(t, 0)
	e := request(cf, "Create", 100)
	// An invocation of 6 minutes keeps 2: it checks for about 4.
	ctx, cancel := context.WithDeadline(context.Background(), clock.now.Add(6*time.Minute))
	defer cancel()
	start := clock.now
	if err := h.Handle(ctx, e); err != nil {
		t.Fatal(err)
	}
	if len(cf.answers) != 0 {
		t.Errorf("answered %+v before the ramp ended", cf.answers)
	}
	if len(fake.invokes) != 1 {
		t.Fatalf("%d invocations, want 1", len(fake.invokes))
	}
	if left := start.Add(6 * time.Minute).Sub(clock.now); left < DefaultReserve || left > DefaultReserve+ramp.PollInterval {
		t.Errorf("handed on with %s left, want a little more than %s", left, DefaultReserve)
	}
	in := fake.invokes[0]
	if aws.ToString(in.FunctionName) != "shop-RampFunction" || in.InvocationType != lambdatypes.InvocationTypeEvent {
		t.Errorf("Invoke(%s, %s), want the function itself, asynchronously", aws.ToString(in.FunctionName), in.InvocationType)
	}
	var next Event
	if err := json.Unmarshal(in.Payload, &next); err != nil {
		t.Fatal(err)
	}
	p := next.EcsplitProgress
	if p == nil || !p.Start.Equal(start) || p.From != 0 || !slices.Equal(p.Steps, []int{10, 25, 50, 100}) {
		t.Fatalf("handed-on progress = %+v, want the ramp's from %s", p, start)
	}
	next.EcsplitProgress = nil
	e.ResourceProperties["AlarmNames"] = []any{"users-5xx"} // as JSON reads it back
	e.PhysicalResourceID = "ecsplit-ramp-RampUsers-from-0"  // a Create's id carries the share it found
	if !reflect.DeepEqual(next, e) {
		t.Errorf("handed-on request\n%+v\nwant\n%+v", next, e)
	}
	for _, key := range []string{`"StackId"`, `"RequestId"`, `"LogicalResourceId"`, `"ResponseURL"`, `"ResourceProperties"`, `"EcsplitProgress"`} {
		if !strings.Contains(string(in.Payload), key) {
			t.Errorf("handed-on payload has no %s: %s", key, in.Payload)
		}
	}

	// The next invocation goes on from there, without beginning again.
	fake.status = cfntypes.StackStatusUpdateRollbackInProgress // would make a new ramp go straight
	next.EcsplitProgress = p
	ctx2, cancel2 := context.WithDeadline(context.Background(), clock.now.Add(15*time.Minute))
	defer cancel2()
	if err := h.Handle(ctx2, next); err != nil {
		t.Fatal(err)
	}
	if want := []int{10, 25, 50, 100}; !slices.Equal(fake.shares, want) {
		t.Errorf("shares = %v, want %v", fake.shares, want)
	}
	if got := clock.now.Sub(start); got != 15*time.Minute {
		t.Errorf("the ramp ended %s after it began, want 15m", got)
	}
	if len(cf.answers) != 1 || cf.answers[0].Status != "SUCCESS" {
		t.Errorf("answers = %+v, want one SUCCESS", cf.answers)
	}
}

func TestHandleFailsOnAlarm(t *testing.T) {
	h, fake, clock, cf := setup(t, 10)
	clock.onSleep = func() { fake.alarms["users-5xx"] = "ALARM" }
	if err := h.Handle(context.Background(), request(cf, "Update", 50)); err != nil {
		t.Fatal(err)
	}
	want := "ramp of users stopped at 25 % after 15s of its bake: alarm users-5xx is in ALARM (reason of users-5xx); weights restored to 10 %"
	if len(cf.answers) != 1 || cf.answers[0].Status != "FAILED" || cf.answers[0].Reason != want {
		t.Errorf("answers = %+v, want FAILED: %s", cf.answers, want)
	}
	if fake.users != 10 {
		t.Errorf("users at %d %%, want 10 restored", fake.users)
	}
}

func TestHandleRollbackGoesStraight(t *testing.T) {
	h, fake, clock, cf := setup(t, 10)
	fake.status = cfntypes.StackStatusUpdateRollbackInProgress
	fake.alarms["users-5xx"] = "ALARM"
	start := clock.now
	if err := h.Handle(context.Background(), request(cf, "Update", 50)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fake.shares, []int{50}) || !clock.now.Equal(start) {
		t.Errorf("shares = %v after %s, want 50 at once", fake.shares, clock.now.Sub(start))
	}
	if len(cf.answers) != 1 || cf.answers[0].Status != "SUCCESS" || cf.answers[0].Data["Percent"] != "50" {
		t.Errorf("answers = %+v, want SUCCESS at 50", cf.answers)
	}
}

func TestHandleDeleteAnswersAtOnce(t *testing.T) {
	h, fake, _, cf := setup(t, 10)
	h.Clients = ramp.Clients{} // Delete calls nothing
	e := request(cf, "Delete", 50)
	e.PhysicalResourceID = "ecsplit-ramp-RampUsers"
	e.ResourceProperties = map[string]any{}
	if err := h.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if len(cf.answers) != 1 || cf.answers[0].Status != "SUCCESS" || len(fake.shares) != 0 {
		t.Errorf("answers = %+v, shares %v; want SUCCESS and no change", cf.answers, fake.shares)
	}
}

func TestHandleMalformedRequests(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(*Event)
		reason string
	}{
		{"bad percent", func(e *Event) { e.ResourceProperties[PropPercent] = "half" }, `ramp of users: property Percent is "half", want a whole number`},
		{"no listener", func(e *Event) { delete(e.ResourceProperties, PropListenerArn) }, "ramp of users: property ListenerArn is missing"},
		{"bad steps", func(e *Event) { e.ResourceProperties[PropSteps] = "50,10" }, "ramp of users: steps [50 10] are not increasing percents from 1 to 99"},
		{"unknown type", func(e *Event) { e.RequestType = "Replace" }, `ramp RampUsers: unknown RequestType "Replace"`},
		{"stack unknown", func(e *Event) { e.StackID = "arn:aws:cloudformation:eu-west-1:111122223333:stack/other/2" }, "ramp of users: cannot tell whether stack arn:aws:cloudformation:eu-west-1:111122223333:stack/other/2 is rolling back: ValidationError: Stack does not exist"},
		{"no rule", func(e *Event) { e.ResourceProperties[PropPriority] = "31" }, "users has no weighted rule yet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, fake, _, cf := setup(t, 10)
			e := request(cf, "Create", 50)
			c.edit(&e)
			if err := h.Handle(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if len(cf.answers) != 1 || cf.answers[0].Status != "FAILED" || !strings.Contains(cf.answers[0].Reason, c.reason) || strings.Contains(cf.answers[0].Reason, "\n") {
				t.Errorf("answers = %+v, want FAILED saying %q", cf.answers, c.reason)
			}
			if len(fake.shares) != 0 {
				t.Errorf("shares changed: %v", fake.shares)
			}
		})
	}
}

func TestHandlePanicAnswers(t *testing.T) {
	h, _, _, cf := setup(t, 10)
	h.Stacks = nil
	if err := h.Handle(context.Background(), request(cf, "Create", 50)); err != nil {
		t.Fatal(err)
	}
	if len(cf.answers) != 1 || cf.answers[0].Status != "FAILED" || !strings.HasPrefix(cf.answers[0].Reason, "ramp RampUsers: internal error: ") {
		t.Errorf("answers = %+v, want FAILED with the panic", cf.answers)
	}
}

func TestAnswerRetriesAndTruncates(t *testing.T) {
	h, _, clock, cf := setup(t, 10)
	cf.fails = 2
	start := clock.now
	long := strings.Repeat("é", 3000)
	if err := h.answer(context.Background(), request(cf, "Create", 50), statusFailed, long, nil); err != nil {
		t.Fatal(err)
	}
	if len(cf.answers) != 1 || len(cf.answers[0].Reason) > maxReason || !strings.HasSuffix(cf.answers[0].Reason, "é…") {
		t.Errorf("answers = %d, reason of %d bytes ending %q", len(cf.answers), len(cf.answers[0].Reason), cf.answers[0].Reason[len(cf.answers[0].Reason)-8:])
	}
	if waited := clock.now.Sub(start); waited != 3*time.Second {
		t.Errorf("waited %s between attempts, want 1s then 2s", waited)
	}
	cf.fails = 3
	if err := h.answer(context.Background(), request(cf, "Create", 50), statusFailed, "x", nil); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("answer refused three times = %v, want the error", err)
	}
}

func TestHandleExtractionAtZero(t *testing.T) {
	// The extraction's deploy: the rule comes after the ramp, at 0 %.
	h, fake, _, cf := setup(t, 0)
	e := request(cf, "Create", 0)
	e.ResourceProperties[PropPriority] = "31"
	if err := h.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if len(cf.answers) != 1 || cf.answers[0].Status != "SUCCESS" || cf.answers[0].Data["Percent"] != "0" || len(fake.shares) != 0 {
		t.Errorf("answers = %+v, shares %v; want SUCCESS at 0 and no change", cf.answers, fake.shares)
	}
}

// TestHandleDeleteRollsBackACreate: a Delete of a created ramp (its id
// carries the share it found, 10 %) while the stack rolls back puts that
// share back at once; the same Delete in a deploy's cleanup, a Delete of
// an id without the share, and one whose share cannot be written change
// nothing and answer SUCCESS, so no rollback fails on them.
func TestHandleDeleteRollsBackACreate(t *testing.T) {
	for _, c := range []struct {
		name   string
		status cfntypes.StackStatus
		id     string
		shares []int
		reason string
	}{
		{"rollback cleanup", cfntypes.StackStatusUpdateRollbackCompleteCleanupInProgress, "ecsplit-ramp-RampUsers-from-10", []int{10}, "is back"},
		{"create rollback", cfntypes.StackStatusRollbackInProgress, "ecsplit-ramp-RampUsers-from-10", []int{10}, "is back"},
		{"deploy cleanup", cfntypes.StackStatusUpdateCompleteCleanupInProgress, "ecsplit-ramp-RampUsers-from-10", nil, "nothing to undo"},
		{"id without the share", cfntypes.StackStatusUpdateRollbackCompleteCleanupInProgress, "ecsplit-ramp-RampUsers", nil, "nothing to undo"},
		{"rule gone", cfntypes.StackStatusRollbackInProgress, "ecsplit-ramp-RampUsers-from-90", nil, "could not be put back"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, fake, _, cf := setup(t, 50)
			fake.status = c.status
			e := request(cf, "Delete", 50)
			e.PhysicalResourceID = c.id
			if c.name == "rule gone" {
				e.ResourceProperties[PropPriority] = "31" // no rule there
			}
			if err := h.Handle(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if len(cf.answers) != 1 || cf.answers[0].Status != "SUCCESS" || !strings.Contains(cf.answers[0].Reason, c.reason) {
				t.Errorf("answers = %+v, want SUCCESS saying %q", cf.answers, c.reason)
			}
			if !slices.Equal(fake.shares, c.shares) {
				t.Errorf("shares written %v, want %v", fake.shares, c.shares)
			}
		})
	}
}

// TestHandleRollbackNeverFails: while the stack rolls back, an Update
// whose share cannot be written (here no rule at its priority) answers
// SUCCESS with the problem in its reason: FAILED would leave the stack in
// UPDATE_ROLLBACK_FAILED. The same Update outside a rollback fails.
func TestHandleRollbackNeverFails(t *testing.T) {
	for status, want := range map[cfntypes.StackStatus]string{
		cfntypes.StackStatusUpdateRollbackInProgress: "SUCCESS",
		cfntypes.StackStatusUpdateInProgress:         "FAILED",
	} {
		h, fake, _, cf := setup(t, 50)
		fake.status = status
		e := request(cf, "Update", 10)
		e.PhysicalResourceID = "ecsplit-ramp-RampUsers"
		e.ResourceProperties[PropPriority] = "31" // no rule there
		if err := h.Handle(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		if len(cf.answers) != 1 || cf.answers[0].Status != want || !strings.Contains(cf.answers[0].Reason, "no weighted rule") {
			t.Errorf("%s: answers = %+v, want %s naming the missing rule", status, cf.answers, want)
		}
	}
}
