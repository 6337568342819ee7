package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/deploy"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// transitionFlags are the flags of transition beyond the stages and the
// corpus: the timing model of the update and the load.
type transitionFlags struct {
	timing deploy.Timing
	load   probe.LoadOptions
}

// register defines the flags.
func (t *transitionFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&t.timing.Scale, "scale", 1, "`factor` of every modelled wait (task start, health check interval, deregistration delay): 1 is real time, 0.01 a hundred times faster")
	fs.DurationVar(&t.timing.MinStartDelay, "min-start-delay", deploy.DefaultMinStartDelay, "shortest time from a task's placement to its process start, before -scale (0 and -max-start-delay 0: none)")
	fs.DurationVar(&t.timing.MaxStartDelay, "max-start-delay", deploy.DefaultMaxStartDelay, "longest time from a task's placement to its process start, before -scale (0 and -min-start-delay 0: none)")
	fs.IntVar(&t.timing.FailedTasks, "failed-tasks", deploy.DefaultFailedTasks, "new tasks of a service that may fail their health check in a row before the deployment fails")
	fs.IntVar(&t.load.Clients, "clients", 4, "clients sending the corpus at the same time")
	fs.IntVar(&t.load.MaxRequests, "max-requests", 1_000_000, "requests the load sends at most")
}

// check fails, before anything starts, on flags that deploy.Timing
// refuses (Check) or would read as its defaults (a zero -scale or
// -failed-tasks). Zero start delays are no start delay, as the flags
// say, not deploy.Timing's default delays: check sets NoStartDelay.
func (t *transitionFlags) check() error {
	switch {
	case t.timing.Scale <= 0:
		return fmt.Errorf("-scale %g: want a factor above 0", t.timing.Scale)
	case t.timing.FailedTasks < 1:
		return fmt.Errorf("-failed-tasks %d: want 1 or more", t.timing.FailedTasks)
	case t.load.Clients < 1 || t.load.MaxRequests < 1:
		return fmt.Errorf("-clients %d, -max-requests %d: want 1 or more", t.load.Clients, t.load.MaxRequests)
	}
	t.timing.NoStartDelay = t.timing.MinStartDelay == 0 && t.timing.MaxStartDelay == 0
	return t.timing.Check()
}

// runTransition checks the update from stage a to stage b and carries it
// out on a running stage a while the corpus flows through its front door.
// It writes the report to stdout and reports whether anything failed: an
// ordering problem of the static check, a step that failed, or an
// unexpected answer.
func runTransition(args []string, stdout, stderr io.Writer) (failed bool, err error) {
	fs := flag.NewFlagSet("ecsplit-local transition", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from, to := sideFlags("a"), sideFlags("b")
	from.register(fs, "the state the update starts from", "stage=monolith")
	to.register(fs, "the state the update goes to", "stage=users:10")
	var c corpusRun
	c.register(fs, "seed of the front door's weighted-forward choices and of the tasks' start delays")
	var tf transitionFlags
	tf.register(fs)
	if err := c.parse(fs, args, stderr); err != nil {
		return false, err
	}
	if err := tf.check(); err != nil {
		return false, err
	}
	for _, f := range []*stageFlags{&from, &to} {
		if err := f.given(); err != nil {
			return false, err
		}
		f.services = c.services
	}
	tf.timing.Seed = c.o.seed
	services, err := loadServices(c.services)
	if err != nil {
		return false, err
	}
	ctx, reqs, end, err := c.begin()
	if err != nil {
		return false, err
	}
	defer end()

	// b first: a synthesis that fails, fails before any service starts.
	dir, remove, err := to.synth(ctx, c.o)
	if err != nil {
		return false, err
	}
	defer remove()
	toAsm, err := albemu.Load(dir)
	if err != nil {
		return false, err
	}
	s, cleanup, err := from.start(ctx, services, "", c.o)
	if err != nil {
		return false, err
	}
	defer func() {
		if err := cleanup(); err != nil {
			fmt.Fprintf(stderr, "ecsplit-local: side a: warning: %v\n", err)
		}
	}()
	to.unused = services.Unused(toAsm)
	warnUnused(stderr, &from, &to)
	warnSameTemplates(stderr, &from, s.Assembly, &to, toAsm)

	fmt.Fprintf(stdout, "a: %s\nb: %s\ncorpus: %s\n\n", from.describe(), to.describe(), c.corpus)
	problems := transition.Check(s.Assembly, toAsm)
	writeProblems(stdout, problems)
	fmt.Fprintf(stderr, "ecsplit-local: side a: updating to side b while %d clients send the corpus\n", tf.load.Clients)
	res, rep, err := deploy.UnderLoadTo(ctx, s, toAsm, reqs, deploy.Options{Timing: tf.timing, Log: stderr}, tf.load)
	if err != nil {
		return false, err
	}
	writeRun(stdout, res, rep)
	return len(problems) > 0 || res.Failed != nil || rep.Unexpected > 0, nil
}

// writeProblems writes the static check's result: each rule that may
// send a share of its paths to a service that is not there.
func writeProblems(w io.Writer, problems []string) {
	if len(problems) == 0 {
		fmt.Fprintln(w, "ordering: no rule sends a share to a service before it is stable or after it is deleted")
		return
	}
	noun := "problems"
	if len(problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(w, "ordering: %d %s:\n", len(problems), noun)
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// writeRun writes what the update under load did: its steps, its
// failure and rollback, and the load's answers, with the first
// unexpected ones.
func writeRun(w io.Writer, res *deploy.Result, rep probe.LoadReport) {
	fmt.Fprintf(w, "update: %d steps in %s", res.Steps, res.Elapsed.Round(time.Millisecond))
	switch {
	case res.Failed != nil && res.RolledBack:
		fmt.Fprintf(w, ", failed and rolled back: %s\n", firstLine(res.Failed.Error()))
	case res.Failed != nil:
		fmt.Fprintf(w, ", failed (not rolled back, as CloudFormation leaves a failed cleanup): %s\n", firstLine(res.Failed.Error()))
	default:
		fmt.Fprintln(w, ", complete")
	}
	fmt.Fprintf(w, "load: %s\n", rep)
	for _, u := range rep.Examples {
		fmt.Fprintf(w, "  %s\n", u)
	}
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
