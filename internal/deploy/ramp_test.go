package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/constructs/ramp"
	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

// The ramp's stage: users is extracted from mono; the weighted rule gives
// users rampFrom % of /users/*, and the update ramps it to 100 %.
var (
	rampUsers = runnertest.Service{Name: "users", Greeting: "users", Priority: 10, Paths: []string{"/users", "/users/*"}}
	rampMono  = runnertest.Service{Name: "mono", Greeting: "mono", Priority: 20, Paths: []string{"/mono", "/mono/*"}}
)

const (
	rampFrom = 10
	// rampScale compresses time 100 times: the alarms' 60 s periods last
	// 0.6 s, the ramp's 5 min bakes 3 s, its 15 s polls 150 ms.
	rampScale = 0.01
	rampBake  = 5 * time.Minute
	// rampClients is the load's number of concurrent clients.
	rampClients = 4
	// rampFailPath is where the faulty users answers 500 once it has
	// answered rampFailAfter requests there (see ramptest: few enough to
	// show within the first step's bake, enough not to show before it).
	rampFailPath  = "/users/fail"
	rampFailAfter = 50
)

// rampSteps are the ramp's steps going up.
var rampSteps = []int{25, 50}

// rampErrorRate is the users' error-rate alarm, 2 of 3 periods above 1 %
// (ecsplit's is 3 of 5: shorter, to fire well within a bake).
var rampErrorRate = runnertest.ErrorRate{ThresholdPercent: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2}

// rampCorpus: two paths of users, one of them rampFailPath, and one of
// mono.
var rampCorpus = []corpus.Request{
	{Method: "GET", Target: "/users/1", Line: 1},
	{Method: "GET", Target: rampFailPath, Line: 2},
	{Method: "GET", Target: "/mono/1", Line: 3},
}

// rampApps returns the app at users rampFrom % without a ramp, and at
// 100 % with its ramp.
func rampApps(t *testing.T) (from, to string) {
	a := runnertest.NewApp(rampUsers, rampMono).Weighted("users", "mono", rampFrom)
	a.ErrorRateAlarm("users", rampErrorRate)
	b := runnertest.NewApp(rampUsers, rampMono).Weighted("users", "mono", 100)
	b.ErrorRateAlarm("users", rampErrorRate)
	b.Ramp("users", "mono", rampSteps, rampBake, "usersErrorRateAlarm")
	return a.Write(t), b.Write(t)
}

// logged is an event line of the transition's log and how many requests
// the load had sent when it was written.
type logged struct {
	line string
	sent int
}

// sentLog is the transition's log, recording the load's count at each
// line.
type sentLog struct {
	mu    sync.Mutex
	load  *probe.Load
	lines []logged
}

func (l *sentLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for line := range strings.Lines(string(p)) {
		l.lines = append(l.lines, logged{strings.TrimSpace(line), l.load.Sent()})
	}
	return len(p), nil
}

// find returns the first line holding every part, or false.
func (l *sentLog) find(parts ...string) (logged, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
next:
	for _, e := range l.lines {
		for _, p := range parts {
			if !strings.Contains(e.line, p) {
				continue next
			}
		}
		return e, true
	}
	return logged{}, false
}

// rampTransit starts the stage at rampFrom %, users with env, and applies
// the update to 100 % with its ramp while the load sends rampCorpus.
func rampTransit(t *testing.T, usersEnv map[string]string) (*runner.Stage, *Result, probe.LoadReport, *sentLog) {
	t.Helper()
	from, to := rampApps(t)
	services := runner.Services{}
	for name, env := range map[string]map[string]string{"users": usersEnv, "mono": nil} {
		argv, e := runnertest.Command("echo", env)
		services[name] = runner.ServiceCommand{Command: argv, Dir: ".", Env: e}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := runner.Start(ctx, from, runner.Options{Services: services, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	toAsm, err := albemu.Load(to)
	if err != nil {
		t.Fatal(err)
	}
	door := probe.Door{URL: s.URL}
	baseline, err := probe.Baseline(ctx, door, rampCorpus)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := probe.StartLoad(ctx, door, rampCorpus, baseline, probe.LoadOptions{Clients: rampClients})
	if err != nil {
		t.Fatal(err)
	}
	log := &sentLog{load: ld}
	ld.WaitSent(len(rampCorpus))
	res, err := ApplyTo(ctx, s, toAsm, Options{Timing: Timing{Scale: rampScale, NoStartDelay: true, Seed: 1}, Log: log})
	if err == nil {
		ld.WaitSent(ld.Sent() + len(rampCorpus))
	}
	rep := ld.Stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("the transition's events:\n" + res.Timeline())
		}
	})
	t.Logf("%d steps in %s; load: %s", res.Steps, res.Elapsed.Round(time.Millisecond), rep)
	return s, res, rep, log
}

// liveWeights returns the weights of users' rule as the front door
// serves it, by service.
func liveWeights(t *testing.T, s *runner.Stage) map[string]int {
	t.Helper()
	r := s.Router.Listener().Rule(albemu.ResourceID{Stack: runnertest.Stack, LogicalID: "usersRule"})
	if r == nil || r.Action.Forward == nil {
		t.Fatal("the front door serves no forward of usersRule")
	}
	got := map[string]int{}
	for _, g := range r.Action.Forward.TargetGroups {
		got[strings.TrimSuffix(g.TargetGroup.LogicalID, "TG")] = g.Weight
	}
	return got
}

