package ramptest

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecsplit/ecsplit/constructs/ramp"
	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/awsemu"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

func TestMain(m *testing.M) { runnertest.Main(m) }

// The stage: users is extracted from mono, whose own paths are /mono/*;
// the weighted rule gives users start % of /users/*.
var (
	users = runnertest.Service{Name: "users", Greeting: "users", Priority: 10, Paths: []string{"/users", "/users/*"}}
	mono  = runnertest.Service{Name: "mono", Greeting: "mono", Priority: 20, Paths: []string{"/mono", "/mono/*"}}
)

const (
	start = 10 // the users' share the stage starts at, in percent
	// scale runs the emulator's clock 60 times faster: an alarm's 60 s
	// period lasts 1 s.
	scale = 1.0 / 60
	// bake is each step's bake: 5 s, 5 emulated minutes, ecsplit's
	// default bake (DefaultBake) compressed as the alarms are.
	bake = 5 * time.Second
	// poll is how often the ramp reads the alarms: 250 ms, 15 emulated
	// seconds, ecsplit's PollInterval compressed.
	poll = 250 * time.Millisecond
	// clients is the load's number of concurrent clients.
	clients = 4
	// failPath is where the faulty service answers 500, once it has
	// answered failAfter requests there. failAfter is large enough that
	// at start % the fault cannot show in the few milliseconds between
	// the load's start and the ramp's first step, and small enough that it
	// shows within the first step's bake at any plausible request rate.
	failPath  = "/users/fail"
	failAfter = 50
)

// errorRate is the users' error-rate alarm: ecsplit's threshold (1 %),
// 2 of 3 periods breaching (ecsplit's is 3 of 5: shorter, so that at
// 1 s periods it fires well within a 5 s bake).
var errorRate = runnertest.ErrorRate{ThresholdPercent: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2}

// plan is the ramp's steps going up: 25 %, 50 %, then the target.
var plan = ramp.Plan{Steps: []int{25, 50}, Bake: bake}

// load is the corpus of the ramp's load: two paths of the users', one of
// them failPath, so that a faulty users fails half its requests.
var load = []corpus.Request{
	{Method: "GET", Target: "/users/1", Line: 1},
	{Method: "GET", Target: failPath, Line: 2},
}

// local is a stage ramping users, the emulator of its AWS APIs, the SDK
// clients of the emulator and the ramp's Spec.
type local struct {
	stage *runner.Stage
	emu   *awsemu.Server
	elb   *elbv2.Client
	cw    *cloudwatch.Client
	spec  ramp.Spec
	// tg are the target groups' ARNs, by service.
	tg map[string]string
}

