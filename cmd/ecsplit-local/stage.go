package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ecsplit/ecsplit/internal/runner"
)

// stageFlags says which stage to run and how: an existing cloud assembly,
// or a synthesis of the app with context; and a services file.
type stageFlags struct {
	// label names the stage in messages, such as "side a" or "stage".
	label string
	// name prefixes the stage's flags (see register), such as "a"; ""
	// when the command defines them itself.
	name     string
	context  contextFlags
	assembly string
	services string
	// unused are the names of the services file that name no container
	// of the started stage.
	unused []string
}

// describe names the stage in one line, such as "stage=monolith".
func (f *stageFlags) describe() string {
	if f.assembly != "" {
		return "assembly " + f.assembly
	}
	var kv []string
	for _, k := range sortedKeys(f.context) {
		kv = append(kv, k+"="+f.context[k])
	}
	if len(kv) == 0 {
		return "cdk.json's context"
	}
	return strings.Join(kv, " ")
}

// sideFlags returns the flags of side name of a command that runs two
// stages, such as "a".
func sideFlags(name string) stageFlags {
	return stageFlags{label: "side " + name, name: name, context: contextFlags{}}
}

// runOptions are the options every started stage shares.
type runOptions struct {
	app          string
	seed         uint64
	startTimeout time.Duration
	// binDir caches the binaries the stages build (runner.Options.BinDir);
	// "" gives each stage its own.
	binDir string
	log    io.Writer
	stderr io.Writer
}

// register defines the flags of the options: -app, -seed (which seeds
// what seed says) and -start-timeout.
func (o *runOptions) register(fs *flag.FlagSet, seed string) {
	fs.StringVar(&o.app, "app", ".", "`directory` of the CDK app (holding cdk.json)")
	fs.Uint64Var(&o.seed, "seed", 1, seed)
	fs.DurationVar(&o.startTimeout, "start-timeout", runner.DefaultStartTimeout, "how long each service may take to pass its health check")
}

// register defines the flags that say which stage the side runs, for
// what (such as "side a", or "the state before"): -NAME KEY=VALUE and
// -NAME-assembly DIR.
func (f *stageFlags) register(fs *flag.FlagSet, what, example string) {
	fs.Var(f.context, f.name, fmt.Sprintf("context `KEY=VALUE` of %s, like cdk synth -c (repeatable), such as -%s %s", what, f.name, example))
	fs.StringVar(&f.assembly, f.name+"-assembly", "", fmt.Sprintf("take this existing cloud assembly `DIR` as %s instead of synthesizing", what))
}

// given fails when the side's flags (see register) say nothing: an app
// read with cdk.json's context alone is rarely a side on purpose.
func (f *stageFlags) given() error {
	if f.assembly == "" && len(f.context) == 0 {
		return fmt.Errorf("%s: say which stage: -%s KEY=VALUE (like cdk synth -c) or -%s-assembly DIR", f.label, f.name, f.name)
	}
	return nil
}

// synth returns the directory of the stage's cloud assembly: the one it
// names, or a new synthesis of the app with its context, which remove
// removes.
func (f *stageFlags) synth(ctx context.Context, o runOptions) (dir string, remove func() error, err error) {
	if f.assembly != "" && len(f.context) > 0 {
		return "", nil, fmt.Errorf("%s: an assembly runs as it was synthesized: give it or context, not both", f.label)
	}
	if f.assembly != "" {
		return f.assembly, func() error { return nil }, nil
	}
	tmp, err := os.MkdirTemp("", "ecsplit-local-assembly-")
	if err != nil {
		return "", nil, err
	}
	remove = func() error { return os.RemoveAll(tmp) }
	fmt.Fprintf(o.stderr, "ecsplit-local: %s: synthesizing %s with %s\n", f.label, o.app, f.describe())
	if err := runner.Synth(ctx, o.app, tmp, f.context); err != nil {
		remove()
		return "", nil, err
	}
	return tmp, remove, nil
}

// loadServices reads a services file, if there is one (file is not "").
func loadServices(file string) (runner.Services, error) {
	if file == "" {
		return nil, nil
	}
	return runner.LoadServices(file)
}

// start synthesizes the stage (unless it names an assembly) and runs it
// with services, its services file as loadServices read it. cleanup stops
// the stage and removes the synthesis; it returns the errors of services
// that did not stop cleanly.
func (f *stageFlags) start(ctx context.Context, services runner.Services, addr string, o runOptions) (_ *runner.Stage, cleanup func() error, err error) {
	dir, removeDir, err := f.synth(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	s, err := runner.Start(ctx, dir, runner.Options{Addr: addr, Seed: o.seed, Services: services, StartTimeout: o.startTimeout, BinDir: o.binDir, Log: o.log})
	if err != nil {
		removeDir()
		return nil, nil, fmt.Errorf("%s: %w", f.label, err)
	}
	f.unused = services.Unused(s.Assembly)
	fmt.Fprintf(o.stderr, "ecsplit-local: %s: services up in %s (%s), front door %s\n", f.label, time.Since(start).Round(time.Millisecond), containerNames(s), s.URL)
	return s, func() error { return errors.Join(s.Close(), removeDir()) }, nil
}

// warnUnused warns about the names of a services file that name no
// container of any of the stages that use it: likely typos.
func warnUnused(w io.Writer, stages ...*stageFlags) {
	unused := map[string]map[string]int{} // file → name → stages without it
	users := map[string]int{}             // file → stages using it
	for _, st := range stages {
		if st.services == "" {
			continue
		}
		users[st.services]++
		if unused[st.services] == nil {
			unused[st.services] = map[string]int{}
		}
		for _, name := range st.unused {
			unused[st.services][name]++
		}
	}
	for _, file := range sortedKeys(unused) {
		for _, name := range sortedKeys(unused[file]) {
			if unused[file][name] == users[file] {
				fmt.Fprintf(w, "ecsplit-local: warning: services file %s names %q, which is no container of the stage\n", file, name)
			}
		}
	}
}

// containerNames lists the containers of a stage's services.
func containerNames(s *runner.Stage) string {
	var names []string
	for _, svc := range s.Assembly.Services {
		for _, c := range svc.Containers {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ")
}
