package test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/stacks"
)

// The README's table of failures: which alarm sees each failure a client
// would notice, and how soon, computed from the synthesized alarms, target
// groups and load balancer, so that the table says what is deployed.

// Markers around the table in the README.
const (
	alarmTableBegin = "<!-- alarm table: TestAlarmTable writes it -->\n"
	alarmTableEnd   = "<!-- end of alarm table -->\n"
)

// marginRE finds the margin of a rate comparison's expression: the
// difference of the two rates, (FILL(..) - FILL(..)), compared with it.
var marginRE = regexp.MustCompile(`, 0\)\) > ([0-9.]+),`)

// alarmFacts are what the templates say of one service's alarms.
type alarmFacts struct {
	period            time.Duration // of every alarm's metrics
	datapoints, evals int           // M of N
	thresholds        map[string]float64
	interval          time.Duration      // health check interval
	unhealthyChecks   int                // unhealthy threshold count
	idleTimeout       time.Duration      // the load balancer's
	latencyFloor      float64            // seconds: the least monolith p99 a comparison divides by
	margins           map[string]float64 // points: a rate comparison's margin, by suffix
}

// fire is how long an alarm takes to fire, at the earliest, after the
// first bad minute: DatapointsToAlarm breaching periods.
func (f alarmFacts) fire() time.Duration { return time.Duration(f.datapoints) * f.period }

// unhealthy is how long the load balancer takes to take a failing target
// out of service: UnhealthyThresholdCount failed checks, one an interval.
func (f alarmFacts) unhealthy() time.Duration { return time.Duration(f.unhealthyChecks) * f.interval }

// readAlarmFacts reads the users service's alarm facts from a synthesis.
func readAlarmFacts(t *testing.T, s *synthesis) alarmFacts {
	t.Helper()
	services := s.TemplateMap(t, stacks.ServicesStackName)
	f := alarmFacts{thresholds: map[string]float64{}, margins: map[string]float64{}}
	specs := append([]alarmSpec(nil), alarmSpecs...)
	for _, suffix := range versusSuffixes { // users is below 100 %
		specs = append(specs, alarmSpec{suffix: suffix})
	}
	for _, spec := range append(specs, alarmSpec{suffix: migration.LoadBalancerAlarmSuffix}) {
		name := stacks.ServicesStackName + "-users-" + spec.suffix
		if spec.suffix == migration.LoadBalancerAlarmSuffix {
			name = loadBalancerAlarmName
		}
		p := alarmNamed(t, services, name)["Properties"].(map[string]any)
		f.thresholds[spec.suffix] = p["Threshold"].(float64)
		if spec.suffix == migration.VersusMonolithErrorRateSuffix || spec.suffix == migration.VersusMonolithClientErrorRateSuffix {
			// IF(both sides, IF(DIFF > MARGIN, DIFF / STDERR, 0)): the
			// threshold is in standard errors, the margin in points.
			e := fmt.Sprint(p["Metrics"].([]any)[0].(map[string]any)["Expression"])
			m := marginRE.FindStringSubmatch(e)
			if m == nil {
				t.Fatalf("%s: no margin in %q", name, e)
			}
			f.margins[spec.suffix], _ = strconv.ParseFloat(m[1], 64)
		}
		if spec.suffix == migration.VersusMonolithLatencySuffix {
			// The floor of the monolith's p99: IF(... > FLOOR, ..., FLOOR).
			e := fmt.Sprint(p["Metrics"].([]any)[0].(map[string]any)["Expression"])
			fmt.Sscan(e[strings.LastIndex(e, ",")+1:], &f.latencyFloor)
		}
		f.datapoints, f.evals = int(p["DatapointsToAlarm"].(float64)), int(p["EvaluationPeriods"].(float64))
		for _, m := range p["Metrics"].([]any) {
			if ms, ok := m.(map[string]any)["MetricStat"].(map[string]any); ok {
				f.period = time.Duration(ms["Period"].(float64)) * time.Second
			}
		}
	}
	_, tg := serviceResource(t, services, "users", typeTargetGroup, "TargetGroup")
	tp := tg["Properties"].(map[string]any)
	f.interval = time.Duration(tp["HealthCheckIntervalSeconds"].(float64)) * time.Second
	f.unhealthyChecks = int(tp["UnhealthyThresholdCount"].(float64))
	f.idleTimeout = 60 * time.Second // the AWS default, unless the load balancer sets it
	for _, lb := range resourcesOfType(s.TemplateMap(t, stacks.PlatformStackName), "AWS::ElasticLoadBalancingV2::LoadBalancer") {
		for _, a := range lb["Properties"].(map[string]any)["LoadBalancerAttributes"].([]any) {
			if a := a.(map[string]any); a["Key"] == "idle_timeout.timeout_seconds" {
				var secs int
				fmt.Sscan(fmt.Sprint(a["Value"]), &secs)
				f.idleTimeout = time.Duration(secs) * time.Second
			}
		}
	}
	if f.period == 0 || f.interval == 0 || f.unhealthyChecks == 0 {
		t.Fatalf("alarm facts not found: %+v", f)
	}
	return f
}

