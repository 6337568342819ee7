package test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/deploy"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/constructs/ramp"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// rampRun starts users:10 locally and applies users:100 with the ramp
// 5,25,50:5m while reqs (all of the corpus, or only the requests the
// steady state answers below 400 when healthyOnly) flow through the
// front door from four clients, at 1/100 of real time.
func rampRun(t *testing.T, healthyOnly bool) (*deploy.Result, probe.LoadReport, string) {
	t.Helper()
	withRamp := fargate("users:100")
	withRamp["ramp"] = "5,25,50:5m"
	a, b := synth(t, fargate("users:10")), synth(t, withRamp)
	s := startStage(t, a.Dir)
	reqs := loadCorpus(t)
	if healthyOnly {
		base, err := probe.Baseline(context.Background(), probe.Door{URL: s.URL}, reqs)
		if err != nil {
			t.Fatal(err)
		}
		var ok []corpus.Request
		for i, r := range reqs {
			if base[i] < 400 {
				ok = append(ok, r)
			}
		}
		t.Logf("%d of the corpus's %d requests answer below 400", len(ok), len(reqs))
		reqs = ok
	}
	res, rep, err := deploy.UnderLoad(context.Background(), s, b.Dir, reqs,
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
// hands-off ramp 5,25,50:5m, carried out locally while a load flows. With
// healthy traffic (the corpus's requests that the steady state answers
// below 400) the ramp, its own code through the AWS API emulator, writes
// 25 %, 50 % and 100 % of the users paths a bake apart (5 min, 3 s at
// 1/100), all before CloudFormation updates the users rule to the state's
// 100 %, and no request gets an unexpected answer. With the whole corpus,
// whose users requests are mostly answered 4xx on purpose, the users
// client-error alarm (4xx above 25 %) fires during the first bake: the
// ramp writes 10 % back and fails, the stack rolls back (the users
// service's update too), and still no request gets an unexpected answer.
func TestTransitionRunRamps(t *testing.T) {
	parallel(t)
	t.Run("healthy traffic", func(t *testing.T) {
		res, rep, dir := rampRun(t, true)
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
		bake := time.Duration(float64(5*time.Minute) * transitionTiming.Scale)
		for i := 1; i < len(at); i++ {
			if d := at[i] - at[i-1]; d < bake-50*time.Millisecond {
				t.Errorf("write %d came %s after the previous one, less than a bake of %s", i, d, bake)
			}
		}
		t.Logf("ramp writes at %v; users rule updated at %s", at, res.Events[rule].At.Round(time.Millisecond))
	})
	t.Run("whole corpus trips the 4xx alarm", func(t *testing.T) {
		res, rep, dir := rampRun(t, false)
		var f *ramp.Failure
		if !errors.As(res.Failed, &f) || !res.RolledBack || !strings.Contains(f.Cause, "client-error-rate") {
			t.Fatalf("failure %v, rolled back %v: want the ramp stopped by the users client-error alarm, and a rollback", res.Failed, res.RolledBack)
		}
		if f.At != 25 || f.From != 10 || f.RestoreErr != nil {
			t.Errorf("the ramp stopped at %d %% and restored %d %% (%v), want 25 %% and 10 %%", f.At, f.From, f.RestoreErr)
		}
		if rep.Unexpected != 0 {
			t.Errorf("%s: %v", rep, rep.Examples)
		}
		if dir != res.From {
			t.Errorf("the stage runs %s after the rollback, want %s", dir, res.From)
		}
		t.Logf("reported: %s", firstLine(res.Failed.Error()))
	})
}
