package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// process is one running container of a task.
type process struct {
	name   string
	l      Launch
	cmd    *exec.Cmd
	url    *url.URL
	done   chan struct{}
	err    error // set before done closes
	output *tail
}

// startProcess starts a launch with PORT set to a free loopback port and HOST
// to 127.0.0.1: every task of the emulation shares the loopback interface
// while real tasks each have their own IP address, and nothing outside
// this machine may reach them. The process's output goes to logs, each line
// prefixed with its name. It returns once the process has started; see
// waitHealthy.
func startProcess(name string, l Launch, logs *log.Logger) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", name, err)
	}
	p := &process{name: name, l: l, done: make(chan struct{}), output: &tail{},
		url: &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", port)}}
	cmd := exec.Command(l.argv[0], l.argv[1:]...)
	cmd.Dir = l.dir
	cmd.Env = slices.Concat(l.env, []string{"PORT=" + port, "HOST=127.0.0.1"})
	cmd.SysProcAttr = sysProcAttr()
	out := io.MultiWriter(&prefixWriter{prefix: "[" + name + "] ", log: logs}, p.output)
	cmd.Stdout, cmd.Stderr = out, out
	// A child of the command (go run's program) may hold the output open
	// after the command exits; Wait gives it the stop timeout.
	cmd.WaitDelay = StopTimeout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("container %s: start %q in %s: %w", name, l.argv, l.dir, err)
	}
	p.cmd = cmd
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// freePort returns a TCP port that is free on the loopback interface now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// startPoll is how often waitHealthy checks a starting process.
const startPoll = 20 * time.Millisecond

// waitHealthy polls the target group's health check until it passes once,
// for at most timeout. (The ALB needs HealthyThresholdCount passes,
// Interval apart; the emulator does not wait for them.)
func (p *process) waitHealthy(ctx context.Context, tg *albemu.TargetGroup, timeout time.Duration) error {
	return p.pollHealth(ctx, tg, startPoll, timeout)
}

// pollHealth checks the target group's health check every interval until
// it passes once, for at most timeout.
func (p *process) pollHealth(ctx context.Context, tg *albemu.TargetGroup, every, timeout time.Duration) error {
	u := p.url.JoinPath(tg.HealthCheckPath).String()
	client := &http.Client{Timeout: time.Second}
	return p.poll(ctx, every, timeout, "its health check passed", func() error {
		resp, err := client.Get(u)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if !codeMatches(tg.HealthyCodes, resp.StatusCode) {
			return fmt.Errorf("status %d, want %s", resp.StatusCode, tg.HealthyCodes)
		}
		return nil
	}, func(timeout time.Duration, err error) string {
		return fmt.Sprintf("health check %s (target group %s) failed for %s: %v", u, tg.ID, timeout, err)
	})
}

// waitListening waits until the process accepts connections on its port,
// for at most timeout: the process's own start, which a transition does
// not scale, before its health checks count.
func (p *process) waitListening(ctx context.Context, timeout time.Duration) error {
	return p.poll(ctx, startPoll, timeout, "it listened", func() error {
		conn, err := net.DialTimeout("tcp", p.url.Host, time.Second)
		if err == nil {
			conn.Close()
		}
		return err
	}, func(timeout time.Duration, err error) string {
		return fmt.Sprintf("nothing listened on %s for %s: %v", p.url.Host, timeout, err)
	})
}

// poll calls check every interval until it succeeds, for at most timeout.
// It fails when the process exits first ("exited before " + before), when ctx
// ends, or at the deadline with timedOut's description of the last
// failure.
func (p *process) poll(ctx context.Context, every, timeout time.Duration, before string, check func() error, timedOut func(time.Duration, error) string) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("container %s exited before %s: %v\n%s", p.name, before, p.err, p.output)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: %s\n%s", p.name, timedOut(timeout, err), p.output)
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

// stop sends SIGTERM to the process's group, waits StopTimeout, then
// kills the group. It returns an error when the process did not stop cleanly:
// killed, or exited with an error (an exit by the SIGTERM itself is clean
// for a command, see Launch.signalExitOK).
func (p *process) stop() error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	select {
	case <-p.done:
	default:
		signalGroup(p.cmd.Process, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(StopTimeout):
			signalGroup(p.cmd.Process, syscall.SIGKILL)
			<-p.done
			return fmt.Errorf("container %s: killed after %s without exiting", p.name, StopTimeout)
		}
	}
	if errors.Is(p.err, exec.ErrWaitDelay) {
		// The command exited, a process it started did not.
		signalGroup(p.cmd.Process, syscall.SIGKILL)
		return fmt.Errorf("container %s: a process it started was killed after %s without exiting", p.name, StopTimeout)
	}
	if p.err != nil && !(p.l.signalExitOK && terminatedBy(p.err, syscall.SIGTERM)) {
		return fmt.Errorf("container %s: %v\n%s", p.name, p.err, p.output)
	}
	return nil
}

// terminatedBy reports whether err is the exit of a process killed by sig.
func terminatedBy(err error, sig syscall.Signal) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}
