// Package local runs a stage of the ecsplit app on this machine: it builds
// the service binaries from the image assets of a cloud assembly (by the
// build.sh convention, see BuildProgram), starts
// each ECS service as a local process with its task definition's
// environment, and serves the ALB listener's routing (package albemu) on a
// loopback front door.
package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// Timeouts of a stage's life.
const (
	// StartTimeout bounds the wait for a task's "listening" log line and
	// its first healthy health check.
	StartTimeout = 15 * time.Second
	// StopTimeout is the time between SIGTERM and SIGKILL, as the ECS stop
	// timeout of the task definitions (20 s).
	StopTimeout = 20 * time.Second
)

// Options configures Start.
type Options struct {
	// Addr is the front door's listen address. Default: "127.0.0.1:0", a
	// free loopback port.
	Addr string
	// Seed seeds the front door's weighted-forward choices. Default: 0.
	Seed uint64
	// BinDir caches the built binaries, keyed by asset directory and
	// program. Default: a new temporary directory, removed by Close.
	BinDir string
	// Log receives the tasks' log lines, each prefixed with the service's
	// container name. Default: discarded.
	Log io.Writer
}

// Stage is a running stage: its tasks and its front door.
type Stage struct {
	// URL is the front door's base URL, such as "http://127.0.0.1:8080".
	URL string
	// Assembly is the routing the front door serves.
	Assembly *albemu.Assembly
	// Router is the front door's router: its rules and targets can be
	// changed while it serves.
	Router *albemu.Router

	srv    *http.Server
	tasks  []*task
	tmpBin string
}

// Start loads the cloud assembly in dir, builds its services, starts one
// task per ECS service (none when DesiredCount is 0), waits until each is
// healthy, and serves the front door. Close stops it all.
func Start(ctx context.Context, dir string, opts Options) (_ *Stage, err error) {
	asm, err := albemu.Load(dir)
	if err != nil {
		return nil, err
	}
	s := &Stage{Assembly: asm}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if opts.BinDir == "" {
		if s.tmpBin, err = os.MkdirTemp("", "ecsplit-local-bin-"); err != nil {
			return nil, err
		}
		opts.BinDir = s.tmpBin
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	logs := &lockedWriter{w: opts.Log}
	targets := map[albemu.ResourceID][]*url.URL{}
	started := map[*albemu.Container]*task{}
	for _, tgID := range slices.SortedFunc(maps.Keys(asm.TargetGroups), albemu.CompareIDs) {
		tg := asm.TargetGroups[tgID]
		for _, target := range tg.Targets {
			if target.Service.DesiredCount == 0 {
				continue
			}
			c := target.Container
			t, ok := started[c]
			if !ok {
				if err := checkPort(c, target.Port); err != nil {
					return nil, fmt.Errorf("%s: %w", target.Service.ID, err)
				}
				if c.Image.Asset == nil {
					return nil, fmt.Errorf("%s: container %s runs %s, not an image asset of the assembly", target.Service.ID, c.Name, c.Image)
				}
				prog, err := BuildProgram(c.Image.Asset)
				if err != nil {
					return nil, fmt.Errorf("%s: container %s: %w", target.Service.ID, c.Name, err)
				}
				bin, err := Build(ctx, c.Image.Asset, prog, opts.BinDir)
				if err != nil {
					return nil, err
				}
				if t, err = startTask(ctx, c, bin, target.Port, logs); err != nil {
					return nil, fmt.Errorf("%s: %w", target.Service.ID, err)
				}
				s.tasks = append(s.tasks, t)
				started[c] = t
			}
			if err := t.waitHealthy(ctx, tg); err != nil {
				return nil, fmt.Errorf("%s: %w", target.Service.ID, err)
			}
			targets[tgID] = append(targets[tgID], t.url)
		}
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("front door: %w", err)
	}
	s.URL = "http://" + ln.Addr().String()
	s.Router = albemu.NewRouter(asm.Listener, targets, opts.Seed)
	s.srv = &http.Server{
		Handler:           s.Router,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second, // the ALB's default idle timeout
	}
	go s.srv.Serve(ln)
	return s, nil
}

// checkPort fails when the container would not listen where the load
// balancer sends: the services listen on $PORT.
func checkPort(c *albemu.Container, port int) error {
	if p := c.Env["PORT"]; p != strconv.Itoa(port) {
		return fmt.Errorf("container %s: the target group sends to container port %d, but its environment has PORT=%q, so the load balancer would reach nothing", c.Name, port, p)
	}
	return nil
}

// Close stops the front door, then sends SIGTERM to every task and waits
// for it to drain and exit (SIGKILL after StopTimeout). It returns the
// first error: a task that did not exit cleanly.
func (s *Stage) Close() error {
	var errs []error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, s.srv.Shutdown(ctx))
		cancel()
	}
	var wg sync.WaitGroup
	taskErrs := make([]error, len(s.tasks))
	for i, t := range s.tasks {
		wg.Go(func() { taskErrs[i] = t.stop() })
	}
	wg.Wait()
	errs = append(errs, taskErrs...)
	if s.tmpBin != "" {
		errs = append(errs, os.RemoveAll(s.tmpBin))
	}
	return errors.Join(errs...)
}

