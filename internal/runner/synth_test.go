package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSynthCancelStopsApp cancels a synthesis whose app command has
// started a process of its own, as `go run .` starts the app and the app
// its jsii node process: Synth must return, and the process must be gone,
// whether SIGTERM stops it or only SIGKILL does.
func TestSynthCancelStopsApp(t *testing.T) {
	for _, tt := range []struct {
		name string
		// app writes the pid of its sleeping child to the FIFO "pid".
		app string
	}{
		{"stops on SIGTERM", `sh -c 'sleep 300 & echo $! > pid; wait'`},
		{"ignores SIGTERM", `sh -c 'trap "" TERM; sleep 300 & echo $! > pid; wait'`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := t.TempDir()
			cdkJSON, err := json.Marshal(map[string]string{"app": tt.app})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(app, "cdk.json"), cdkJSON, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(filepath.Join(app, "pid"), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- Synth(ctx, app, t.TempDir(), nil) }()
			pid := readPID(t, filepath.Join(app, "pid"))
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // when the test fails

			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
					t.Errorf("Synth: %v, want it interrupted", err)
				}
			case <-time.After(groupStopDelay + 5*time.Second):
				t.Fatalf("Synth still running %v after its context ended", groupStopDelay+5*time.Second)
			}
			// SIGKILL is sent before Synth returns; the process may take a
			// moment to die.
			for deadline := time.Now().Add(5 * time.Second); running(pid); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the app's child %d still runs 5 s after Synth returned", pid)
				}
			}
		})
	}
}

// readPID reads a process id from the FIFO at path, once a writer opens
// it, waiting at most 10 s.
func readPID(t *testing.T, path string) int {
	t.Helper()
	type result struct {
		b   []byte
		err error
	}
	got := make(chan result, 1)
	go func() {
		b, err := os.ReadFile(path)
		got <- result{b, err}
	}()
	select {
	case r := <-got:
		pid, err := strconv.Atoi(strings.TrimSpace(string(r.b)))
		if r.err != nil || err != nil {
			t.Fatalf("reading the pid: %q, %v, %v", r.b, r.err, err)
		}
		return pid
	case <-time.After(10 * time.Second):
		t.Fatal("the app wrote no pid within 10 s")
		return 0
	}
}

// running reports whether process pid exists and has not died: a dead
// process whose parent is gone stays a zombie until init reaps it, which
// some inits do only every few seconds.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		_, noProc := os.Stat("/proc/self/stat")
		return noProc != nil // without procfs, kill is all there is to go by
	}
	// "pid (comm) S ...": the state follows the last ')'.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || !strings.HasPrefix(string(stat[i+1:]), " Z")
}