// human writes a duration as the README does: "3 min", "15 s".
func human(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%g s", d.Seconds())
}

// alarmTable renders the README's table from the facts.
func alarmTable(f alarmFacts) string {
	fire := fmt.Sprintf("%s after the first bad minute (%d breaching %s periods of %d)", human(f.fire()), f.datapoints, human(f.period), f.evals)
	rows := [][4]string{
		{"a task crashes, or resets connections", "502 from the load balancer, for that task's requests until it is out of service",
			fmt.Sprintf("`SERVICE-%s` (the failed connections count with the 5xx, above %g %%), `%s` (above %g %%), then `SERVICE-%s`",
				migration.ErrorRateSuffix, f.thresholds[migration.ErrorRateSuffix], migration.LoadBalancerAlarmSuffix,
				f.thresholds[migration.LoadBalancerAlarmSuffix], migration.UnhealthyHostsSuffix),
			fmt.Sprintf("%s; the target is out of service after %d failed checks %s apart (%s), and ECS replaces the task", fire, f.unhealthyChecks, human(f.interval), human(f.unhealthy()))},
		{"a task hangs: accepts, never answers", fmt.Sprintf("504 from the load balancer after its idle timeout (%s)", human(f.idleTimeout)),
			fmt.Sprintf("`%s`; `SERVICE-%s` (its health checks time out)", migration.LoadBalancerAlarmSuffix, migration.UnhealthyHostsSuffix),
			fmt.Sprintf("out of service after %s; the alarms %s", human(f.unhealthy()), fire)},
		{"no healthy target: every task fails its health check", "the load balancer fails open and sends the requests to the unhealthy tasks",
			fmt.Sprintf("`SERVICE-%s`, `SERVICE-%s`", migration.NoHealthyHostsSuffix, migration.UnhealthyHostsSuffix), fire},
		{"no registered target: the service has no task", "503 from the load balancer",
			fmt.Sprintf("`%s` (the target group's own metrics are not reported without targets)", migration.LoadBalancerAlarmSuffix), fire},
		{"slow responses", "slow answers", fmt.Sprintf("`SERVICE-%s` (above %gs)", migration.LatencySuffix, f.thresholds[migration.LatencySuffix]), fire},
		{"a storm of 4xx, such as a route the service lacks", "the service's 404s where the monolith answered",
			fmt.Sprintf("`SERVICE-%s` (above %g %%)", migration.ClientErrorRateSuffix, f.thresholds[migration.ClientErrorRateSuffix]), fire},
		{"a service below 100 % fails, misses routes or slows more than the monolith on the same paths", "more 5xx or 4xx, or slower answers, than the monolith's share of the same requests",
			fmt.Sprintf("`SERVICE-%s` (its rate more than %g point and %g standard errors above the monolith's), `SERVICE-%s` (its 4xx rate more than %g points and %g standard errors above), `SERVICE-%s` (above %g times the monolith's p99, taken as at least %gs)",
				migration.VersusMonolithErrorRateSuffix, f.margins[migration.VersusMonolithErrorRateSuffix], f.thresholds[migration.VersusMonolithErrorRateSuffix],
				migration.VersusMonolithClientErrorRateSuffix, f.margins[migration.VersusMonolithClientErrorRateSuffix], f.thresholds[migration.VersusMonolithClientErrorRateSuffix],
				migration.VersusMonolithLatencySuffix, f.thresholds[migration.VersusMonolithLatencySuffix], f.latencyFloor),
			fire + "; only minutes in which both sides had requests count"},
	}
	var b strings.Builder
	b.WriteString("| failure | what clients get | alarms that see it | how soon |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r[0], r[1], r[2], r[3])
	}
	return b.String()
}

// TestAlarmTable: the README's table of failures is the one computed from
// the templates of a middle state (-update-diff rewrites it in place).
func TestAlarmTable(t *testing.T) {
	parallel(t)
	table := alarmTable(readAlarmFacts(t, synth(t, fargate("users:10,threads:100"))))
	path := filepath.Join(repoRoot, "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	begin, end := strings.Index(readme, alarmTableBegin), strings.Index(readme, alarmTableEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md has no alarm table between %q and %q", alarmTableBegin, alarmTableEnd)
	}
	current := readme[begin+len(alarmTableBegin) : end]
	if *updateDiff {
		if err := os.WriteFile(path, []byte(readme[:begin+len(alarmTableBegin)]+table+readme[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if current != table {
		t.Errorf("README.md's alarm table is stale: regenerate it with go test ./test/ -run TestAlarmTable -update-diff\nwant:\n%s", table)
	}
}
