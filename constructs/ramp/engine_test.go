package ramp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// shop is a listener with a default rule, another service's rule and
// the users' weighted rule at priority 30, its share at percent, on the
// second page of DescribeRules.
func shop(clock *fakeClock, percent int) (*fakeELB, *fakeCloudWatch, Clients) {
	elb := &fakeELB{clock: clock, rules: []types.Rule{otherRule(10), otherRule(20), weightedRule(30, percent), defaultRule()}}
	cw := &fakeCloudWatch{metric: map[string]alarm{
		"users-5xx":     {"OK", "Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (5.0)."},
		"users-latency": {"INSUFFICIENT_DATA", "Insufficient Data"},
	}}
	return elb, cw, Clients{ELBV2: elb, CloudWatch: cw}
}

// usersSpec is the users' ramp to percent by plan, in ParsePlan's syntax
// but with no lower limit on the bake, as a local run has.
func usersSpec(percent int, plan string) Spec {
	steps, bake, _ := strings.Cut(plan, ":")
	p, err := ParsePlan(steps)
	if err != nil {
		panic(err)
	}
	if p.Bake, err = time.ParseDuration(bake); err != nil {
		panic(err)
	}
	return Spec{
		Service:                "users",
		ListenerArn:            listener,
		Priority:               30,
		ServiceTargetGroupArn:  usersTG,
		MonolithTargetGroupArn: monoTG,
		Percent:                percent,
		Plan:                   p,
		Alarms:                 []string{"users-5xx", "users-latency"},
	}
}

func TestRunRampsUpStepByStep(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, cw, c := shop(clock, 0)
	spec := usersSpec(100, "10,25,50:5m")
	if err := Run(context.Background(), c, spec, clock); err != nil {
		t.Fatal(err)
	}
	want := []write{{0, 10}, {5 * time.Minute, 25}, {10 * time.Minute, 50}, {15 * time.Minute, 100}}
	if !slices.Equal(elb.writes, want) {
		t.Errorf("writes = %v, want %v", elb.writes, want)
	}
	// Alarms are read every poll of each bake, and once more before the
	// next step replaces the one that baked.
	if n, want := len(cw.calls), 3*(5*time.Minute/PollInterval); n != int(want) {
		t.Errorf("%d DescribeAlarms calls, want %d", n, want)
	}
	for _, in := range elb.modifies {
		if in.Conditions != nil || in.Transforms != nil {
			t.Errorf("ModifyRule changes conditions or transforms: %+v", in)
		}
		if len(in.Actions) != 2 {
			t.Fatalf("ModifyRule has %d actions, want the rule's 2", len(in.Actions))
		}
		if o := in.Actions[0].AuthenticateOidcConfig; o == nil || aws.ToString(o.Issuer) != "https://id.example.com" || !aws.ToBool(o.UseExistingClientSecret) {
			t.Errorf("OIDC action not kept with its client secret: %+v", in.Actions[0])
		}
		fwd := in.Actions[1]
		if aws.ToInt32(fwd.Order) != 2 {
			t.Errorf("forward order %d, want 2", aws.ToInt32(fwd.Order))
		}
		if s := fwd.ForwardConfig.TargetGroupStickinessConfig; s == nil || !aws.ToBool(s.Enabled) || aws.ToInt32(s.DurationSeconds) != 300 {
			t.Errorf("stickiness not kept: %+v", s)
		}
		var sum int32
		for _, tg := range fwd.ForwardConfig.TargetGroups {
			sum += aws.ToInt32(tg.Weight)
		}
		if len(fwd.ForwardConfig.TargetGroups) != 2 || sum != 100 {
			t.Errorf("target groups %+v, want users and monolith weighing 100 together", fwd.ForwardConfig.TargetGroups)
		}
	}
}

