package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// testTiming runs the model at 1/100 of real time: tasks start in 0.3 to
// 0.9 s, health checks every 100 ms, unhealthy after 300 ms, drained for
// 150 ms.
var testTiming = Timing{Scale: 0.01, Seed: 1}

func TestMain(m *testing.M) { runnertest.Main(m) }

// appServices runs each named container as this test binary in a mode.
func appServices(modes map[string]string) runner.Services {
	s := runner.Services{}
	for name, mode := range modes {
		argv, env := runnertest.Command(mode, nil)
		s[name] = runner.ServiceCommand{Command: argv, Dir: ".", Env: env}
	}
	return s
}

// transit starts the stage in from, applies the transition to to under
// load and returns the result and the load's report.
func transit(t *testing.T, from, to string, services runner.Services) (*runner.Stage, *Result, probe.LoadReport) {
	t.Helper()
	ctx := context.Background()
	s, err := runner.Start(ctx, from, runner.Options{Services: services})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	res, rep := transitOn(t, s, to)
	return s, res, rep
}

// transitOn applies a transition to a running stage under load.
func transitOn(t *testing.T, s *runner.Stage, to string) (*Result, probe.LoadReport) {
	t.Helper()
	res, rep, err := UnderLoad(context.Background(), s, to, runnertest.Corpus, Options{Timing: testTiming}, probe.LoadOptions{MaxRequests: 200_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("the transition's events:\n" + res.Timeline())
		}
	})
	t.Logf("%s: %d steps in %s; %s", to, res.Steps, res.Elapsed, rep)
	return res, rep
}

