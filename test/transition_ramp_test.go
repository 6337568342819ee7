package test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/deploy"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// rampRun starts users:10 locally and applies users:100 with the ramp
// 5,25,50:5m while the whole corpus flows through the front door from four
// clients, at 1/100 of real time.
func rampRun(t *testing.T) (*deploy.Result, probe.LoadReport, string) {
	t.Helper()
	withRamp := fargate("users:100")
	withRamp["ramp"] = "5,25,50:5m"
	a, b := synth(t, fargate("users:10")), synth(t, withRamp)
	s := startStage(t, a.Dir)
	res, rep, err := deploy.UnderLoad(context.Background(), s, b.Dir, loadCorpus(t),
		deploy.Options{Timing: transitionTiming}, probe.LoadOptions{Clients: 4, MaxRequests: 500_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("the transition's events:\n" + res.Timeline())
		}
	})
	t.Logf("%d steps in %s: %s", res.Steps, res.Elapsed.Round(time.Millisecond), rep)
	return res, rep, s.Assembly.Dir
}

// TestTransitionRunRamps: the forum from users:10 to users:100 with the
// hands-off ramp 5,25,50:5m, carried out locally while the whole corpus
// flows. The ramp, its own code through the AWS API emulator, writes 25 %,
// 50 % and 100 % of the users paths a bake apart (5 min, 3 s at 1/100),
// all before CloudFormation updates the users rule to the state's 100 %,
// and no request gets an unexpected answer. The corpus's users requests
// are mostly answered 4xx on purpose, by the monolith as by users: the
// ramp judges the 4xx by their comparison with the monolith on the same
// paths, not by the absolute client-error alarm, which they would trip.
// (A fault the ramp stops at: internal/deploy's TestTransitionRampFault.)
func TestTransitionRunRamps(t *testing.T) {
	parallel(t)
	res, rep, dir := rampRun(t)
	if res.Failed != nil {
		t.Fatalf("the update failed: %v", res.Failed)
	}
	if rep.Unexpected != 0 {
		t.Errorf("%s: %v", rep, rep.Examples)
	}
	if dir != res.To {
		t.Errorf("the stage runs %s after the update, want %s", dir, res.To)
	}
	find := func(pred func(deploy.Event) bool) int { return slices.IndexFunc(res.Events, pred) }
	judged := find(func(e deploy.Event) bool {
		return e.Type == transition.RampType && strings.Contains(e.What, "judged by") &&
			strings.Contains(e.What, "-users-client-error-rate-vs-monolith") && !strings.Contains(e.What, "-users-client-error-rate,")
	})
	if judged < 0 {
		t.Error("the ramp is not judged by the users 4xx comparison with the monolith instead of the absolute 4xx alarm")
	}
	rule := find(func(e deploy.Event) bool {
		return strings.HasPrefix(e.ID, "usersRule") && !e.Rollback && e.What == "start"
	})
	if rule < 0 {
		t.Fatal("no update of the users rule in the events")
	}
	var at []time.Duration
	for _, share := range []int{25, 50, 100} {
		i := find(func(e deploy.Event) bool {
			return e.Type == transition.RampType && strings.HasPrefix(e.What, fmt.Sprintf("wrote users %d %%,", share))
		})
		if i < 0 || i > rule {
			t.Errorf("the ramp wrote %d %% at event %d, the users rule's update started at %d: want the write first", share, i, rule)
			continue
		}
		at = append(at, res.Events[i].At)
	}
	// Step i is due a bake after step i-1 was due, at the ramp's start
	// plus i bakes: the first write lags the start a little.
	start := find(func(e deploy.Event) bool {
		return e.Type == transition.RampType && strings.HasPrefix(e.What, "ramp of users from")
	})
	if start < 0 {
		t.Fatal("no start of the users ramp in the events")
	}
	bake := time.Duration(float64(5*time.Minute) * transitionTiming.Scale)
	for i, w := range at {
		if due := res.Events[start].At + time.Duration(i)*bake; w < due-50*time.Millisecond {
			t.Errorf("write %d came at %s, before it was due at %s (the ramp's start plus %d bakes of %s)", i, w, due, i, bake)
		}
	}
	t.Logf("ramp writes at %v; users rule updated at %s", at, res.Events[rule].At.Round(time.Millisecond))
}