func TestRunShortStepsLocally(t *testing.T) {
	// A local run: bake compressed to 5 s, polls every second.
	clock := newFakeClock(time.Second)
	elb, _, c := shop(clock, 10)
	spec := usersSpec(60, "10,25,50:5s")
	if err := Run(context.Background(), c, spec, clock); err != nil {
		t.Fatal(err)
	}
	want := []write{{0, 25}, {5 * time.Second, 50}, {10 * time.Second, 60}}
	if !slices.Equal(elb.writes, want) {
		t.Errorf("writes = %v, want %v", elb.writes, want)
	}
}

func TestCheckStopsOnAlarmAndRestores(t *testing.T) {
	clock := newFakeClock(20 * time.Second)
	elb, cw, c := shop(clock, 10)
	spec := usersSpec(100, "10,25,50:5m")
	clock.onSleep = func(since time.Duration) {
		if since == 40*time.Second {
			cw.metric["users-5xx"] = alarm{"ALARM", "Threshold Crossed: 1 datapoint [12.0 (01/12/26 09:00:00)]\nwas greater than the threshold (5.0)."}
		}
	}
	err := Run(context.Background(), c, spec, clock)
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("Run = %v, want a *Failure", err)
	}
	want := "ramp of users stopped at 25 % after 40s of its bake: alarm users-5xx is in ALARM (Threshold Crossed: 1 datapoint [12.0 (01/12/26 09:00:00)] was greater than the threshold (5.0).); weights restored to 10 %"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	if w := []write{{0, 25}, {40 * time.Second, 10}}; !slices.Equal(elb.writes, w) {
		t.Errorf("writes = %v, want %v", elb.writes, w)
	}
}

func TestCheckJudgesTheBakeBeforeTheNextStep(t *testing.T) {
	// An alarm that goes off in the last seconds of a bake, after its last
	// poll, still stops the ramp before the next step.
	clock := newFakeClock(PollInterval)
	elb, cw, c := shop(clock, 0)
	spec := usersSpec(100, "10,25,50:5m")
	p, err := Begin(context.Background(), c, spec, clock.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := Check(context.Background(), c, spec, p, clock.Now()); done || err != nil {
		t.Fatalf("first Check = %v, %v", done, err)
	}
	cw.composite = map[string]alarm{"users-health": {"ALARM", "users unhealthy"}}
	spec.Alarms = append(spec.Alarms, "users-health")
	clock.now = clock.now.Add(5 * time.Minute)
	_, err = Check(context.Background(), c, spec, p, clock.Now())
	if err == nil || !strings.Contains(err.Error(), "stopped at 10 % after 5m of its bake: alarm users-health is in ALARM (users unhealthy); weights restored to 0 %") {
		t.Errorf("Check = %v, want a stop at 10 %% by the composite alarm", err)
	}
	if w := []write{{0, 10}, {5 * time.Minute, 0}}; !slices.Equal(elb.writes, w) {
		t.Errorf("writes = %v, want %v", elb.writes, w)
	}
}

func TestCheckIsIdempotent(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, _, c := shop(clock, 0)
	spec := usersSpec(50, "10,25:1m")
	p, err := Begin(context.Background(), c, spec, clock.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Steps, []int{10, 25, 50}) || p.From != 0 || !p.Start.Equal(clock.Now()) {
		t.Errorf("Begin = %+v", p)
	}
	// Progress survives JSON, as the Lambda carries it between runs.
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Progress
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("Progress JSON round trip = %+v, %v; want %+v", back, err, p)
	}
	for range 3 {
		if done, err := Check(context.Background(), c, spec, back, clock.Now().Add(70*time.Second)); done || err != nil {
			t.Fatalf("Check = %v, %v", done, err)
		}
	}
	if w := []write{{0, 25}}; !slices.Equal(elb.writes, w) {
		t.Errorf("writes = %v, want one write of the due step, %v", elb.writes, w)
	}
	for range 2 {
		if done, err := Check(context.Background(), c, spec, back, clock.Now().Add(2*time.Minute)); !done || err != nil {
			t.Fatalf("Check at the target = %v, %v; want done", done, err)
		}
	}
	if len(elb.writes) != 2 || elb.writes[1].percent != 50 {
		t.Errorf("writes = %v, want 25 then 50", elb.writes)
	}
}

