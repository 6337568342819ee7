package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
)

// side is one of the two stages compare runs: its stage and the extra
// request headers its front door gets.
type side struct {
	example string // a context flag value for the usage
	stage   stageFlags
	headers headerFlags
}

// register defines the side's flags: -a, -a-assembly, -a-services and
// -a-header for side "a".
func (s *side) register(fs *flag.FlagSet) {
	name := s.stage.name
	s.stage.register(fs, s.stage.label, s.example)
	fs.StringVar(&s.stage.services, name+"-services", "", fmt.Sprintf("services `FILE` of side %s (default: -services)", name))
	fs.Var(s.headers, name+"-header", fmt.Sprintf("extra request header `\"Name: value\"` sent to side %s only (repeatable)", name))
}

// describe names the side in one line, such as
// "a: stage=split, header X-Ecsplit-Preview: users".
func (s *side) describe() string {
	d := s.stage.name + ": " + s.stage.describe()
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
		{example: "stage=monolith", stage: sideFlags("a"), headers: headerFlags{}},
		{example: "stage=split", stage: sideFlags("b"), headers: headerFlags{}},
	}
	for _, s := range sides {
		s.register(fs)
	}
	var c corpusRun
	c.register(fs, "seed of both front doors' weighted-forward choices")
	ignore := listFlag(probe.DefaultIgnoredHeaders)
	fs.Var(&ignore, "ignore-headers", "comma-separated response headers `LIST` not compared (\"\" compares all)")
	if err := c.parse(fs, args, stderr); err != nil {
		return false, err
	}
	for _, s := range sides {
		if err := s.stage.given(); err != nil {
			return false, err
		}
		if s.stage.services == "" {
			s.stage.services = c.services
		}
	}
	ctx, reqs, end, err := c.begin()
	if err != nil {
		return false, err
	}
	defer end()
	var (
		doors  []probe.Door
		stages []*runner.Stage
	)
	for _, s := range sides {
		services, err := loadServices(s.stage.services)
		if err != nil {
			return false, err
		}
		st, cleanup, err := s.stage.start(ctx, services, "", c.o)
		if err != nil {
			return false, err
		}
		defer func() {
			if err := cleanup(); err != nil {
				fmt.Fprintf(stderr, "ecsplit-local: %s: warning: %v\n", s.stage.label, err)
			}
		}()
		doors = append(doors, probe.Door{Name: s.stage.name, URL: st.URL, Header: http.Header(s.headers)})
		stages = append(stages, st)
	}

	warnUnused(stderr, &sides[0].stage, &sides[1].stage)
	warnSameTemplates(stderr, &sides[0].stage, stages[0].Assembly, &sides[1].stage, stages[1].Assembly)
	fmt.Fprintf(stdout, "%s\n%s\ncorpus: %s\n\n", sides[0].describe(), sides[1].describe(), c.corpus)
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
