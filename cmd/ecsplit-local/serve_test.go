package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

// The test binary runs as ecsplit-local itself with mainEnv=1 (its
// arguments are the command line), as the services of a stage with
// runnertest.ServiceEnv set (see writeServices), and as a CDK app with
// appEnv=1 (see synthApp).
const mainEnv = "ECSPLIT_LOCAL_TEST_MAIN"

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(runnertest.ServiceEnv) != "": // first: a service inherits mainEnv and appEnv
		runnertest.Main(m)
	case os.Getenv(appEnv) == "1":
		if err := synthApp(); err != nil {
			fmt.Fprintln(os.Stderr, "app:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case os.Getenv(mainEnv) == "1":
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// command is ecsplit-local running in a process of its own, and the lines
// it writes to stderr.
type command struct {
	cmd   *exec.Cmd
	lines chan string // closed at the end of stderr
}

// startCommand runs ecsplit-local with args.
func startCommand(t *testing.T, args ...string) *command {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	c := &command{cmd: cmd, lines: make(chan string, 1000)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	return c
}

// await returns the first line to come that contains s, failing the test
// after 30 s or at the end of stderr.
func (c *command) await(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("stderr ended without a line containing %q", s)
			}
			if strings.Contains(line, s) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line containing %q within 30 s", s)
		}
	}
}

// interrupt sends SIGINT, as Ctrl-C does, and returns the exit code, the
// time the command took to exit and the lines it wrote meanwhile; it
// fails the test if the command does not exit within limit.
func (c *command) interrupt(t *testing.T, limit time.Duration) (code int, took time.Duration, rest []string) {
	t.Helper()
	sent := time.Now()
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		for line := range c.lines {
			rest = append(rest, line)
		}
		exited <- c.cmd.Wait() // after stderr ends
	}()
	select {
	case err := <-exited:
		took = time.Since(sent)
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), took, rest
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, took, rest
	case <-time.After(limit):
		c.cmd.Process.Kill()
		t.Fatalf("still running %v after SIGINT", limit)
		return 0, 0, nil
	}
}

// TestServeInterruptedMidRequest interrupts ecsplit-local while a client
// is in the middle of a request: its body is still arriving, and the
// service is reading it. The command must exit 0, promptly: the front
// door gives the request runner.FrontDoorGrace, then closes it, and the
// service drains.
func TestServeInterruptedMidRequest(t *testing.T) {
	servicesFile := writeServices(t, "echo")
	asm, err := filepath.Abs("../../internal/runner/testdata/echo")
	if err != nil {
		t.Fatal(err)
	}
	c := startCommand(t, "-assembly", asm, "-services", servicesFile, "-addr", "127.0.0.1:0")
	up := c.await(t, "front door http://")
	door := up[strings.LastIndex(up, "http://")+len("http://"):]
	c.await(t, "Ctrl-C stops.")

	conn, err := net.Dial("tcp", door)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /echo/upload HTTP/1.1\r\nHost: door\r\nContent-Length: 1000\r\n\r\nsome of it"); err != nil {
		t.Fatal(err)
	}
	c.await(t, "[echo] test service: POST /echo/upload")

	limit := runner.FrontDoorGrace + 5*time.Second
	code, took, rest := c.interrupt(t, 2*limit)
	if code != exitOK {
		t.Errorf("exit %d, want %d; stderr after SIGINT:\n%s", code, exitOK, strings.Join(rest, "\n"))
	}
	if took > limit {
		t.Errorf("exited %v after SIGINT, want at most %v", took.Round(time.Millisecond), limit)
	}
	t.Logf("exit %d %v after SIGINT", code, took.Round(time.Millisecond))
}