func TestBeginStraight(t *testing.T) {
	for _, c := range []struct {
		name           string
		from, to       int
		straight       bool
		wantWrites     []write
		wantStepsAfter int
	}{
		{"down", 50, 0, false, []write{{0, 0}}, 0},
		{"down to a step", 50, 10, false, []write{{0, 10}}, 0},
		{"rollback up", 10, 50, true, []write{{0, 50}}, 0},
		{"stay", 25, 25, false, nil, 0},
		{"up", 0, 50, false, nil, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := newFakeClock(PollInterval)
			elb, cw, cl := shop(clock, c.from)
			cw.metric["users-5xx"] = alarm{"ALARM", "on fire"} // a rollback does not judge
			spec := usersSpec(c.to, "10,25:5m")
			p, err := Begin(context.Background(), cl, spec, clock.Now(), c.straight)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(elb.writes, c.wantWrites) || len(p.Steps) != c.wantStepsAfter || p.From != c.from {
				t.Errorf("Begin = %+v with writes %v; want writes %v and %d steps left from %d", p, elb.writes, c.wantWrites, c.wantStepsAfter, c.from)
			}
			if c.wantStepsAfter > 0 {
				return
			}
			if done, err := Check(context.Background(), cl, spec, p, clock.Now()); !done || err != nil {
				t.Errorf("Check after a straight Begin = %v, %v; want done", done, err)
			}
			if len(cw.calls) != 0 {
				t.Errorf("a straight ramp read alarms %d times", len(cw.calls))
			}
		})
	}
}

func TestBeginFromAPlainForward(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, _, c := shop(clock, 0)
	elb.rules[2].Actions = []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(monoTG)}}
	spec := usersSpec(25, "10:1m")
	p, err := Begin(context.Background(), c, spec, clock.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if p.From != 0 {
		t.Errorf("a plain forward to the monolith is share %d, want 0", p.From)
	}
	if _, err := Check(context.Background(), c, spec, p, clock.Now()); err != nil {
		t.Fatal(err)
	}
	fwd := elb.modifies[0].Actions[0]
	if fwd.TargetGroupArn != nil {
		t.Errorf("forward keeps TargetGroupArn %s beside its ForwardConfig", *fwd.TargetGroupArn)
	}
	got := fmt.Sprint(aws.ToString(fwd.ForwardConfig.TargetGroups[0].TargetGroupArn), aws.ToInt32(fwd.ForwardConfig.TargetGroups[0].Weight),
		aws.ToString(fwd.ForwardConfig.TargetGroups[1].TargetGroupArn), aws.ToInt32(fwd.ForwardConfig.TargetGroups[1].Weight))
	if want := fmt.Sprint(monoTG, 90, usersTG, 10); got != want {
		t.Errorf("forward = %s, want %s", got, want)
	}

	elb.rules[2].Actions = []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(usersTG)}}
	p, err = Begin(context.Background(), c, usersSpec(100, "10:1m"), clock.Now(), false)
	if err != nil || p.From != 100 {
		t.Errorf("a plain forward to the service: Begin = %+v, %v; want From 100", p, err)
	}
}

func TestShareRounds(t *testing.T) {
	r := rule{forward: 0, actions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
		TargetGroups: []types.TargetGroupTuple{
			{TargetGroupArn: aws.String(usersTG), Weight: aws.Int32(1)},
			{TargetGroupArn: aws.String(monoTG), Weight: aws.Int32(2)},
		},
	}}}}
	if got := r.share(Spec{ServiceTargetGroupArn: usersTG}); got != 33 {
		t.Errorf("share of weights 1:2 = %d, want 33", got)
	}
}

func TestBeginWithoutTheRule(t *testing.T) {
	clock := newFakeClock(PollInterval)
	_, _, c := shop(clock, 0)
	spec := usersSpec(25, "10:1m")
	spec.Priority = 40
	_, err := Begin(context.Background(), c, spec, clock.Now(), false)
	if err == nil {
		t.Fatal("Begin without the rule = nil error")
	}
	for _, part := range []string{"no rule with priority 40", "users has no weighted rule yet", "deploy its extraction first (for example users:0), then ramp"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not say %q", err, part)
		}
	}
}

