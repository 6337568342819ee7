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
	"strings"
	"syscall"
)

// runServe runs one stage until Ctrl-C or SIGTERM.
func runServe(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("ecsplit-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	st := stageFlags{label: "stage", context: contextFlags{}}
	fs.Var(st.context, "c", "context `KEY=VALUE` of the app, like cdk synth -c (repeatable), such as -c stage=split (default: cdk.json's)")
	fs.StringVar(&st.assembly, "assembly", "", "serve this existing cloud assembly `DIR` (such as cdk.out) instead of synthesizing")
	fs.StringVar(&st.services, "services", "", "services `FILE`: the command that runs each container locally (see docs/local-runner.md)")
	addr := fs.String("addr", "127.0.0.1:8080", "front door listen `address`")
	o := runOptions{log: stderr, stderr: stderr}
	o.register(fs, "seed of the weighted-forward choices")
	if err := removedFlag(args); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	services, err := loadServices(st.services)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, cleanup, err := st.start(ctx, services, *addr, o)
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

// removed are the flags serve had for the forum's own context keys. The
// runner cannot know which keys an app reads: an app that reads another
// key (the migration package's example reads state) would silently get
// its default state. The key is the app's to name, with -c.
var removed = map[string]string{"stage": "-c stage=VALUE", "capacity": "-c capacity=VALUE"}

// removedFlag fails on a flag of removed, saying what replaces it, rather
// than flag's "provided but not defined".
func removedFlag(args []string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if instead, ok := removed[name]; ok {
			return fmt.Errorf("-%s is gone: give the context key your app reads, like cdk synth -c: %s", name, instead)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
