package local

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// ecsTask is one task of an ECS service as the runner runs it: a process
// per container that a target group sends to, and the registrations of
// those processes in their target groups.
type ecsTask struct {
	service albemu.ResourceID
	procs   []*task
	regs    []registration
}

// registration is a process of a task and a target group that sends to it.
type registration struct {
	tg *albemu.TargetGroup
	t  *task
}

// launches says how to run each container of service svc of assembly asm
// that a target group sends to: it checks the container's port and
// resolves its launch (building it by the build.sh convention), once per
// container.
func (s *Stage) launches(ctx context.Context, asm *albemu.Assembly, svc *albemu.Service) (map[*albemu.Container]launch, error) {
	out := map[*albemu.Container]launch{}
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

// startECSTask starts a task of service svc of assembly asm: a process for
// each of its containers registered in a target group of asm, once per
// container, as launches (see Stage.launches) says. It registers nothing:
// the caller registers each process once its target group's health check
// passes. On an error it stops the processes it started.
func (s *Stage) startECSTask(asm *albemu.Assembly, svc *albemu.Service, launches map[*albemu.Container]launch) (*ecsTask, error) {
	targets := asm.TargetsOf(svc.ID)
	for _, target := range targets {
		if _, ok := launches[target.Container]; !ok {
			return nil, fmt.Errorf("%s: container %s: no launch resolved", svc.ID, target.Container.Name)
		}
	}
	et := &ecsTask{service: svc.ID}
	started := map[*albemu.Container]*task{}
	for _, target := range targets {
		c := target.Container
		t, ok := started[c]
		if !ok {
			var err error
			if t, err = startTask(c.Name, launches[c], s.logs); err != nil {
				for _, p := range et.procs {
					p.stop()
				}
				return nil, fmt.Errorf("%s: %w", svc.ID, err)
			}
			started[c] = t
			et.procs = append(et.procs, t)
		}
		et.regs = append(et.regs, registration{target.TargetGroup, t})
	}
	return et, nil
}

// track records a started task: Close stops its processes.
func (s *Stage) track(et *ecsTask) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[et.service] = append(s.running[et.service], et)
}

// untrack forgets a stopped task.
func (s *Stage) untrack(et *ecsTask) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[et.service] = slices.DeleteFunc(s.running[et.service], func(x *ecsTask) bool { return x == et })
	if len(s.running[et.service]) == 0 {
		delete(s.running, et.service)
	}
}

// tasksOf returns the running tasks of a service.
func (s *Stage) tasksOf(svc albemu.ResourceID) []*ecsTask {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.running[svc])
}

// processesLocked is processes with s.mu held.
func (s *Stage) processesLocked() []*task {
	var out []*task
	for _, svc := range slices.SortedFunc(maps.Keys(s.running), albemu.CompareIDs) {
		for _, et := range s.running[svc] {
			out = append(out, et.procs...)
		}
	}
	return out
}