func TestExtractionAtZeroWithoutTheRule(t *testing.T) {
	// Deploying an extraction at 0 %: the rule does not exist yet (it
	// waits for the ramp), and there is nothing to move.
	clock := newFakeClock(PollInterval)
	elb, cw, c := shop(clock, 0)
	spec := usersSpec(0, "10:1m")
	spec.Priority = 40
	if err := Run(context.Background(), c, spec, clock); err != nil {
		t.Errorf("Run to 0 %% without the rule = %v, want nil", err)
	}
	if len(elb.modifies) != 0 || len(cw.calls) != 0 {
		t.Errorf("%d ModifyRule and %d DescribeAlarms calls, want none", len(elb.modifies), len(cw.calls))
	}
}

func TestCheckWithAMissingAlarm(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, _, c := shop(clock, 0)
	spec := usersSpec(50, "10:1m")
	spec.Alarms = append(spec.Alarms, "users-gone")
	err := Run(context.Background(), c, spec, clock)
	var f *Failure
	if !errors.As(err, &f) || !strings.Contains(err.Error(), "alarm users-gone does not exist") || f.From != 0 {
		t.Errorf("Run = %v, want a *Failure naming the missing alarm", err)
	}
	if w := []write{{0, 10}, {PollInterval, 0}}; !slices.Equal(elb.writes, w) {
		t.Errorf("writes = %v, want %v", elb.writes, w)
	}
}

