package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/transition"
)

// plan builds steps from "ID:AFTER,AFTER" specs.
func plan(specs ...string) map[string]*transition.Step {
	steps := map[string]*transition.Step{}
	for _, s := range specs {
		id, after, _ := strings.Cut(s, ":")
		st := &transition.Step{ID: id, Type: "T", Change: transition.Create}
		if after != "" {
			st.After = strings.Split(after, ",")
		}
		steps[id] = st
	}
	return steps
}

// TestRunStepsOrder: no step starts before every step it waits for has
// ended.
func TestRunStepsOrder(t *testing.T) {
	steps := plan("a:", "b:a", "c:a", "d:b,c", "e:", "f:e,d")
	var mu sync.Mutex
	var log []string
	started, err := runSteps(context.Background(), steps, func(_ context.Context, st *transition.Step) error {
		mu.Lock()
		log = append(log, "start "+st.ID)
		mu.Unlock()
		mu.Lock()
		log = append(log, "end "+st.ID)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c", "d", "e", "f"}; !slices.Equal(started, want) {
		t.Errorf("started %v, want %v", started, want)
	}
	for _, st := range steps {
		for _, a := range st.After {
			if slices.Index(log, "end "+a) > slices.Index(log, "start "+st.ID) {
				t.Errorf("%s started before %s ended: %v", st.ID, a, log)
			}
		}
	}
}

// TestRunStepsConcurrently: independent steps run at the same time, as
// CloudFormation works on independent resources: b only ends once c has
// started, which one-by-one execution would never let happen.
func TestRunStepsConcurrently(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a guard against a hang, not a measure
	defer cancel()
	cStarted := make(chan struct{})
	_, err := runSteps(ctx, plan("a:", "b:a", "c:a"), func(ctx context.Context, st *transition.Step) error {
		switch st.ID {
		case "b":
			select {
			case <-cStarted:
			case <-ctx.Done():
				return errors.New("c never started while b ran")
			}
		case "c":
			close(cStarted)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunStepsFailure: the first failure stops the plan: steps that wait
// for it never start, steps under way are cancelled (and reported as
// started), steps after those never start; the error names the step.
func TestRunStepsFailure(t *testing.T) {
	slowStarted := make(chan struct{})
	var cancelled bool
	started, err := runSteps(context.Background(), plan("fails:", "after:fails", "slow:", "afterSlow:slow"), func(ctx context.Context, st *transition.Step) error {
		switch st.ID {
		case "fails":
			<-slowStarted
			return errors.New("boom")
		case "slow":
			close(slowStarted)
			<-ctx.Done()
			cancelled = true
			return ctx.Err()
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "fails (T) create: boom") {
		t.Errorf("error %v, want it to name the failed step", err)
	}
	if want := []string{"fails", "slow"}; !slices.Equal(started, want) {
		t.Errorf("started %v, want %v", started, want)
	}
	if !cancelled {
		t.Error("the step under way was not cancelled")
	}
}

// TestRunStepsRefusesBadPlans: a cycle or a wait for a missing step would
// hang; runSteps refuses them before starting anything.
func TestRunStepsRefusesBadPlans(t *testing.T) {
	tests := []struct {
		steps map[string]*transition.Step
		want  string
	}{
		{plan("a:b", "b:a", "c:"), "steps [a b] wait for each other in a cycle"},
		{plan("a:ghost"), "step a waits for ghost, which is not a step of the plan"},
	}
	for _, tt := range tests {
		ran := false
		_, err := runSteps(context.Background(), tt.steps, func(context.Context, *transition.Step) error { ran = true; return nil })
		if err == nil || err.Error() != tt.want {
			t.Errorf("error %v, want %q", err, tt.want)
		}
		if ran {
			t.Errorf("%s: a step ran", tt.want)
		}
	}
}
