package main

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/deploy"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

// transitionCommand runs `ecsplit-local transition` from the assembly in
// from to the one in to, with echo and more run by this test binary and
// the waits at 1/100 of real time, and returns its exit code and report.
func transitionCommand(t *testing.T, from, to string, extra ...string) (int, string) {
	t.Helper()
	args := append([]string{"transition", "-a-assembly", from, "-b-assembly", to,
		"-services", writeServices(t, "echo", "more"), "-corpus", writeCorpus(t, runnertest.Corpus), "-scale", "0.01"}, extra...)
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	t.Logf("ecsplit-local %s: exit %d\n%s%s", strings.Join(args, " "), code, stderr.String(), stdout.String())
	return code, stdout.String()
}

// requireIn fails t for each of wants that report lacks.
func requireIn(t *testing.T, report string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// TestTransitionCommand: from echo alone to echo and more, the static
// check finds nothing, the update completes, and no answer is unexpected:
// exit 0.
func TestTransitionCommand(t *testing.T) {
	code, report := transitionCommand(t, runnertest.NewApp(runnertest.EchoV1).Write(t), runnertest.NewApp(runnertest.EchoV1, runnertest.More).Write(t))
	requireIn(t, report,
		"ordering: no rule sends a share to a service before it is stable or after it is deleted\n",
		", complete\n",
		" 0 unexpected answers\n",
	)
	if code != exitOK {
		t.Errorf("exit %d, want %d", code, exitOK)
	}
}

// TestTransitionCommandCatchesOrderingFault plants a fault: more's routing
// rule without its DependsOn, so CloudFormation creates it while the
// service's task starts. Both checks must catch it: the static check names
// the rule, and the load sees 503s on more's paths. Exit 1.
func TestTransitionCommandCatchesOrderingFault(t *testing.T) {
	faulty := runnertest.NewApp(runnertest.EchoV1, runnertest.More)
	delete(faulty.Resource("moreRule"), "DependsOn")
	code, report := transitionCommand(t, runnertest.NewApp(runnertest.EchoV1).Write(t), faulty.Write(t))
	requireIn(t, report,
		"ordering: 1 problem:\n  App/moreRule routes a share to App/moreService, which this update creates, without depending on it",
		", complete\n",
		"unexpected answers (503: ",
		" GET /more",
	)
	if strings.Contains(report, " GET /echo") || strings.Contains(report, " GET /other") {
		t.Error("an unexpected answer outside more's paths")
	}
	if code != exitDiffer {
		t.Errorf("exit %d, want %d", code, exitDiffer)
	}
}

// TestTransitionCommandReportsFailedUpdate plants a fault: more's target
// group expects 404 from a health check the service answers 200. The
// update fails after three tasks and is rolled back, with no unexpected
// answer: still exit 1, the update did not happen.
func TestTransitionCommandReportsFailedUpdate(t *testing.T) {
	broken := runnertest.NewApp(runnertest.EchoV1, runnertest.More)
	broken.Resource("moreTG")["Properties"].(map[string]any)["Matcher"] = map[string]any{"HttpCode": "404"}
	code, report := transitionCommand(t, runnertest.NewApp(runnertest.EchoV1).Write(t), broken.Write(t))
	requireIn(t, report,
		", failed and rolled back: stack App: moreService (AWS::ECS::Service) create: 3 tasks in a row failed their health check",
		" 0 unexpected answers\n",
	)
	if code != exitDiffer {
		t.Errorf("exit %d, want %d", code, exitDiffer)
	}
}

// TestTransitionCommandSynthesizes: transition synthesizes both states
// through cdk.json's app with the context given, an app that reads the key
// state: from state=monolith to state=more, the update creates more.
func TestTransitionCommandSynthesizes(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"transition", "-app", writeApp(t), "-a", "state=monolith", "-b", "state=more", "-services", writeServices(t, "echo", "more"),
		"-corpus", writeCorpus(t, runnertest.Corpus), "-scale", "0.01"}, &stdout, &stderr)
	t.Logf("exit %d\n%s%s", code, stderr.String(), stdout.String())
	if code != exitOK || !strings.Contains(stderr.String(), "App moreService create: task healthy, registered in moreTG") ||
		!strings.Contains(stdout.String(), "b: state=more\n") {
		t.Errorf("exit %d, want 0 and more's task registered", code)
	}
}

// TestTransitionFlagsStartDelay: -min-start-delay 0 -max-start-delay 0
// asks for no start delay, which deploy.Timing must not read as its
// default 30 to 90 s; other delays are taken as given.
func TestTransitionFlagsStartDelay(t *testing.T) {
	tests := []struct {
		args       []string
		noDelay    bool
		minD, maxD time.Duration
	}{
		{[]string{"-min-start-delay", "0", "-max-start-delay", "0"}, true, 0, 0},
		{[]string{"-min-start-delay", "0", "-max-start-delay", "1s"}, false, 0, time.Second},
		{nil, false, deploy.DefaultMinStartDelay, deploy.DefaultMaxStartDelay},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("transition", flag.ContinueOnError)
		var tf transitionFlags
		tf.register(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if err := tf.check(); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if tm := tf.timing; tm.NoStartDelay != tt.noDelay || tm.MinStartDelay != tt.minD || tm.MaxStartDelay != tt.maxD {
			t.Errorf("%q: NoStartDelay %v, start delay %s to %s; want %v, %s to %s", tt.args, tm.NoStartDelay, tm.MinStartDelay, tm.MaxStartDelay, tt.noDelay, tt.minD, tt.maxD)
		}
	}
}
