package test

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// cdkCLI is the CDK CLI installed by npm install at the repository root.
func cdkCLI(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the CDK CLI is required by this test and %s does not exist: run `npm install` at the repository root", p)
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// cliEnv is the environment of every CDK CLI run of the tests: no color, no
// version check and no telemetry (a second Node process per command).
var cliEnv = []string{"NO_COLOR=1", "CDK_DISABLE_VERSION_CHECK=1", "CDK_DISABLE_CLI_TELEMETRY=true"}

// diffResult is one cdk diff run: its output and exit code, or the error
// that kept it from running.
type diffResult struct {
	once sync.Once
	out  string
	code int
	err  error
}

// diffCache holds each distinct diff's result, guarded by diffMu.
var (
	diffMu    sync.Mutex
	diffCache = map[string]*diffResult{}
)

// cdkDiff runs `cdk diff --template TEMPLATE -a ASSEMBLY STACK` offline, with
// --fail when fail is set, and returns the diff text and the exit code. A
// diff of the same template content against the same assembly runs once,
// in the one diffWorker process (the CLI takes 0.6 s of CPU to load, and
// the tests diff about twenty pairs); a diff the worker cannot run (the
// command threw, or the worker broke) runs in a process of its own.
func cdkDiff(t *testing.T, template, assembly, stack string, fail bool) (string, int) {
	t.Helper()
	content, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("%x\x00%s\x00%s\x00%t", sha256.Sum256(content), assembly, stack, fail)
	diffMu.Lock()
	r, ok := diffCache[key]
	if !ok {
		r = &diffResult{}
		diffCache[key] = r
	}
	diffMu.Unlock()
	cli := cdkCLI(t)
	r.once.Do(func() {
		args := diffArgs(template, assembly, stack, fail)
		out, code, ran, err := worker.diff(args)
		if err != nil {
			t.Logf("%v; running cdk %v as a process of its own", err, args)
		}
		if !ran {
			out, code, err = cdkProcess(cli, args)
		}
		r.out, r.code, r.err = out, code, err
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.out, r.code
}

// diffArgs are the CLI arguments of an offline diff of template against
// stack in assembly. --no-notices keeps the CLI's news, which it fetches
// when it can, out of the text.
func diffArgs(template, assembly, stack string, fail bool) []string {
	args := []string{"diff", "--no-color", "--no-notices", "--exclusively", "--template", template, "-a", assembly, stack}
	if fail {
		args = append(args, "--fail")
	}
	return args
}

// cdkProcess runs the CLI with args in a process of its own, from the
// repository root, and returns its combined output and exit code.
func cdkProcess(cli string, args []string) (string, int, error) {
	cmd := exec.Command(cli, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), cliEnv...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode(), nil
	case err != nil:
		return "", 0, fmt.Errorf("cdk %v: %v\n%s", args, err, out)
	}
	return string(out), 0, nil
}

// diffWorker is scripts/cdk-diff-worker.js: one Node process that loads the
// pinned CLI once and runs its diffs one after another, with the output
// and exit code that each would have as a process of its own
// (TestCdkDiffWorkerMatchesCLI). It starts on first use and stops in
// TestMain.
type diffWorker struct {
	mu      sync.Mutex
	started bool
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	err     error // why it failed to start or broke
}

// worker is the tests' one diff worker.
var worker diffWorker

// workerAnswer is one line of the worker's output.
type workerAnswer struct {
	Out   string  `json:"out"`
	Code  int     `json:"code"`
	Error *string `json:"error"`
}

// diff runs the CLI with args in the worker. ran is false when the command
// threw rather than returned an exit code, which the CLI reports with
// formatting of its own: the caller runs it as a process instead.
func (w *diffWorker) diff(args []string) (out string, code int, ran bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started {
		w.started = true
		w.err = w.start()
	}
	if w.err != nil {
		return "", 0, false, w.err
	}
	req, err := json.Marshal(map[string][]string{"args": args})
	if err != nil {
		return "", 0, false, err
	}
	if _, err := w.in.Write(append(req, '\n')); err != nil {
		w.err = fmt.Errorf("cdk diff worker: %v", err)
		return "", 0, false, w.err
	}
	line, err := w.out.ReadBytes('\n')
	if err != nil {
		w.err = fmt.Errorf("cdk diff worker stopped answering (%v) at %v", err, args)
		return "", 0, false, w.err
	}
	var a workerAnswer
	if err := json.Unmarshal(line, &a); err != nil {
		w.err = fmt.Errorf("cdk diff worker: %v in %q", err, line)
		return "", 0, false, w.err
	}
	if a.Error != nil {
		return "", 0, false, nil
	}
	return a.Out, a.Code, true, nil
}

// start starts the worker process from the repository root.
func (w *diffWorker) start() error {
	cmd := exec.Command("node", filepath.Join("scripts", "cdk-diff-worker.js"))
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), cliEnv...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cdk diff worker: %v", err)
	}
	w.cmd, w.in, w.out = cmd, in, bufio.NewReader(out)
	return nil
}

// close stops the worker, if it started.
func (w *diffWorker) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd != nil {
		w.in.Close()
		w.cmd.Wait() //nolint:errcheck // its answers were checked; an exit error now changes none
		w.cmd = nil
	}
}

// TestCdkDiffWorkerMatchesCLI: the worker's output and exit code for a
// diff with differences under --fail are the CLI's own, run as a process
// of its own, byte for byte (the worker's exit code 0 for no difference is
// TestValidatePlatformUnchangedBySplit's); and a command that throws, for
// a stack the assembly does not have, is left to a process of its own.
func TestCdkDiffWorkerMatchesCLI(t *testing.T) {
	parallel(t)
	mono := synth(t, monolithFargate)
	split := synth(t, splitFargate)
	args := diffArgs(filepath.Join(mono.Dir, "EcsplitServices.template.json"), split.Dir, "EcsplitServices", true)
	out, code, ran, err := worker.diff(args)
	if err != nil || !ran {
		t.Fatalf("the worker did not run %v (%v)", args, err)
	}
	wantOut, wantCode, err := cdkProcess(cdkCLI(t), args)
	if err != nil {
		t.Fatal(err)
	}
	if wantCode != 1 {
		t.Errorf("the CLI exited %d, want 1:\n%s", wantCode, wantOut)
	}
	if code != wantCode {
		t.Errorf("the worker's exit code is %d, the CLI's %d", code, wantCode)
	}
	if d := firstDifference(wantOut, out); d != "" {
		t.Errorf("the worker's output differs from the CLI's:\n%s", d)
	}
	if _, _, ran, err := worker.diff(diffArgs(filepath.Join(mono.Dir, "EcsplitServices.template.json"), split.Dir, "NoSuchStack", true)); err != nil || ran {
		t.Errorf("the worker ran a diff of a stack the assembly does not have (%v), want it left to a process", err)
	}
}
