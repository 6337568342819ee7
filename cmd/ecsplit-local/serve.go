package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/ecsplit/ecsplit/internal/runner"
)

// runServe runs one stage until Ctrl-C or SIGTERM.
func runServe(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("ecsplit-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	st := stageFlags{context: contextFlags{}}
	stage := fs.String("stage", "", "stage context value, such as monolith, split or users:100,threads:10 (default: cdk.json's)")
	capacity := fs.String("capacity", "", "capacity context value: fargate or ec2 (default: cdk.json's)")
	fs.Var(st.context, "c", "more context `KEY=VALUE`, like cdk synth -c (repeatable)")
	fs.StringVar(&st.assembly, "assembly", "", "serve this existing cloud assembly `DIR` (such as cdk.out) instead of synthesizing")
	fs.StringVar(&st.services, "services", "", "services `FILE`: the command that runs each container locally (see docs/local-runner.md)")
	addr := fs.String("addr", "127.0.0.1:8080", "front door listen `address`")
	o := runOptions{log: stderr, stderr: stderr}
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the weighted-forward choices")
	fs.StringVar(&o.app, "app", ".", "`directory` of the CDK app (holding cdk.json)")
	fs.DurationVar(&o.startTimeout, "start-timeout", runner.DefaultStartTimeout, "how long each service may take to pass its health check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *stage != "" {
		st.context["stage"] = *stage
	}
	if *capacity != "" {
		st.context["capacity"] = *capacity
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, cleanup, err := st.start(ctx, "stage", *addr, o)
	if err != nil {
		return err
	}
	warnUnused(stderr, &st)
	l := s.Assembly.Listener
	fmt.Fprintf(stderr, "ecsplit-local: front door %s routes like %s (%s %d):\n", s.URL, l.ID, l.Protocol, l.Port)
	for _, r := range l.Rules {
		fmt.Fprintf(stderr, "  priority %5d  %v -> %s\n", r.Priority, r.Conditions, r.Action)
	}
	fmt.Fprintf(stderr, "  default         -> %s\nCtrl-C stops.\n", l.Default)
	<-ctx.Done()
	stop()
	fmt.Fprintln(stderr, "ecsplit-local: stopping")
	return cleanup()
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
