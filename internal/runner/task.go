package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// Task is one task of an ECS service as the runner runs it: a process per
// container that a target group sends to, and the registrations of those
// processes in their target groups. Stage.StartTask starts one;
// Stage.StopTask stops it.
type Task struct {
	// Service is the ECS service whose task this is.
	Service albemu.ResourceID

	procs []*process
	regs  []Registration
}

// Registration is a process of a task and a target group that sends to
// it. The runner registers nothing itself once a stage serves: package
// deploy registers each process in the router once its target group's
// health check passes on it.
type Registration struct {
	// TargetGroup is the target group that sends to the process.
	TargetGroup *albemu.TargetGroup
	// URL is the process's base URL, as the router registers it.
	URL *url.URL

	p *process
}

// Registrations returns the task's registrations, in the order of the
// service's load balancers.
func (t *Task) Registrations() []Registration { return slices.Clone(t.regs) }

// WaitListening waits until every process of the task accepts connections
// on its port, for at most timeout each: the processes' own start, before
// their health checks count.
func (t *Task) WaitListening(ctx context.Context, timeout time.Duration) error {
	for _, p := range t.procs {
		if err := p.waitListening(ctx, timeout); err != nil {
			return err
		}
	}
	return nil
}

// PollHealth checks the target group's health check on the process every
// interval until it passes once, for at most timeout. It fails at once
// when the process exits.
func (r Registration) PollHealth(ctx context.Context, every, timeout time.Duration) error {
	return r.p.pollHealth(ctx, r.TargetGroup, every, timeout)
}

// Launches says how to run each container of service svc of assembly asm
// that a target group sends to: it checks the container's port and
// resolves its launch (building it by the build.sh convention), once per
// container.
//
// Call it with the stage held (Lock), as deploy.Apply does: Close removes
// the build cache it may build into.
func (s *Stage) Launches(ctx context.Context, asm *albemu.Assembly, svc *albemu.Service) (map[*albemu.Container]Launch, error) {
	out := map[*albemu.Container]Launch{}
	for _, target := range asm.TargetsOf(svc.ID) {
		c := target.Container
		if err := checkPort(c, target.Port); err != nil {
			return nil, fmt.Errorf("%s: %w", svc.ID, err)
		}
		if _, ok := out[c]; ok {
			continue
		}
		l, err := launchFor(ctx, c, s.opts.Services, s.opts.BinDir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", svc.ID, err)
		}
		out[c] = l
	}
	return out, nil
}

// StartTask starts a task of service svc of assembly asm: a process for
// each of its containers registered in a target group of asm, once per
// container, as launches (see Launches) says. Close stops it, unless
// StopTask does first. It registers nothing: the caller registers each
// process once its target group's health check passes. On an error it
// stops the processes it started.
//
// Call it with the stage held (Lock), as deploy.Apply does: Close waits
// for the holder, so no task starts after Close has stopped the others.
func (s *Stage) StartTask(asm *albemu.Assembly, svc *albemu.Service, launches map[*albemu.Container]Launch) (*Task, error) {
	targets := asm.TargetsOf(svc.ID)
	for _, target := range targets {
		if _, ok := launches[target.Container]; !ok {
			return nil, fmt.Errorf("%s: container %s: no launch resolved", svc.ID, target.Container.Name)
		}
	}
	et := &Task{Service: svc.ID}
	started := map[*albemu.Container]*process{}
	for _, target := range targets {
		c := target.Container
		p, ok := started[c]
		if !ok {
			var err error
			if p, err = startProcess(c.Name, launches[c], s.logs); err != nil {
				for _, p := range et.procs {
					p.stop()
				}
				return nil, fmt.Errorf("%s: %w", svc.ID, err)
			}
			started[c] = p
			et.procs = append(et.procs, p)
		}
		et.regs = append(et.regs, Registration{TargetGroup: target.TargetGroup, URL: p.url, p: p})
	}
	s.track(et)
	return et, nil
}

// StopTask sends SIGTERM to each process of a task and waits for it to
// exit (SIGKILL after StopTimeout), then forgets the task. It returns the
// errors of the processes that did not stop cleanly. Deregister the task
// first: the router would send to a stopped process.
//
// Call it with the stage held (Lock), as deploy.Apply does, so that
// Close does not stop the same processes at the same time.
func (s *Stage) StopTask(et *Task) error {
	var errs []error
	for _, p := range et.procs {
		errs = append(errs, p.stop())
	}
	s.untrack(et)
	return errors.Join(errs...)
}

// Tasks returns the running tasks of a service.
//
// Call it with the stage held (Lock), as deploy.Apply does, to act on
// them: otherwise another change may start or stop tasks meanwhile.
func (s *Stage) Tasks(svc albemu.ResourceID) []*Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.running[svc])
}

// Processes returns the number of processes the stage runs.
func (s *Stage) Processes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.processesLocked())
}

// track records a started task: Close stops its processes, and the front
// door names its containers (see ServiceHeader).
func (s *Stage) track(et *Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[et.Service] = append(s.running[et.Service], et)
	for _, p := range et.procs {
		s.answerers.Store(p.url.Host, p.name)
	}
}

// untrack forgets a stopped task.
func (s *Stage) untrack(et *Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[et.Service] = slices.DeleteFunc(s.running[et.Service], func(x *Task) bool { return x == et })
	if len(s.running[et.Service]) == 0 {
		delete(s.running, et.Service)
	}
	for _, p := range et.procs {
		s.answerers.Delete(p.url.Host)
	}
}

// processesLocked returns the processes of every running task, by
// service, with s.mu held.
func (s *Stage) processesLocked() []*process {
	var out []*process
	for _, svc := range slices.SortedFunc(maps.Keys(s.running), albemu.CompareIDs) {
		for _, et := range s.running[svc] {
			out = append(out, et.procs...)
		}
	}
	return out
}
