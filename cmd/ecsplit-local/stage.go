package main

import (
	"context"
	"errors"
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

// start synthesizes the stage (unless it names an assembly) and runs it.
// cleanup stops the stage and removes the synthesis; it returns the
// errors of services that did not stop cleanly.
func (f *stageFlags) start(ctx context.Context, label, addr string, o runOptions) (_ *runner.Stage, cleanup func() error, err error) {
	if f.assembly != "" && len(f.context) > 0 {
		return nil, nil, fmt.Errorf("%s: an assembly runs as it was synthesized: give it or context, not both", label)
	}
	var services runner.Services
	if f.services != "" {
		if services, err = runner.LoadServices(f.services); err != nil {
			return nil, nil, err
		}
	}
	dir, removeDir := f.assembly, func() error { return nil }
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ecsplit-local-assembly-")
		if err != nil {
			return nil, nil, err
		}
		removeDir = func() error { return os.RemoveAll(tmp) }
		fmt.Fprintf(o.stderr, "ecsplit-local: %s: synthesizing %s with %s\n", label, o.app, f.describe())
		if err := runner.Synth(ctx, o.app, tmp, f.context); err != nil {
			removeDir()
			return nil, nil, err
		}
		dir = tmp
	}
	start := time.Now()
	s, err := runner.Start(ctx, dir, runner.Options{Addr: addr, Seed: o.seed, Services: services, StartTimeout: o.startTimeout, BinDir: o.binDir, Log: o.log})
	if err != nil {
		removeDir()
		return nil, nil, fmt.Errorf("%s: %w", label, err)
	}
	f.unused = services.Unused(s.Assembly)
	fmt.Fprintf(o.stderr, "ecsplit-local: %s: services up in %s (%s), front door %s\n", label, time.Since(start).Round(time.Millisecond), containerNames(s), s.URL)
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
