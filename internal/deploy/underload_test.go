package deploy

import (
	"context"
	"testing"

	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

// TestUnderLoadCoversTheTransition: a load that stops before
// the end state has answered the corpus did not cover the transition: an
// error, not a report of zero unexpected answers.
func TestUnderLoadCoversTheTransition(t *testing.T) {
	dir := runnertest.NewApp(runnertest.EchoV1).Write(t)
	s, err := runner.Start(context.Background(), dir, runner.Options{Services: appServices(map[string]string{"echo": "echo"})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, _, err = UnderLoad(context.Background(), s, dir, runnertest.Corpus, Options{Timing: testTiming}, probe.LoadOptions{MaxRequests: len(runnertest.Corpus) + 1})
	if want := "load: the clients stopped after 5 requests (MaxRequests 5), before the end state answered the corpus"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
