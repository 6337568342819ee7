package test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/deploy"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// transitionTiming runs the transitions' waits at 1/100 of real time:
// Fargate tasks start in 0.3 to 0.9 s (30 to 90 s), health checks come
// every 100 ms (10 s), a new task may fail them for 0.6 s (the 30 s grace
// period and 3 checks) and a deregistered one drains for 150 ms (15 s).
var transitionTiming = deploy.Timing{Scale: 0.01, Seed: 1}

// fargate is the Fargate context of a migration state.
func fargate(state string) map[string]string {
	return map[string]string{"stage": state, "capacity": "fargate"}
}

// transitionRun starts the assembly in from locally and applies the
// transition to the assembly in to while the corpus flows through the
// front door from four clients.
func transitionRun(t *testing.T, from, to string, timing deploy.Timing) (*runner.Stage, *deploy.Result, probe.LoadReport) {
	t.Helper()
	s := startStage(t, from)
	begin := time.Now()
	res, rep, err := deploy.UnderLoad(context.Background(), s, to, loadCorpus(t),
		deploy.Options{Timing: timing}, probe.LoadOptions{Clients: 4, MaxRequests: 500_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("the transition's events:\n" + res.Timeline())
		}
	})
	t.Logf("%d steps in %s (run %s): %s", res.Steps, res.Elapsed.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond), rep)
	return s, res, rep
}

// TestTransitionRunServesEveryRequest: a migration step forward, a step
// that deletes the monolith, and a step back that creates it again, each
// carried out as CloudFormation orders it while the corpus flows: every
// request gets the answer the steady state gave it or another 2xx/4xx,
// never a 5xx or a failed connection.
func TestTransitionRunServesEveryRequest(t *testing.T) {
	parallel(t)
	for _, tt := range []struct{ from, to string }{
		{"monolith", "users:10"},
		{"users:100,threads:10", "split"},
		{"split", "users:100,threads:100,posts:50"},
	} {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			a, b := synth(t, fargate(tt.from)), synth(t, fargate(tt.to))
			s, res, rep := transitionRun(t, a.Dir, b.Dir, transitionTiming)
			if res.Failed != nil {
				t.Fatalf("the update failed: %v", res.Failed)
			}
			if rep.Unexpected != 0 {
				t.Errorf("%s: %v", rep, rep.Examples)
			}
			if s.Assembly.Dir != b.Dir {
				t.Errorf("the stage runs %s after the update, want %s", s.Assembly.Dir, b.Dir)
			}
		})
	}
}

// TestTransitionRunShowsOrderingFault: with the users routing rule planted
// without its DependsOn, CloudFormation creates it as soon as the target
// group exists, while the users service starts: its 10 % of the users
// paths reach a target group without a target, and the run sees 503s
// there, and nothing else unexpected. The tasks start in 1.8 s, the
// slowest Fargate start (90 s) at 1/50: a window wide enough for a 10 %
// share to show whatever the machine's load.
func TestTransitionRunShowsOrderingFault(t *testing.T) {
	parallel(t)
	faulty, _ := plantInServices(t, synth(t, fargate("users:10")).Dir, albemu.TypeListenerRule, "usersRule", func(r map[string]any) {
		delete(r, "DependsOn")
	})
	slow := deploy.Timing{Scale: 0.02, MinStartDelay: 90 * time.Second, MaxStartDelay: 90 * time.Second, Seed: 1}
	_, res, rep := transitionRun(t, synth(t, monolithFargate).Dir, faulty, slow)
	if res.Failed != nil {
		t.Fatalf("the update failed: %v", res.Failed)
	}
	if rep.Unexpected == 0 || rep.ByStatus[503] != rep.Unexpected {
		t.Fatalf("%s: want 503s, and only 503s", rep)
	}
	for _, u := range rep.Examples {
		if !strings.HasPrefix(strings.ToLower(u.Request.Target), "/api/users") {
			t.Errorf("a 503 outside the users paths: %s", u)
		}
	}
	t.Logf("planted fault caught: %s; first: %s", rep, rep.Examples[0])
}

