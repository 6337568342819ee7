package deploy

import (
	"context"
	"slices"
	"sync"

	"github.com/ecsplit/ecsplit/internal/transition"
)

// runSteps carries out steps the way CloudFormation works through a
// stack's resources: each step starts as soon as every step in its After
// list is done, so independent steps run at the same time. On the first
// failure it starts no further step and cancels the context of the steps
// under way, then waits for them. It returns the ids of the steps it
// started (the failed one and those cancelled included), sorted, and the
// first failure, a *StepError; or ctx's error when ctx ended first. Steps
// that could never all start (transition.Order fails: a cycle, or a wait
// for a step that is not there) are refused with Order's error before any
// starts.
func runSteps(ctx context.Context, steps map[string]*transition.Step, do func(context.Context, *transition.Step) error) ([]string, error) {
	if _, err := transition.Order(steps); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := map[string]chan struct{}{}
	for id := range steps {
		done[id] = make(chan struct{})
	}
	var (
		mu      sync.Mutex
		started []string
		first   error
	)
	var wg sync.WaitGroup
	for _, st := range steps {
		wg.Go(func() {
			for _, a := range st.After {
				select {
				case <-done[a]:
				case <-ctx.Done():
					return
				}
			}
			mu.Lock()
			if ctx.Err() != nil {
				mu.Unlock()
				return
			}
			started = append(started, st.ID)
			mu.Unlock()
			if err := do(ctx, st); err != nil {
				mu.Lock()
				if first == nil && ctx.Err() == nil {
					first = &StepError{Step: *st, Err: err}
					cancel()
				}
				mu.Unlock()
				return
			}
			close(done[st.ID])
		})
	}
	wg.Wait()
	slices.Sort(started)
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return started, first
}
