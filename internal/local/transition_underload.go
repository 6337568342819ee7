package local

import (
	"context"
	"fmt"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// TransitionUnderLoad applies a transition to the stage (Transition) while
// a Load sends reqs through its front door: it records the steady state's
// answers first (Baseline), starts the load and lets it send the corpus
// once, applies the transition, lets the end state answer the corpus once
// more, then stops the load and returns its report with the transition's
// result. A load that ends before that (MaxRequests) is an error: it did
// not cover the transition.
func (s *Stage) TransitionUnderLoad(ctx context.Context, dir string, reqs []corpus.Request, opts TransitionOptions, lopts LoadOptions) (*TransitionResult, LoadReport, error) {
	door := Door{Name: "stage", URL: s.URL}
	baseline, err := Baseline(ctx, door, reqs)
	if err != nil {
		return nil, LoadReport{}, err
	}
	load, err := StartLoad(ctx, door, reqs, baseline, lopts)
	if err != nil {
		return nil, LoadReport{}, err
	}
	ended := func() error {
		return fmt.Errorf("load: the clients stopped after %d requests (MaxRequests %d), before the end state answered the corpus", load.Sent(), lopts.MaxRequests)
	}
	if !load.WaitSent(len(reqs)) {
		return nil, load.Stop(), ended()
	}
	res, err := s.Transition(ctx, dir, opts)
	if err == nil && !load.WaitSent(load.Sent()+len(reqs)) {
		err = ended()
	}
	return res, load.Stop(), err
}
