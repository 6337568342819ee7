package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// corpusRun is what compare and transition share: a corpus of requests
// sent to stages they start, the services file, the options of those
// stages, and -v.
type corpusRun struct {
	corpus   string
	services string
	verbose  bool
	o        runOptions
}

// register defines the shared flags; seed says what -seed seeds.
func (c *corpusRun) register(fs *flag.FlagSet, seed string) {
	fs.StringVar(&c.services, "services", "", "services `FILE` of both sides: the command that runs each container locally (see docs/local-runner.md)")
	fs.StringVar(&c.corpus, "corpus", "", "request corpus `FILE`: one \"METHOD TARGET\" per line (required)")
	fs.BoolVar(&c.verbose, "v", false, "copy the services' output to stderr")
	c.o.register(fs, seed)
}

// parse parses the command line: no arguments but flags, and a corpus.
func (c *corpusRun) parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	c.o.log, c.o.stderr = io.Discard, stderr
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.corpus == "" {
		return errors.New("-corpus FILE is required")
	}
	if c.verbose {
		c.o.log = stderr
	}
	return nil
}

// begin loads the corpus and makes one build cache for the stages the
// command starts (a service two stages run is built once), and a context
// that Ctrl-C and SIGTERM end; end stops listening for the signals and
// removes the cache.
func (c *corpusRun) begin() (ctx context.Context, reqs []corpus.Request, end func(), err error) {
	if reqs, err = corpus.Load(c.corpus); err != nil {
		return nil, nil, nil, err
	}
	if c.o.binDir, err = os.MkdirTemp("", "ecsplit-local-bin-"); err != nil {
		return nil, nil, nil, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return ctx, reqs, func() {
		stop()
		if err := os.RemoveAll(c.o.binDir); err != nil {
			fmt.Fprintf(c.o.stderr, "ecsplit-local: warning: %v\n", err)
		}
	}, nil
}
