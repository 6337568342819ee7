// Command ecsplit-local runs a stage of the ecsplit app on this machine,
// without AWS: it synthesizes the stage (or reads an existing cloud
// assembly), builds each ECS service's binary from its image asset with the
// asset's build.sh, starts one process per service with its task
// definition's environment, and serves a front door that routes like the
// stage's ALB listener, as read from the synthesized templates.
//
// Run it from the repository root:
//
//	go run ./cmd/ecsplit-local -stage split
//	curl localhost:8080/api/users/1
//
// Flags:
//
//	-stage S        the stage context value (default: cdk.json's)
//	-capacity C     the capacity context value (default: cdk.json's)
//	-c KEY=VALUE    more context, like cdk synth -c (repeatable)
//	-assembly DIR   serve an existing cloud assembly (cdk.out); no synth
//	-addr ADDR      the front door's address (default 127.0.0.1:8080)
//	-seed N         the seed of weighted-forward choices (default 1)
//
// Ctrl-C (or SIGTERM) stops the front door, then every service, cleanly.
// See docs/local-runner.md for what it emulates and what it does not.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ecsplit/ecsplit/internal/local"
)

// contextFlags collects repeated -c KEY=VALUE flags.
type contextFlags map[string]string

func (c contextFlags) String() string { return fmt.Sprint(map[string]string(c)) }

func (c contextFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	c[k] = v
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ecsplit-local:", err)
		os.Exit(1)
	}
}

func run() error {
	ctxFlags := contextFlags{}
	stage := flag.String("stage", "", "stage context value, such as monolith, split or users:100,threads:10 (default: cdk.json's)")
	capacity := flag.String("capacity", "", "capacity context value: fargate or ec2 (default: cdk.json's)")
	flag.Var(ctxFlags, "c", "more context `KEY=VALUE`, like cdk synth -c (repeatable)")
	assembly := flag.String("assembly", "", "serve this existing cloud assembly `DIR` (such as cdk.out) instead of synthesizing")
	addr := flag.String("addr", "127.0.0.1:8080", "front door listen `address`")
	seed := flag.Uint64("seed", 1, "seed of the weighted-forward choices")
	appDir := flag.String("app", ".", "`directory` of the CDK app (holding cdk.json)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir := *assembly
	if dir == "" {
		if *stage != "" {
			ctxFlags["stage"] = *stage
		}
		if *capacity != "" {
			ctxFlags["capacity"] = *capacity
		}
		tmp, err := os.MkdirTemp("", "ecsplit-local-assembly-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		fmt.Fprintf(os.Stderr, "ecsplit-local: synthesizing %s with context %v into %s\n", *appDir, map[string]string(ctxFlags), tmp)
		if err := local.Synth(ctx, *appDir, tmp, ctxFlags); err != nil {
			return err
		}
		dir = tmp
	} else if *stage != "" || *capacity != "" || len(ctxFlags) > 0 {
		return fmt.Errorf("-assembly serves a synthesized assembly as it is: drop -stage, -capacity and -c")
	}

	s, err := local.Start(ctx, dir, local.Options{Addr: *addr, Seed: *seed, Log: os.Stderr})
	if err != nil {
		return err
	}
	l := s.Assembly.Listener
	fmt.Fprintf(os.Stderr, "ecsplit-local: front door %s routes like %s (%s %d):\n", s.URL, l.ID, l.Protocol, l.Port)
	for _, r := range l.Rules {
		fmt.Fprintf(os.Stderr, "  priority %5d  %v -> %s\n", r.Priority, r.Conditions, r.Action)
	}
	fmt.Fprintf(os.Stderr, "  default         -> %s\nCtrl-C stops.\n", l.Default)
	<-ctx.Done()
	stop()
	fmt.Fprintln(os.Stderr, "ecsplit-local: stopping")
	return s.Close()
}
