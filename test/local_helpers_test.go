package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
)

// corpusFile is the request corpus shared by the equivalence tests and the
// benchmarks.
var corpusFile = filepath.Join("testdata", "corpus.txt")

// loadCorpus loads corpusFile.
func loadCorpus(t testing.TB) []corpus.Request {
	t.Helper()
	reqs, err := corpus.Load(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	return reqs
}

var (
	binDirOnce sync.Once
	binDir     string
)

// sharedBinDir caches service binaries across the stages of one test run
// (an asset directory is built once), and holds the ecsplit-local binary
// and the tiny shop's assemblies.
func sharedBinDir(t testing.TB) string {
	binDirOnce.Do(func() {
		d, err := os.MkdirTemp("", "ecsplit-test-local-")
		if err != nil {
			t.Fatal(err)
		}
		binDir = d // removed after the tests, like synthRoot
	})
	return binDir
}

// startStage runs the cloud assembly in dir locally (its services as
// processes, its ALB routing as a front door on a free loopback port) until
// the test ends.
func startStage(t testing.TB, dir string) *runner.Stage {
	t.Helper()
	s, err := runner.Start(context.Background(), dir, runner.Options{BinDir: sharedBinDir(t), Seed: 1})
	if err != nil {
		t.Fatalf("start %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop %s: %v", dir, err)
		}
	})
	return s
}

// equivalence synthesizes each context, runs each locally, sends them all
// the corpus and returns the differences: the stage equivalence harness.
// Issue 6 runs it across intermediate states such as
// {"stage": "users:100,threads:10"}.
func equivalence(t testing.TB, ctxs ...map[string]string) []probe.Difference {
	t.Helper()
	var doors []probe.Door
	for _, ctx := range ctxs {
		s := startStage(t, synth(t, ctx).Dir)
		doors = append(doors, probe.Door{Name: name(ctx), URL: s.URL})
	}
	return compareDoors(t, doors...)
}

// compareDoors sends the corpus to every door and returns the differences,
// with the comparison `ecsplit-local compare` makes by default.
func compareDoors(t testing.TB, doors ...probe.Door) []probe.Difference {
	t.Helper()
	diffs, err := probe.Compare(context.Background(), loadCorpus(t), probe.CompareOptions{}, doors...)
	if err != nil {
		t.Fatal(err)
	}
	return diffs
}

// plantFault makes a copy of the cloud assembly in src, in which every
// entry is a symbolic link to the original, and lets plant change it.
func plantFault(t testing.TB, src string, plant func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(src)
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(abs, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	plant(dir)
	return dir
}

// editTemplate rewrites a stack's template in a planted assembly.
func editTemplate(t testing.TB, dir, stack string, edit func(tpl map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, stack+".template.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	edit(tpl)
	out, err := json.MarshalIndent(tpl, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path) // the symbolic link
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// plantInServices copies the assembly in src and edits, in the copy's
// services stack, the one resource of type typ whose logical id starts
// with prefix; it returns the copy and the resource's id.
func plantInServices(t *testing.T, src, typ, prefix string, edit func(r map[string]any)) (string, albemu.ResourceID) {
	t.Helper()
	var id albemu.ResourceID
	dir := plantFault(t, src, func(dir string) {
		editTemplate(t, dir, "EcsplitServices", func(tpl map[string]any) {
			logical, res := resourceWithPrefix(t, tpl, typ, prefix)
			edit(res)
			id = albemu.ResourceID{Stack: "EcsplitServices", LogicalID: logical}
		})
	})
	return dir, id
}

// runLogged runs cmd, logs its command line, exit code, stderr and
// stdout, and returns them; it fails t when cmd does not run at all.
func runLogged(t testing.TB, cmd *exec.Cmd) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, stderr, err := runCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: exit %d\n%s%s", strings.Join(cmd.Args, " "), code, stderr, stdout)
	return code, stdout, stderr
}

// runCommand runs cmd and returns its exit code, stdout and stderr, and an
// error only when it does not run at all.
func runCommand(cmd *exec.Cmd) (code int, stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		err = nil
	}
	if err != nil {
		return 0, "", "", err
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String(), nil
}

// binaries are the binaries goBuild built, by name, once per test binary.
var binaries dirCache[string]

// goBuild builds the package pkg (relative to the repository's root) once
// per test binary, into the binaries directory as name, and returns its
// path.
func goBuild(t testing.TB, name, pkg string) string {
	t.Helper()
	bin := sharedBinDir(t)
	return binaries.get(t, name, func(name string) (string, error) {
		path := filepath.Join(bin, name)
		cmd := exec.Command("go", "build", "-o", path, pkg)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
		return path, nil
	})
}