func TestCheckReadsAlarmsInChunks(t *testing.T) {
	clock := newFakeClock(PollInterval)
	_, cw, c := shop(clock, 0)
	spec := usersSpec(50, "10:1m")
	spec.Alarms = nil
	for i := range 150 {
		name := fmt.Sprintf("alarm-%03d", i)
		spec.Alarms = append(spec.Alarms, name)
		cw.metric[name] = alarm{"OK", ""}
	}
	cw.metric["alarm-149"] = alarm{"ALARM", "last"}
	p, _ := Begin(context.Background(), c, spec, clock.Now(), false)
	if _, err := Check(context.Background(), c, spec, p, clock.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := Check(context.Background(), c, spec, p, clock.Now().Add(PollInterval))
	if err == nil || !strings.Contains(err.Error(), "alarm alarm-149 is in ALARM (last)") {
		t.Errorf("Check = %v, want alarm-149 to stop the ramp", err)
	}
	var sizes []int
	for _, in := range cw.calls {
		sizes = append(sizes, len(in.AlarmNames))
	}
	// 100 names in two pages of 50, then 50 names.
	if want := []int{100, 100, 50}; !slices.Equal(sizes, want) {
		t.Errorf("DescribeAlarms name counts = %v, want %v", sizes, want)
	}
}

func TestCheckWhenAlarmsCannotBeRead(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, cw, c := shop(clock, 0)
	spec := usersSpec(50, "10:1m")
	p, _ := Begin(context.Background(), c, spec, clock.Now(), false)
	if _, err := Check(context.Background(), c, spec, p, clock.Now()); err != nil {
		t.Fatal(err)
	}
	cw.fail = errors.New("AccessDenied: not authorized to perform cloudwatch:DescribeAlarms")
	_, err := Check(context.Background(), c, spec, p, clock.Now().Add(PollInterval))
	if err == nil || !strings.Contains(err.Error(), "its alarms could not be read (AccessDenied") || elb.share(2) != 0 {
		t.Errorf("Check = %v with share %d, want a stop restoring 0", err, elb.share(2))
	}
}

func TestCheckTimesOut(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, _, c := shop(clock, 0)
	spec := usersSpec(100, "10,50:5m")
	p, _ := Begin(context.Background(), c, spec, clock.Now(), false)
	if _, err := Check(context.Background(), c, spec, p, clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Bakes of 10 min, then 5 min of slack: one second later is too late.
	clock.now = clock.now.Add(15*time.Minute + time.Second)
	_, err := Check(context.Background(), c, spec, p, clock.Now())
	want := "ramp of users stopped at 10 % after 15m1s of its bake: timed out, 15m1s after it began, when its bakes take 10m and 5m more is allowed; weights restored to 0 %"
	if err == nil || err.Error() != want {
		t.Errorf("Check = %v, want %s", err, want)
	}
	if elb.share(2) != 0 {
		t.Errorf("share after the time-out = %d, want 0", elb.share(2))
	}
}

func TestFailureWhenRestoreFails(t *testing.T) {
	clock := newFakeClock(PollInterval)
	elb, cw, c := shop(clock, 0)
	spec := usersSpec(50, "10:1m")
	p, _ := Begin(context.Background(), c, spec, clock.Now(), false)
	if _, err := Check(context.Background(), c, spec, p, clock.Now()); err != nil {
		t.Fatal(err)
	}
	cw.metric["users-5xx"] = alarm{"ALARM", "5xx"}
	elb.failModify = errors.New("Throttling: rate exceeded")
	_, err := Check(context.Background(), c, spec, p, clock.Now().Add(PollInterval))
	var f *Failure
	if !errors.As(err, &f) || !strings.HasSuffix(err.Error(), "; restoring the weights to 0 % failed: ramp of users: writing 0 % to rule arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/shop/1/2/30: Throttling: rate exceeded") {
		t.Errorf("Check = %v, want a failure saying the restore failed", err)
	}
	if !errors.Is(err, elb.failModify) {
		t.Errorf("Failure does not unwrap to the restore's error")
	}
}

func TestSpecCheck(t *testing.T) {
	for _, c := range []struct {
		edit func(*Spec)
		part string
	}{
		{func(s *Spec) { s.ListenerArn = "" }, "no listener ARN"},
		{func(s *Spec) { s.Priority = 0 }, "rule priority 0"},
		{func(s *Spec) { s.Percent = 101 }, "target 101 %"},
		{func(s *Spec) { s.MonolithTargetGroupArn = usersTG }, "are the same"},
		{func(s *Spec) { s.Plan.Steps = []int{20, 10} }, "steps [20 10] are not increasing"},
		{func(s *Spec) { s.Plan.Steps = []int{100} }, "steps [100] are not increasing"},
	} {
		spec := usersSpec(50, "10:1m")
		c.edit(&spec)
		_, err := Begin(context.Background(), Clients{}, spec, time.Now(), false)
		if err == nil || !strings.Contains(err.Error(), c.part) || !strings.HasPrefix(err.Error(), "ramp of users: ") {
			t.Errorf("Begin = %v, want an error saying %q", err, c.part)
		}
	}
}

func TestProgressWait(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := Progress{Start: start, Steps: []int{10, 25, 50}}
	for _, c := range []struct {
		bake, poll, since, want time.Duration
	}{
		{5 * time.Minute, 15 * time.Second, 0, 15 * time.Second},
		{5 * time.Minute, 15 * time.Second, 4*time.Minute + 50*time.Second, 10 * time.Second},
		{5 * time.Second, time.Second, 7 * time.Second, time.Second},
		{5 * time.Second, 10 * time.Second, 7 * time.Second, 3 * time.Second},
		{5 * time.Second, 10 * time.Second, 20 * time.Second, 10 * time.Second},
		{5 * time.Minute, 0, 0, PollInterval},
	} {
		if got := p.Wait(c.bake, c.poll, start.Add(c.since)); got != c.want {
			t.Errorf("Wait(%s, %s) at %s = %s, want %s", c.bake, c.poll, c.since, got, c.want)
		}
	}
}

func TestWallSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Wall(0).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("Sleep on a done context = %v after %s", err, time.Since(start))
	}
	if Wall(0).Interval() != PollInterval || Wall(time.Second).Interval() != time.Second {
		t.Errorf("Wall intervals = %s, %s", Wall(0).Interval(), Wall(time.Second).Interval())
	}
}
