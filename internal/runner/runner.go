// Package runner runs a stage of an app on this machine: it reads a cloud
// assembly's ALB routing and ECS services (package albemu), starts each
// service as a local process with its task definition's environment, and
// serves the listener's routing on a loopback front door, which says in a
// response header which service answered (ServiceHeader). A service starts
// from the command a services file gives for its container (see
// LoadServices), or, with no such command, by ecsplit's own build.sh
// convention (see BuildProgram). Synth synthesizes a stage of a CDK app
// first. Package deploy changes a running stage as an update would;
// package probe sends it requests.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// Timeouts of a stage's life.
const (
	// DefaultStartTimeout bounds the wait for a task's first passing
	// health check: the ECS health check grace period of the microservice
	// construct (30 s).
	DefaultStartTimeout = 30 * time.Second
	// FrontDoorGrace is how long Close lets the front door's requests in
	// flight finish before it closes their connections. A local service
	// answers in milliseconds: a request still in flight after a second
	// waits for its client (a body or headers still arriving) or for a
	// hung service.
	FrontDoorGrace = time.Second
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
	// Services says how to run containers as local processes, by
	// container name. Default: none; every container is built by the
	// build.sh convention.
	Services Services
	// StartTimeout bounds the wait for each task's first passing health
	// check. Default: DefaultStartTimeout.
	StartTimeout time.Duration
	// BinDir caches the binaries built by the build.sh convention, keyed
	// by asset hash, program and the asset directory's files (see Build):
	// stages given the same BinDir build a shared asset once. Default: a
	// new temporary directory, removed by Close.
	BinDir string
	// Log receives the tasks' output, each line prefixed with the
	// service's container name. Default: discarded.
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
	tmpBin string
	opts   Options     // as Start resolved them
	logs   *log.Logger // the tasks' output

	// changeMu serializes the changes of Lock, and Close after them.
	changeMu sync.Mutex

	mu sync.Mutex // guards running
	// running holds each ECS service's running tasks, by service: their
	// processes are those Close stops.
	running map[albemu.ResourceID][]*Task
	// answerers holds the container name of each running process, by the
	// host and port of its URL: the front door's ServiceHeader.
	answerers sync.Map // string → string
}

// Start loads the cloud assembly in dir, starts one task per ECS service
// behind the load balancer (none when DesiredCount is 0), waits until each
// passes its target group's health check, and serves the front door. Close
// stops it all.
func Start(ctx context.Context, dir string, opts Options) (_ *Stage, err error) {
	asm, err := albemu.Load(dir)
	if err != nil {
		return nil, err
	}
	s := &Stage{Assembly: asm, running: map[albemu.ResourceID][]*Task{}}
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
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	s.opts, s.logs = opts, log.New(opts.Log, "", 0)
	targets, err := s.startTasks(ctx)
	if err != nil {
		return nil, err
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
	s.Router.OnResponse = s.nameAnswerer
	s.srv = &http.Server{
		Handler:           s.Router,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second, // the ALB's default idle timeout
	}
	go s.srv.Serve(ln)
	return s, nil
}

// startTasks starts a task of each ECS service behind the load balancer
// (none when its DesiredCount is 0): a process per container registered in
// a target group (a container registered in two groups runs once), then
// waits for each group's health check to pass on each of its processes. It
// returns each target group's task URLs.
func (s *Stage) startTasks(ctx context.Context) (map[albemu.ResourceID][]*url.URL, error) {
	var started []*Task
	for _, svc := range s.Assembly.Services {
		if svc.DesiredCount == 0 {
			continue
		}
		launches, err := s.Launches(ctx, s.Assembly, svc)
		if err != nil {
			return nil, err
		}
		et, err := s.StartTask(s.Assembly, svc, launches)
		if err != nil {
			return nil, err
		}
		started = append(started, et)
	}
	targets := map[albemu.ResourceID][]*url.URL{}
	for _, et := range started {
		for _, r := range et.regs {
			if err := r.p.waitHealthy(ctx, r.TargetGroup, s.opts.StartTimeout); err != nil {
				return nil, err
			}
			targets[r.TargetGroup.ID] = append(targets[r.TargetGroup.ID], r.URL)
		}
	}
	return targets, nil
}

// Close stops the front door: it stops accepting connections, lets the
// requests in flight finish for up to FrontDoorGrace, then closes the
// connections of those that have not (which is no error). Then it sends
// SIGTERM to every task and waits for it to drain and exit (SIGKILL after
// StopTimeout). It returns the errors of the tasks that did not stop
// cleanly.
//
// Close waits for a change under way (see Lock), such as a transition, to
// end first.
func (s *Stage) Close() error {
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	var errs []error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), FrontDoorGrace)
		err := s.srv.Shutdown(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			s.logs.Printf("[front door] closed the connections of requests still in flight after %s", FrontDoorGrace)
			s.srv.Close() //nolint:errcheck // Shutdown closed the listener; this closes the connections
			err = nil
		}
		errs = append(errs, err)
	}
	s.mu.Lock()
	tasks := s.processesLocked()
	s.running = map[albemu.ResourceID][]*Task{}
	s.mu.Unlock()
	s.answerers.Clear()
	var wg sync.WaitGroup
	taskErrs := make([]error, len(tasks))
	for i, t := range tasks {
		wg.Go(func() { taskErrs[i] = t.stop() })
	}
	wg.Wait()
	errs = append(errs, taskErrs...)
	if s.tmpBin != "" {
		errs = append(errs, os.RemoveAll(s.tmpBin))
	}
	return errors.Join(errs...)
}

// Lock holds the stage for a change that starts and stops its tasks and
// swaps its front door's rules, such as a transition (package deploy):
// another Lock, and Close, wait until Unlock. Launches, StartTask,
// StopTask and Tasks are to be called with the stage held. Lock is not
// reentrant: Close with the stage held never returns.
func (s *Stage) Lock() { s.changeMu.Lock() }

// Unlock ends the change of Lock.
func (s *Stage) Unlock() { s.changeMu.Unlock() }

// StartTimeout is how long a task's processes may take to start: to pass
// their first health check when the stage starts (Options.StartTimeout).
func (s *Stage) StartTimeout() time.Duration { return s.opts.StartTimeout }

// Log is where the tasks' output goes (Options.Log).
func (s *Stage) Log() io.Writer { return s.opts.Log }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
