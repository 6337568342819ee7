package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/stacks"
)

// maxRolloutStep is the longest a rollout step may take: a new task taking
// traffic, and an old one drained.
const maxRolloutStep = 20 * time.Second

// rolloutTiming is what a service's template says of its rollout.
type rolloutTiming struct {
	// interval and timeout are the health check's: a newly registered
	// target takes traffic after one passing check, within one interval.
	interval, timeout time.Duration
	// deregistration is the target group's deregistration delay.
	deregistration time.Duration
	// stop is the container's stop timeout (SIGTERM to SIGKILL).
	stop time.Duration
	// shutdown is the service's graceful-shutdown limit after SIGTERM
	// (its SHUTDOWN_TIMEOUT).
	shutdown time.Duration
}

// step is a rollout step: one health check interval for the new task,
// plus the old one's deregistration delay.
func (r rolloutTiming) step() time.Duration { return r.interval + r.deregistration }

// problems are the broken invariants of a rollout.
func (r rolloutTiming) problems() []string {
	var out []string
	if r.step() > maxRolloutStep {
		out = append(out, fmt.Sprintf("a rollout step takes %s (interval %s + deregistration delay %s), want at most %s", r.step(), r.interval, r.deregistration, maxRolloutStep))
	}
	if r.deregistration < r.shutdown {
		out = append(out, fmt.Sprintf("deregistration delay %s is shorter than the graceful shutdown %s", r.deregistration, r.shutdown))
	}
	if r.stop <= r.deregistration || r.stop <= r.shutdown {
		out = append(out, fmt.Sprintf("stop timeout %s is not above both the deregistration delay %s and the graceful shutdown %s", r.stop, r.deregistration, r.shutdown))
	}
	if r.timeout >= r.interval {
		out = append(out, fmt.Sprintf("health check timeout %s is not below the interval %s", r.timeout, r.interval))
	}
	return out
}

// rolloutTimings reads each service's rollout timing from a services
// template, by target group logical id.
func rolloutTimings(t *testing.T, tpl map[string]any) map[string]rolloutTiming {
	t.Helper()
	secs := func(v any) time.Duration {
		var f float64
		fmt.Sscan(fmt.Sprint(v), &f)
		return time.Duration(f * float64(time.Second))
	}
	res := tpl["Resources"].(map[string]any)
	out := map[string]rolloutTiming{}
	for _, svc := range resourcesOfType(tpl, typeService) {
		p := svc["Properties"].(map[string]any)
		td := res[p["TaskDefinition"].(map[string]any)["Ref"].(string)].(map[string]any)["Properties"].(map[string]any)
		c := td["ContainerDefinitions"].([]any)[0].(map[string]any)
		var r rolloutTiming
		r.stop = secs(c["StopTimeout"])
		for _, e := range c["Environment"].([]any) {
			if e := e.(map[string]any); e["Name"] == "SHUTDOWN_TIMEOUT" {
				d, err := time.ParseDuration(e["Value"].(string))
				if err != nil {
					t.Fatal(err)
				}
				r.shutdown = d
			}
		}
		if r.shutdown == 0 {
			t.Fatalf("%v: the container does not set SHUTDOWN_TIMEOUT", c["Name"])
		}
		tgID := p["LoadBalancers"].([]any)[0].(map[string]any)["TargetGroupArn"].(map[string]any)["Ref"].(string)
		tg := res[tgID].(map[string]any)["Properties"].(map[string]any)
		r.interval, r.timeout = secs(tg["HealthCheckIntervalSeconds"]), secs(tg["HealthCheckTimeoutSeconds"])
		for _, a := range tg["TargetGroupAttributes"].([]any) {
			if a := a.(map[string]any); a["Key"] == "deregistration_delay.timeout_seconds" {
				r.deregistration = secs(a["Value"])
			}
		}
		out[tgID] = r
	}
	return out
}

// TestRolloutTiming computes each service's rollout step from the
// synthesized target groups and task definitions (one passing health
// check, at most one interval, for a new target; the deregistration delay
// for an old one) and checks the invariants of the README's Rollout timing:
// a step of at most 20 s, deregistration delay >= graceful shutdown, stop
// timeout above both, health check timeout below its interval.
// (TestTargetGroupsAndServices checks the circuit breaker.)
func TestRolloutTiming(t *testing.T) {
	parallel(t)
	for _, ctx := range stagesAndCapacities {
		tpl := synth(t, ctx).TemplateMap(t, stacks.ServicesStackName)
		timings := rolloutTimings(t, tpl)
		for tg, r := range timings {
			for _, p := range r.problems() {
				t.Errorf("%s %s: %s", name(ctx), tg, p)
			}
		}
		if ctx["stage"] == "split" && ctx["capacity"] == "fargate" {
			for _, r := range timings {
				t.Logf("rollout step %s = health check interval %s + deregistration delay %s; shutdown %s, stop timeout %s",
					r.step(), r.interval, r.deregistration, r.shutdown, r.stop)
				break
			}
		}
	}
}

// TestRolloutTimingCatchesPlantedFaults: a 30 s health check interval (a
// 45 s step) and a deregistration delay below the graceful shutdown are
// reported.
func TestRolloutTimingCatchesPlantedFaults(t *testing.T) {
	parallel(t)
	good := rolloutTiming{interval: 5 * time.Second, timeout: 3 * time.Second, deregistration: 15 * time.Second, stop: 20 * time.Second, shutdown: 10 * time.Second}
	if p := good.problems(); len(p) != 0 {
		t.Fatalf("the defaults break: %v", p)
	}
	slow, short := good, good
	slow.interval = 30 * time.Second
	short.deregistration = 5 * time.Second
	for what, r := range map[string]rolloutTiming{"45 s step": slow, "short drain": short} {
		if p := strings.Join(r.problems(), "; "); p == "" {
			t.Errorf("%s: not reported", what)
		} else {
			t.Logf("planted fault %q caught: %s", what, p)
		}
	}
}