// task is one running service process.
type task struct {
	name   string
	cmd    *exec.Cmd
	url    *url.URL
	done   chan struct{}
	err    error // set before done closes
	output *tail
}

// startTask starts bin with the container's environment, except that PORT
// is 0 (a free port) and HOST is 127.0.0.1, because every task of the
// emulation shares the loopback interface while real tasks each have their
// own IP address, and nothing outside this machine may reach them. It
// returns once the task logs the address it listens on.
func startTask(ctx context.Context, c *albemu.Container, bin string, containerPort int, logs io.Writer) (*task, error) {
	t := &task{name: c.Name, done: make(chan struct{}), output: &tail{}}
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOST=127.0.0.1"}
	for k, v := range c.Env {
		switch k {
		case "PORT":
			v = "0"
		case "HOST":
			continue
		}
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = sysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	prefix := &prefixWriter{prefix: "[" + c.Name + "] ", w: logs}
	cmd.Stderr = io.MultiWriter(prefix, t.output)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	t.cmd = cmd
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Bytes()
			prefix.Write(append(line, '\n'))
			t.output.Write(append(line, '\n'))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				select {
				case addr <- rec.Addr:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		t.err = cmd.Wait()
		close(t.done)
	}()
	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	select {
	case a := <-addr:
		_, port, err := net.SplitHostPort(a)
		if err != nil {
			t.stop()
			return nil, fmt.Errorf("container %s: listening address %q: %w", c.Name, a, err)
		}
		t.url = &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", port)}
		return t, nil
	case <-t.done:
		return nil, fmt.Errorf("container %s exited before listening: %v\n%s", c.Name, t.err, t.output)
	case <-timer.C:
		t.stop()
		return nil, fmt.Errorf("container %s did not log a listening address in %s\n%s", c.Name, StartTimeout, t.output)
	case <-ctx.Done():
		t.stop()
		return nil, ctx.Err()
	}
}

// waitHealthy polls the target group's health check until it passes once.
// (The ALB needs HealthyThresholdCount passes, Interval apart; the
// emulator does not wait for them.)
func (t *task) waitHealthy(ctx context.Context, tg *albemu.TargetGroup) error {
	deadline := time.Now().Add(StartTimeout)
	u := t.url.JoinPath(tg.HealthCheckPath).String()
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
			if codeMatches(tg.HealthyCodes, resp.StatusCode) {
				return nil
			}
			err = fmt.Errorf("status %d, want %s", resp.StatusCode, tg.HealthyCodes)
		}
		select {
		case <-t.done:
			return fmt.Errorf("container %s exited: %v\n%s", t.name, t.err, t.output)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: health check %s failed for %s: %v", t.name, u, StartTimeout, err)
		}
	}
}

// codeMatches reports whether status is in a matcher HttpCode such as
// "200", "200,204" or "200-299".
func codeMatches(codes string, status int) bool {
	for part := range strings.SplitSeq(codes, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		l, err1 := strconv.Atoi(lo)
		h := l
		var err2 error
		if isRange {
			h, err2 = strconv.Atoi(hi)
		}
		if err1 == nil && err2 == nil && l <= status && status <= h {
			return true
		}
	}
	return false
}

// stop sends SIGTERM, waits StopTimeout, then kills. It returns an error
// when the task did not exit 0.
func (t *task) stop() error {
	if t.cmd == nil || t.cmd.Process == nil {
		return nil
	}
	select {
	case <-t.done:
	default:
		t.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-t.done:
		case <-time.After(StopTimeout):
			t.cmd.Process.Kill()
			<-t.done
			return fmt.Errorf("container %s: killed after %s without exiting", t.name, StopTimeout)
		}
	}
	if t.err != nil {
		return fmt.Errorf("container %s: %v\n%s", t.name, t.err, t.output)
	}
	return nil
}

// tail keeps the last few KiB a task wrote, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailBytes {
		t.buf = t.buf[len(t.buf)-tailBytes:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// prefixWriter writes whole lines with a prefix.
type prefixWriter struct {
	prefix string
	w      io.Writer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	for line := range bytes.Lines(b) {
		p.w.Write(append([]byte(p.prefix), line...))
	}
	return len(b), nil
}

// lockedWriter serializes writes from many tasks.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
