package deploy

import (
	"context"
	"fmt"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
)

// UnderLoad applies the transition to the cloud assembly in dir to the
// stage s while a probe.Load sends reqs through its front door: it loads
// the assembly (albemu.Load) and runs UnderLoadTo.
func UnderLoad(ctx context.Context, s *runner.Stage, dir string, reqs []corpus.Request, opts Options, lopts probe.LoadOptions) (*Result, probe.LoadReport, error) {
	to, err := albemu.Load(dir)
	if err != nil {
		return nil, probe.LoadReport{}, err
	}
	return UnderLoadTo(ctx, s, to, reqs, opts, lopts)
}

// UnderLoadTo applies the transition to the assembly to to the stage s
// (ApplyTo) while a probe.Load sends reqs through its front door: it
// records the steady state's answers first (probe.Baseline), starts the
// load and lets it send the corpus once, applies the transition, lets the
// end state answer the corpus once more, then stops the load and returns
// its report with the transition's result. A load that ends before that
// (MaxRequests) is an error: it did not cover the transition.
func UnderLoadTo(ctx context.Context, s *runner.Stage, to *albemu.Assembly, reqs []corpus.Request, opts Options, lopts probe.LoadOptions) (*Result, probe.LoadReport, error) {
	door := probe.Door{Name: "stage", URL: s.URL}
	baseline, err := probe.Baseline(ctx, door, reqs)
	if err != nil {
		return nil, probe.LoadReport{}, err
	}
	load, err := probe.StartLoad(ctx, door, reqs, baseline, lopts)
	if err != nil {
		return nil, probe.LoadReport{}, err
	}
	ended := func() error {
		return fmt.Errorf("load: the clients stopped after %d requests (MaxRequests %d), before the end state answered the corpus", load.Sent(), lopts.MaxRequests)
	}
	if !load.WaitSent(len(reqs)) {
		return nil, load.Stop(), ended()
	}
	res, err := ApplyTo(ctx, s, to, opts)
	if err == nil && !load.WaitSent(load.Sent()+len(reqs)) {
		err = ended()
	}
	return res, load.Stop(), err
}