// startLocal starts the stage at start %, users run with env added, and
// the emulator on its router.
func startLocal(t *testing.T, usersEnv map[string]string) *local {
	t.Helper()
	app := runnertest.NewApp(users, mono).Weighted(users.Name, mono.Name, start)
	alarm := app.ErrorRateAlarm(users.Name, errorRate)
	services := runner.Services{}
	for name, env := range map[string]map[string]string{users.Name: usersEnv, mono.Name: nil} {
		argv, e := runnertest.Command("echo", env)
		services[name] = runner.ServiceCommand{Command: argv, Dir: ".", Env: e}
	}
	s, err := runner.Start(context.Background(), app.Write(t), runner.Options{Services: services, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	emu := awsemu.New(s.Assembly, s.Router, awsemu.Options{Scale: scale})
	s.Router.SetObserver(emu.Observe)
	if errs := emu.NotEmulated(); len(errs) > 0 {
		t.Fatalf("alarms the emulator cannot compute: %v", errs)
	}
	endpoint, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	cfg := awsemu.Config(endpoint)
	l := &local{stage: s, emu: emu, elb: elbv2.NewFromConfig(cfg), cw: cloudwatch.NewFromConfig(cfg), tg: map[string]string{}}
	arns := emu.ARNs()
	for _, svc := range []string{users.Name, mono.Name} {
		l.tg[svc] = arns.TargetGroup(albemu.ResourceID{Stack: runnertest.Stack, LogicalID: svc + "TG"})
	}
	l.spec = ramp.Spec{
		Service:                users.Name,
		ListenerArn:            arns.Listener(s.Assembly.Listener.ID),
		Priority:               users.Priority,
		ServiceTargetGroupArn:  l.tg[users.Name],
		MonolithTargetGroupArn: l.tg[mono.Name],
		Percent:                100,
		Plan:                   plan,
		Alarms:                 []string{alarm},
	}
	if got := l.weights(t); got[users.Name] != start || got[mono.Name] != 100-start {
		t.Fatalf("before the ramp, the live weights are %v, want users %d, mono %d", got, start, 100-start)
	}
	return l
}

// weights reads the weighted rule's live weights through DescribeRules,
// by service (0 for a group the forward does not hold).
func (l *local) weights(t *testing.T) map[string]int {
	t.Helper()
	out, err := l.elb.DescribeRules(context.Background(), &elbv2.DescribeRulesInput{ListenerArn: aws.String(l.spec.ListenerArn)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range out.Rules {
		if aws.ToString(r.Priority) != strconv.Itoa(users.Priority) {
			continue
		}
		for _, a := range r.Actions {
			if a.ForwardConfig == nil {
				continue
			}
			for _, g := range a.ForwardConfig.TargetGroups {
				for svc, arn := range l.tg {
					if aws.ToString(g.TargetGroupArn) == arn {
						got[svc] += int(aws.ToInt32(g.Weight))
					}
				}
			}
		}
		return got
	}
	t.Fatalf("DescribeRules: no rule of priority %d on %s", users.Priority, l.spec.ListenerArn)
	return nil
}

// write is a share the ramp wrote, when, and how many requests the load
// had sent by then.
type write struct {
	share int
	at    time.Time
	sent  int
}

// recorder is the ramp's ELBv2 client: the SDK's, recording each share
// that a ModifyRule writes.
type recorder struct {
	ramp.ELBV2
	serviceTG string
	load      *probe.Load

	mu     sync.Mutex
	writes []write
}

func (r *recorder) ModifyRule(ctx context.Context, in *elbv2.ModifyRuleInput, opts ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error) {
	out, err := r.ELBV2.ModifyRule(ctx, in, opts...)
	if err != nil {
		return out, err
	}
	w := write{share: -1, at: time.Now(), sent: r.load.Sent()}
	for _, a := range in.Actions {
		if a.ForwardConfig != nil {
			for _, g := range a.ForwardConfig.TargetGroups {
				if aws.ToString(g.TargetGroupArn) == r.serviceTG {
					w.share = int(aws.ToInt32(g.Weight))
				}
			}
		}
	}
	r.mu.Lock()
	r.writes = append(r.writes, w)
	r.mu.Unlock()
	return out, nil
}

// run ramps users to 100 % under load, through the SDK clients, and
// returns Run's error, the load's report, when the load began and the
// writes.
func (l *local) run(t *testing.T) (error, probe.LoadReport, time.Time, []write) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	door := probe.Door{URL: l.stage.URL}
	baseline, err := probe.Baseline(ctx, door, load)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	ld, err := probe.StartLoad(ctx, door, load, baseline, probe.LoadOptions{Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{ELBV2: l.elb, serviceTG: l.tg[users.Name], load: ld}
	runErr := ramp.Run(ctx, ramp.Clients{ELBV2: rec, CloudWatch: l.cw}, l.spec, ramp.Wall(poll))
	rep := ld.Stop()
	t.Logf("ramp: %v; load: %s in %s", runErr, rep, time.Since(begin).Round(time.Millisecond))
	for _, w := range rec.writes {
		t.Logf("wrote %3d %% at +%s, %d requests sent", w.share, w.at.Sub(begin).Round(time.Millisecond), w.sent)
	}
	return runErr, rep, begin, rec.writes
}

// TestRampHealthy: a healthy users ramps from 10 % to 100 % through its
// steps under load, with no unexpected answer, and the live rule says
// 100/0 at the end.
func TestRampHealthy(t *testing.T) {
	l := startLocal(t, nil)
	err, rep, begin, writes := l.run(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var shares []int
	for _, w := range writes {
		shares = append(shares, w.share)
	}
	if want := []int{25, 50, 100}; !slices.Equal(shares, want) {
		t.Errorf("the ramp wrote the shares %v, want %v", shares, want)
	}
	for i := 1; i < len(writes); i++ {
		// Step i is due at the ramp's start + i bakes (not the previous
		// write's time + a bake: the first write comes a little after the
		// start), and the ramp started after the load began.
		if d := writes[i].at.Sub(begin); d < time.Duration(i)*bake {
			t.Errorf("%d %% was written %s after the load began, before %d bakes of %s", writes[i].share, d, i, bake)
		}
		if n := writes[i].sent - writes[i-1].sent; n == 0 {
			t.Errorf("no request was sent during the bake of %d %%: the alarms judged nothing", writes[i-1].share)
		}
	}
	if got := l.weights(t); got[users.Name] != 100 || got[mono.Name] != 0 {
		t.Errorf("after the ramp, the live weights are %v, want users 100, mono 0", got)
	}
	if rep.Sent == 0 || rep.Unexpected != 0 {
		t.Errorf("load: %s, want some requests and no unexpected answer; first: %v", rep, rep.Examples)
	}
}

// TestRampStopsAtFault: users answers 500 on failPath after failAfter
// requests there. The ramp stops at the first step whose bake sees it,
// the step live when the first 500 came back, and writes back 10/90.
// The requests that failed are at most the step's share of those sent
// during its bake (half of them go to failPath: about half that share
// fails), plus the stated tolerance.
func TestRampStopsAtFault(t *testing.T) {
	l := startLocal(t, runnertest.Fault(failPath, failAfter))
	err, rep, begin, writes := l.run(t)
	var f *ramp.Failure
	if !errors.As(err, &f) {
		t.Fatalf("Run: %v, want a *ramp.Failure", err)
	}
	if f.From != start || f.RestoreErr != nil {
		t.Errorf("Failure: from %d %%, restore error %v; want from %d %%, restored", f.From, f.RestoreErr, start)
	}
	if got := l.weights(t); got[users.Name] != start || got[mono.Name] != 100-start {
		t.Errorf("after the failed ramp, the live weights are %v, want users %d, mono %d", got, start, 100-start)
	}
	if rep.Unexpected == 0 || rep.ByStatus[500] != rep.Unexpected || len(rep.Examples) == 0 {
		t.Fatalf("load: %s, want unexpected answers, all 500", rep)
	}
	// The step that saw the fault first: the last written before the
	// first 500 came back.
	first := begin.Add(rep.Examples[0].At)
	seen := -1
	var stepWrite write
	for _, w := range writes {
		if w.at.Before(first) {
			seen, stepWrite = w.share, w
		}
	}
	if seen != plan.Steps[0] || f.At != seen {
		t.Errorf("the first 500 came back at %d %% and the ramp stopped at %d %% (%v), want both the first step, %d %%", seen, f.At, f, plan.Steps[0])
	}
	if n := len(writes); n < 2 || writes[n-1].share != start || writes[n-2].share != f.At {
		t.Fatalf("the ramp wrote %v, want ..., %d, then %d", writes, f.At, start)
	}
	restore := writes[len(writes)-1]
	bakeSent := restore.sent - stepWrite.sent
	// The tolerance: requests the clients had in flight at the step's
	// write or at the restore (at most clients each) are counted on
	// either side of it; and every request answered after the restore,
	// until the load stopped (a few milliseconds), or before the step's
	// write may still reach the faulty users at start % (failAfter keeps
	// those before the step from failing, but they are allowed for).
	tolerance := 2*clients + (rep.Sent - restore.sent) + stepWrite.sent
	bound := f.At*bakeSent/100 + tolerance
	t.Logf("planted fault: %d of %d requests failed (500); step %d %% baked %s (ramp says %s) with %d requests sent; bound %d %% × %d + tolerance %d = %d",
		rep.Unexpected, rep.Sent, f.At, restore.at.Sub(stepWrite.at).Round(time.Millisecond), f.Baked.Round(time.Millisecond), bakeSent, f.At, bakeSent, tolerance, bound)
	if rep.Unexpected > bound {
		t.Errorf("%d requests failed, more than the bound %d", rep.Unexpected, bound)
	}
	if f.Baked >= bake {
		t.Errorf("the ramp stopped after %s of a %s bake: the alarm did not fire within the bake", f.Baked, bake)
	}
}