// get answers one request through the stage's front door.
func get(t *testing.T, s *runner.Stage, target string) (int, string) {
	t.Helper()
	resp, err := probe.Send(context.Background(), probe.Door{URL: s.URL}, corpus.Request{Method: "GET", Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status, string(resp.Body)
}

// index returns the position of the first event of a resource whose What
// starts with prefix, or -1.
func index(events []Event, id string, rollback bool, prefix string) int {
	return slices.IndexFunc(events, func(e Event) bool {
		return e.ID == id && e.Rollback == rollback && strings.HasPrefix(e.What, prefix)
	})
}

// TestTransitionForwardAndBack: from echo alone to echo's new version
// plus a new service, and back, under load. No answer is unexpected; the
// echo service rolls (its new task registered before the old one is
// deregistered); the new service's rule comes after the service is
// stable and goes before it is deleted; each end state answers as its
// templates say.
func TestTransitionForwardAndBack(t *testing.T) {
	one, two := runnertest.NewApp(runnertest.EchoV1).Write(t), runnertest.NewApp(runnertest.EchoV2, runnertest.More).Write(t)
	s, res, rep := transit(t, one, two, appServices(map[string]string{"echo": "echo", "more": "echo"}))
	if res.Failed != nil || rep.Unexpected != 0 {
		t.Fatalf("forward: failed %v; %s %v", res.Failed, rep, rep.Examples)
	}
	if st, body := get(t, s, "/echo/1"); st != 200 || !strings.HasPrefix(body, "bonjour") {
		t.Errorf("after the update GET /echo/1 = %d %q, want the new version's greeting", st, body)
	}
	if st, body := get(t, s, "/more/1"); st != 200 || !strings.HasPrefix(body, "more") {
		t.Errorf("after the update GET /more/1 = %d %q, want the new service", st, body)
	}
	ev := res.Events
	if i, j := index(ev, "echoService", false, "task healthy"), index(ev, "echoService", false, "task deregistered"); i < 0 || j < i {
		t.Errorf("echo's new task healthy at event %d, old task deregistered at %d: want a rolling update", i, j)
	}
	if i, j := index(ev, "moreService", false, "done"), index(ev, "moreRule", false, "start"); i < 0 || j < i {
		t.Errorf("more's service stable at event %d, its rule created at %d: want the rule after", i, j)
	}
	if s.Assembly.Dir != res.To {
		t.Errorf("the stage's assembly is %s after the update, want %s", s.Assembly.Dir, res.To)
	}

	res, rep = transitOn(t, s, one)
	if res.Failed != nil || rep.Unexpected != 0 {
		t.Fatalf("back: failed %v; %s %v", res.Failed, rep, rep.Examples)
	}
	if i, j := index(res.Events, "moreRule", false, "done"), index(res.Events, "moreService", false, "task deregistered"); i < 0 || j < i {
		t.Errorf("more's rule deleted at event %d, its task deregistered at %d: want the rule first", i, j)
	}
	if st, body := get(t, s, "/more/1"); st != 404 || body != "no route" {
		t.Errorf("back: GET /more/1 = %d %q, want the listener's 404", st, body)
	}
	if n := s.Processes(); n != 1 {
		t.Errorf("back: %d processes run, want echo's only", n)
	}
}

// TestTransitionOrderingFault: a planted fault, the new service's rule
// without its DependsOn, sends the service's paths to a target group
// without a healthy target while the service starts: the load sees 503s,
// and only there.
func TestTransitionOrderingFault(t *testing.T) {
	faulty := runnertest.NewApp(runnertest.EchoV1, runnertest.More)
	delete(faulty.Resource("moreRule"), "DependsOn")
	_, res, rep := transit(t, runnertest.NewApp(runnertest.EchoV1).Write(t), faulty.Write(t), appServices(map[string]string{"echo": "echo", "more": "echo"}))
	if res.Failed != nil {
		t.Fatal(res.Failed)
	}
	if rep.Unexpected == 0 || rep.ByStatus[503] != rep.Unexpected {
		t.Fatalf("%s: want 503s, and nothing else unexpected", rep)
	}
	for _, u := range rep.Examples {
		if !strings.HasPrefix(u.Request.Target, "/more") {
			t.Errorf("unexpected answer outside the new service's paths: %s", u)
		}
	}
}

// TestTransitionNeverHealthy: a new service that never passes its health
// check fails the update after DefaultFailedTasks tasks; CloudFormation
// rolls back: the update of echo is undone (its old version serves
// again), the new service's tasks are stopped, its rule was never
// served, and no answer is unexpected.
func TestTransitionNeverHealthy(t *testing.T) {
	one := runnertest.NewApp(runnertest.EchoV1).Write(t)
	s, res, rep := transit(t, one, runnertest.NewApp(runnertest.EchoV2, runnertest.More).Write(t), appServices(map[string]string{"echo": "echo", "more": "unhealthy"}))
	var se *StepError
	failed := errors.As(res.Failed, &se) && se.Step.ID == "moreService" && se.Step.Change == transition.Create &&
		strings.Contains(se.Error(), "3 tasks in a row failed their health check")
	if !failed || !res.RolledBack || rep.Unexpected != 0 {
		t.Fatalf("failure %v, rolled back %v, %s %v: want moreService's creation to fail after 3 unhealthy tasks, "+
			"a rollback and no unexpected answer", res.Failed, res.RolledBack, rep, rep.Examples)
	}
	for i, l := range res.Listeners {
		if slices.ContainsFunc(l.Rules, func(r *albemu.Rule) bool { return r.ID.LogicalID == "moreRule" }) {
			t.Errorf("listener %d served moreRule", i)
		}
	}
	if st, body := get(t, s, "/echo/1"); st != 200 || !strings.HasPrefix(body, "hello") {
		t.Errorf("after the rollback GET /echo/1 = %d %q, want the old version's greeting", st, body)
	}
	if n := s.Processes(); n != 1 || s.Assembly.Dir != res.From {
		t.Errorf("after the rollback %d processes run on %s, want echo's only on %s", n, s.Assembly.Dir, res.From)
	}
	if i := index(res.Events, "echoService", true, "task healthy"); i < 0 {
		t.Error("no rollback of echo's update in the events")
	}
}

// TestSetRule: each rule change swaps the front door's rules as the ALB
// would, and a priority another rule holds is refused.
func TestSetRule(t *testing.T) {
	rule := func(id string, prio int, path string) *albemu.Rule {
		return &albemu.Rule{ID: albemu.ResourceID{Stack: "S", LogicalID: id}, Priority: prio,
			Conditions: []albemu.Condition{{Field: albemu.FieldPathPattern, Values: []string{path}}},
			Action:     albemu.Action{FixedResponse: &albemu.FixedResponse{StatusCode: 200, Body: id}}}
	}
	tests := []struct {
		name   string
		served []*albemu.Rule
		next   []*albemu.Rule
		id     string
		change transition.Change
		want   string // the served rules after, or the error
	}{
		{"create", []*albemu.Rule{rule("A", 10, "/a")}, []*albemu.Rule{rule("A", 10, "/a"), rule("B", 5, "/b")}, "B", transition.Create, "B:5 A:10"},
		{"update", []*albemu.Rule{rule("A", 10, "/a")}, []*albemu.Rule{rule("A", 10, "/x")}, "A", transition.Update, "A:10"},
		{"delete", []*albemu.Rule{rule("A", 10, "/a"), rule("B", 5, "/b")}, nil, "B", transition.Delete, "A:10"},
		{"priority in use", []*albemu.Rule{rule("A", 10, "/a")}, []*albemu.Rule{rule("B", 10, "/b")}, "B", transition.Create, "priority 10 is the priority of S/A too (PriorityInUse)"},
		{"not on the listener", []*albemu.Rule{rule("A", 10, "/a")}, nil, "C", transition.Create, "A:10"},
	}
	for _, tt := range tests {
		s := &runner.Stage{Router: albemu.NewRouter(&albemu.Listener{Rules: tt.served}, nil, 0)}
		r := &run{s: s, res: &Result{}}
		to := &albemu.Assembly{Listener: &albemu.Listener{Rules: tt.next}}
		err := r.setRule(phase{to: to}, albemu.ResourceID{Stack: "S", LogicalID: tt.id}, tt.change)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			var parts []string
			for _, x := range s.Router.Listener().Rules {
				parts = append(parts, fmt.Sprintf("%s:%d", x.ID.LogicalID, x.Priority))
			}
			got = strings.Join(parts, " ")
		}
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	// The updated rule is the new one: /x now answers.
	s := &runner.Stage{Router: albemu.NewRouter(&albemu.Listener{Rules: []*albemu.Rule{rule("A", 10, "/a")}}, nil, 0)}
	r := &run{s: s, res: &Result{}}
	r.setRule(phase{to: &albemu.Assembly{Listener: &albemu.Listener{Rules: []*albemu.Rule{rule("A", 10, "/x")}}}}, albemu.ResourceID{Stack: "S", LogicalID: "A"}, transition.Update)
	if s.Router.Match(httptest.NewRequest("GET", "/x", nil)) == nil || len(r.res.Listeners) != 1 {
		t.Error("the updated rule is not the one served, or not recorded")
	}
}