// TestTransitionRamp: from users at 10 % to 100 % with a ramp, under
// load: the ramp writes 25 %, 50 % and 100 % a bake apart, all before
// the rule's update starts, and no answer is unexpected.
func TestTransitionRamp(t *testing.T) {
	s, res, rep, _ := rampTransit(t, nil)
	if res.Failed != nil || rep.Unexpected != 0 || rep.Sent == 0 {
		t.Fatalf("failed %v; load %s %v: want a completed update and no unexpected answer", res.Failed, rep, rep.Examples)
	}
	ev := res.Events
	rule := index(ev, "usersRule", false, "start")
	if rule < 0 {
		t.Fatal("no update of usersRule in the events")
	}
	var at []time.Duration
	for _, share := range []int{25, 50, 100} {
		i := index(ev, "usersRamp", false, fmt.Sprintf("wrote users %d %%,", share))
		if i < 0 || i > rule {
			t.Errorf("the ramp wrote %d %% at event %d, the rule's update started at %d: want the write first", share, i, rule)
			continue
		}
		at = append(at, ev[i].At)
	}
	if done := index(ev, "usersRamp", false, "done"); done < 0 || done > rule {
		t.Errorf("the ramp was done at event %d, the rule's update started at %d", done, rule)
	}
	bake := time.Duration(float64(rampBake) * rampScale)
	for i := 1; i < len(at); i++ {
		// Step i is due a bake after step i-1 was due; the first write
		// comes a little after the ramp's start, hence the few ms.
		if d := at[i] - at[i-1]; d < bake-50*time.Millisecond {
			t.Errorf("write %d came %s after the previous one, less than a bake of %s", i, d, bake)
		}
	}
	if got := liveWeights(t, s); got["users"] != 100 || got["mono"] != 0 {
		t.Errorf("after the update the live weights are %v, want users 100, mono 0", got)
	}
	if s.Assembly.Dir != res.To {
		t.Errorf("the stage's assembly is %s, want %s", s.Assembly.Dir, res.To)
	}
}

// TestTransitionRampFault: users answers 500 on rampFailPath once it has
// answered rampFailAfter requests there. The ramp stops at its first
// step, 25 %, writes back 10 % and fails; the update fails at the ramp,
// before the rule's update starts, and rolls back; the live weights are
// 10/90 again, every unexpected answer is a 500 of users (none a 503 of
// an empty target group), and they are at most the step's share of the
// requests sent during its bake, plus a tolerance.
func TestTransitionRampFault(t *testing.T) {
	s, res, rep, log := rampTransit(t, runnertest.Fault(rampFailPath, rampFailAfter))
	var se *StepError
	var f *ramp.Failure
	if !errors.As(res.Failed, &se) || se.Step.ID != "usersRamp" || !errors.As(res.Failed, &f) || !res.RolledBack {
		t.Fatalf("failure %v, rolled back %v: want the ramp to fail with a *ramp.Failure and a rollback", res.Failed, res.RolledBack)
	}
	if f.At != rampSteps[0] || f.From != rampFrom || f.RestoreErr != nil {
		t.Errorf("the ramp stopped at %d %%, restored %d %% (error %v); want stopped at %d %%, restored %d %%", f.At, f.From, f.RestoreErr, rampSteps[0], rampFrom)
	}
	if i := index(res.Events, "usersRule", false, "start"); i >= 0 {
		t.Errorf("the rule's update started (event %d) though the ramp failed", i)
	}
	if got := liveWeights(t, s); got["users"] != rampFrom || got["mono"] != 100-rampFrom {
		t.Errorf("after the rollback the live weights are %v, want users %d, mono %d", got, rampFrom, 100-rampFrom)
	}
	if s.Assembly.Dir != res.From {
		t.Errorf("after the rollback the stage's assembly is %s, want %s", s.Assembly.Dir, res.From)
	}
	if rep.Unexpected == 0 || rep.ByStatus[500] != rep.Unexpected {
		t.Fatalf("load: %s, want unexpected answers, all 500 (no 503 of an empty target group)", rep)
	}
	for _, u := range rep.Examples {
		if u.Request.Target != rampFailPath {
			t.Errorf("unexpected answer outside the fault's path: %s", u)
		}
	}
	step, ok1 := log.find("usersRamp", fmt.Sprintf("wrote users %d %%", f.At))
	restore, ok2 := log.find("usersRamp", fmt.Sprintf("wrote users %d %%", rampFrom))
	if !ok1 || !ok2 {
		t.Fatalf("no write of %d %% or of %d %% in the log", f.At, rampFrom)
	}
	// The tolerance, as ramptest's: requests in flight at either write
	// (at most the clients each), those sent before the step's write
	// (the fault may show at 10 % there, though rampFailAfter makes it
	// unlikely) and those after the restore (at 10 %, until the rollback
	// and the load end).
	bakeSent := restore.sent - step.sent
	tolerance := 2*rampClients + step.sent + (rep.Sent - restore.sent)
	bound := f.At*bakeSent/100 + tolerance
	t.Logf("planted fault: %d of %d requests failed; step %d %% baked %s (%s emulated) with %d requests sent; bound %d %% × %d + tolerance %d = %d",
		rep.Unexpected, rep.Sent, f.At, time.Duration(float64(f.Baked)*rampScale).Round(time.Millisecond), f.Baked.Round(time.Second), bakeSent, f.At, bakeSent, tolerance, bound)
	if rep.Unexpected > bound {
		t.Errorf("%d requests failed, more than the bound %d", rep.Unexpected, bound)
	}
	if f.Baked >= rampBake {
		t.Errorf("the ramp stopped after %s of a %s bake: the alarm did not fire within the bake", f.Baked, rampBake)
	}
	var b bytes.Buffer
	for _, e := range log.lines {
		fmt.Fprintf(&b, "%s (%d sent)\n", e.line, e.sent)
	}
	t.Log("log:\n" + b.String())
}
