package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
)

// side is one of the two stages compare runs: its stage and the extra
// request headers its front door gets.
type side struct {
	name    string
	example string // a context flag value for the usage
	stage   stageFlags
	headers headerFlags
}

// register defines the side's flags: -a, -a-assembly, -a-services and
// -a-header for side "a".
func (s *side) register(fs *flag.FlagSet) {
	fs.Var(s.stage.context, s.name, fmt.Sprintf("context `KEY=VALUE` of side %s, like cdk synth -c (repeatable), such as -%s %s", s.name, s.name, s.example))
	fs.StringVar(&s.stage.assembly, s.name+"-assembly", "", fmt.Sprintf("run this existing cloud assembly `DIR` as side %s instead of synthesizing", s.name))
	fs.StringVar(&s.stage.services, s.name+"-services", "", fmt.Sprintf("services `FILE` of side %s (default: -services)", s.name))
	fs.Var(s.headers, s.name+"-header", fmt.Sprintf("extra request header `\"Name: value\"` sent to side %s only (repeatable)", s.name))
}

// describe names the side in one line, such as
// "a: stage=split, header X-Ecsplit-Preview: users".
func (s *side) describe() string {
	d := s.name + ": " + s.stage.describe()
	for _, name := range sortedKeys(s.headers) {
		for _, v := range s.headers[name] {
			d += fmt.Sprintf(", header %s: %s", name, v)
		}
	}
	return d
}

// runCompare runs two stages, sends the corpus to both, writes the report
// to stdout and reports whether any request was answered differently.
func runCompare(args []string, stdout, stderr io.Writer) (differ bool, err error) {
	fs := flag.NewFlagSet("ecsplit-local compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sides := []*side{
		{name: "a", example: "stage=monolith", stage: stageFlags{context: contextFlags{}}, headers: headerFlags{}},
		{name: "b", example: "stage=split", stage: stageFlags{context: contextFlags{}}, headers: headerFlags{}},
	}
	for _, s := range sides {
		s.register(fs)
	}
	services := fs.String("services", "", "services `FILE` of both sides: the command that runs each container locally (see docs/local-runner.md)")
	corpusFile := fs.String("corpus", "", "request corpus `FILE`: one \"METHOD TARGET\" per line (required)")
	ignore := listFlag(probe.DefaultIgnoredHeaders)
	fs.Var(&ignore, "ignore-headers", "comma-separated response headers `LIST` not compared (\"\" compares all)")
	verbose := fs.Bool("v", false, "copy the services' output to stderr")
	o := runOptions{log: io.Discard, stderr: stderr}
	fs.Uint64Var(&o.seed, "seed", 1, "seed of both front doors' weighted-forward choices")
	fs.StringVar(&o.app, "app", ".", "`directory` of the CDK app (holding cdk.json)")
	fs.DurationVar(&o.startTimeout, "start-timeout", runner.DefaultStartTimeout, "how long each service may take to pass its health check")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if fs.NArg() > 0 {
		return false, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *corpusFile == "" {
		return false, errors.New("-corpus FILE is required")
	}
	for _, s := range sides {
		if s.stage.assembly == "" && len(s.stage.context) == 0 {
			return false, fmt.Errorf("side %s: say which stage: -%s KEY=VALUE (like cdk synth -c) or -%s-assembly DIR", s.name, s.name, s.name)
		}
		if s.stage.services == "" {
			s.stage.services = *services
		}
	}
	if *verbose {
		o.log = stderr
	}
	reqs, err := corpus.Load(*corpusFile)
	if err != nil {
		return false, err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// One build cache for both sides: a service both run is built once.
	if o.binDir, err = os.MkdirTemp("", "ecsplit-local-bin-"); err != nil {
		return false, err
	}
	defer func() {
		if err := os.RemoveAll(o.binDir); err != nil {
			fmt.Fprintf(stderr, "ecsplit-local: warning: %v\n", err)
		}
	}()
	var doors []probe.Door
	for _, s := range sides {
		st, cleanup, err := s.stage.start(ctx, "side "+s.name, "", o)
		if err != nil {
			return false, err
		}
		defer func() {
			if err := cleanup(); err != nil {
				fmt.Fprintf(stderr, "ecsplit-local: side %s: warning: %v\n", s.name, err)
			}
		}()
		doors = append(doors, probe.Door{Name: s.name, URL: st.URL, Header: http.Header(s.headers)})
	}

	warnUnused(stderr, &sides[0].stage, &sides[1].stage)
	fmt.Fprintf(stdout, "%s\n%s\ncorpus: %s\n\n", sides[0].describe(), sides[1].describe(), *corpusFile)
	p := &progress{w: stderr, total: len(reqs), every: time.Second, last: time.Now()}
	diffs, err := probe.Compare(ctx, reqs, probe.CompareOptions{IgnoreHeaders: ignore, Progress: p.report}, doors...)
	if err != nil {
		return false, err
	}
	p.done(len(diffs))
	return len(diffs) > 0, probe.WriteReport(stdout, diffs, len(reqs))
}

// progress reports a long comparison's progress, at most once per every.
type progress struct {
	w       io.Writer
	total   int
	every   time.Duration
	last    time.Time
	printed bool
}

func (p *progress) report(done, differ int) {
	if time.Since(p.last) < p.every {
		return
	}
	p.last, p.printed = time.Now(), true
	fmt.Fprintf(p.w, "ecsplit-local: compared %s (of %d)\n", probe.Summary(differ, done), p.total)
}

// done ends a progress report that printed anything with the final count.
func (p *progress) done(differ int) {
	if p.printed {
		fmt.Fprintf(p.w, "ecsplit-local: compared %s (of %d)\n", probe.Summary(differ, p.total), p.total)
	}
}