// TestTransitionRunRollsBackServiceNeverHealthy: the users service of
// users:10, its target group's health check planted on /health (the
// service answers 404 there), never gets healthy: after three tasks the
// deployment circuit breaker fails the creation, CloudFormation rolls the
// update back, the users routing rule is never created, no listener the
// front door served ever sent users' share to its target group, no
// request got an unexpected answer, and the monolith's rules serve again;
// the reaction, the previous state's deploy, then has nothing to do.
func TestTransitionRunRollsBackServiceNeverHealthy(t *testing.T) {
	parallel(t)
	mono := synth(t, monolithFargate)
	broken, usersTG := plantInServices(t, synth(t, fargate("users:10")).Dir, albemu.TypeTargetGroup, "usersTargetGroup", func(r map[string]any) {
		r["Properties"].(map[string]any)["HealthCheckPath"] = "/health"
	})
	s, res, rep := transitionRun(t, mono.Dir, broken, transitionTiming)
	var se *deploy.StepError
	if !errors.As(res.Failed, &se) || se.Step.Type != albemu.TypeService || se.Step.Change != transition.Create ||
		!strings.HasPrefix(se.Step.ID, "usersService") || !strings.Contains(se.Error(), "status 404") {
		t.Fatalf("failure %v, want the users service's creation, its health check answered 404", res.Failed)
	}
	if !res.RolledBack {
		t.Error("the failed update was not rolled back")
	}
	if rep.Unexpected != 0 {
		t.Errorf("%s: %v", rep, rep.Examples)
	}
	for i, l := range res.Listeners {
		r := albemu.NewRouter(l, nil, 0).Match(httptest.NewRequest("GET", "/api/users/1", nil))
		if r != nil && r.Action.Forward != nil && slices.ContainsFunc(r.Action.Forward.TargetGroups, func(w albemu.WeightedTarget) bool {
			return w.TargetGroup == usersTG && w.Weight > 0
		}) {
			t.Errorf("listener %d of the run sent a share of GET /api/users/1 to %s (rule %s)", i, usersTG, r.ID)
		}
	}
	var got, want []string
	for _, r := range s.Router.Listener().Rules {
		got = append(got, r.ID.LogicalID+" "+r.Action.String())
	}
	for _, r := range res.Listeners[0].Rules {
		want = append(want, r.ID.LogicalID+" "+r.Action.String())
	}
	if !slices.Equal(got, want) || len(s.Router.Targets(usersTG)) != 0 || s.Assembly.Dir != mono.Dir {
		t.Errorf("after the rollback: rules %v, users targets %v, assembly %s; want the monolith's rules %v, none, %s",
			got, s.Router.Targets(usersTG), s.Assembly.Dir, want, mono.Dir)
	}
	t.Logf("reported: %v (rolled back: %v)", firstLine(res.Failed.Error()), res.RolledBack)

	// The reaction: the previous state's command. CloudFormation's
	// rollback already put the monolith's templates back, so deploying
	// the monolith again changes nothing, and serves every request.
	again, rep, err := deploy.UnderLoad(context.Background(), s, mono.Dir, loadCorpus(t),
		deploy.Options{Timing: transitionTiming}, probe.LoadOptions{Clients: 4, MaxRequests: 500_000})
	if err != nil {
		t.Fatalf("the previous state's deploy after the rollback: %v", err)
	}
	if again.Failed != nil || again.Steps != 0 || rep.Unexpected != 0 {
		t.Errorf("the previous state's deploy after the rollback: failure %v, %d steps, %s; want nothing to do and nothing unexpected",
			again.Failed, again.Steps, rep)
	}
	t.Logf("the previous state's deploy: %d steps; %s", again.Steps, rep)
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
