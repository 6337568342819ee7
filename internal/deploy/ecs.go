package deploy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// createService starts the service's task (none when the service is not
// behind the load balancer or its DesiredCount is 0) and returns once it
// is registered in its target groups: the service is stable.
func (r *run) createService(ctx context.Context, ph phase, st *transition.Step, id albemu.ResourceID) error {
	svc := ph.to.Service(id)
	if svc == nil || svc.DesiredCount == 0 {
		return nil
	}
	return r.startHealthy(ctx, ph, st, svc)
}

// updateService replaces the service's tasks as a rolling ECS deployment
// with a minimum of 100 % and a maximum of 200 % does: the new task first,
// healthy and registered, then the old ones drained and stopped.
func (r *run) updateService(ctx context.Context, ph phase, st *transition.Step, id albemu.ResourceID) error {
	old := r.s.Tasks(id)
	if err := r.createService(ctx, ph, st, id); err != nil {
		return err
	}
	return r.retireAll(ctx, ph, st, old)
}

// startHealthy starts a task of svc after a start delay and registers it
// in its target groups once healthy. A task that does not get healthy in
// time is stopped and replaced, as ECS replaces it; after
// Timing.FailedTasks of them in a row the deployment fails, as the
// deployment circuit breaker fails it.
func (r *run) startHealthy(ctx context.Context, ph phase, st *transition.Step, svc *albemu.Service) error {
	launches, err := r.launches(ctx, ph.to, svc)
	if err != nil {
		return err
	}
	var last error
	for range r.timing.FailedTasks {
		delay := r.delays.start()
		r.event(ph, st, fmt.Sprintf("task placed, starting in %s", delay.Round(time.Millisecond)))
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		et, err := r.s.StartTask(ph.to, svc, launches)
		if err != nil {
			return err
		}
		if last = r.register(ctx, ph, st, svc, et); last == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err() // the task stays: the rollback stops it
		}
		r.event(ph, st, "task unhealthy, ECS stops it: "+firstLine(last.Error()))
		if err := r.retire(ctx, ph, st, et); err != nil {
			return err
		}
	}
	return fmt.Errorf("%d tasks in a row failed their health check, so the deployment circuit breaker failed the deployment; the last: %w", r.timing.FailedTasks, last)
}

// register registers each process of a new task in each of its target
// groups once that group's health check passes on it (the ALB's rule for
// a new target: one passing check), within the time ECS gives a new task
// to get healthy. That time counts from when its processes listen: their
// own start is real, not scaled, and bounded by the stage's StartTimeout.
func (r *run) register(ctx context.Context, ph phase, st *transition.Step, svc *albemu.Service, et *runner.Task) error {
	if err := et.WaitListening(ctx, r.s.StartTimeout()); err != nil {
		return err
	}
	begin := time.Now()
	for _, reg := range et.Registrations() {
		limit := r.timing.unhealthyAfter(svc, reg.TargetGroup) - time.Since(begin)
		if err := reg.PollHealth(ctx, r.timing.pollInterval(reg.TargetGroup), limit); err != nil {
			return err
		}
		r.s.Router.Register(reg.TargetGroup.ID, reg.URL)
		r.event(ph, st, fmt.Sprintf("task healthy, registered in %s", reg.TargetGroup.ID.LogicalID))
	}
	return nil
}

// retireAll retires tasks at the same time.
func (r *run) retireAll(ctx context.Context, ph phase, st *transition.Step, tasks []*runner.Task) error {
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i, et := range tasks {
		wg.Go(func() { errs[i] = r.retire(ctx, ph, st, et) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// retire takes a task out of service as ECS does: it deregisters it from
// its target groups, lets it finish its requests for the longest of their
// deregistration delays (cut short when ctx ends), then sends SIGTERM and
// waits for it to exit.
func (r *run) retire(ctx context.Context, ph phase, st *transition.Step, et *runner.Task) error {
	var drain time.Duration
	for _, reg := range et.Registrations() {
		if r.s.Router.Deregister(reg.TargetGroup.ID, reg.URL) {
			drain = max(drain, r.timing.scale(reg.TargetGroup.DeregistrationDelay))
		}
	}
	if drain > 0 {
		r.event(ph, st, fmt.Sprintf("task deregistered, draining for %s", drain.Round(time.Millisecond)))
		sleep(ctx, drain)
	}
	err := r.s.StopTask(et)
	r.event(ph, st, "task stopped")
	return err
}
