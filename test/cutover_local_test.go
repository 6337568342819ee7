package test

import (
	"context"
	"math"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
)

// TestCutoverEquivalence runs the corpus through the front doors of the
// whole migration, monolith to split, and requires every state to answer
// every request alike: a client cannot tell where its request went.
func TestCutoverEquivalence(t *testing.T) {
	parallel(t)
	ctxs := []map[string]string{monolithFargate}
	for _, st := range cutoverStates {
		ctxs = append(ctxs, map[string]string{"stage": st, "capacity": "fargate"})
	}
	ctxs = append(ctxs, splitFargate)
	diffs := equivalence(t, ctxs...)
	for _, d := range diffs {
		t.Error(d)
	}
}

// servedBy sends n requests for target through the front door at url and
// counts the services (X-Ecsplit-Service) that answered them.
func servedBy(t *testing.T, client *http.Client, url, target string, n int) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for range n {
		resp, err := client.Get(url + target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", target, resp.StatusCode)
		}
		counts[resp.Header.Get("X-Ecsplit-Service")]++
	}
	return counts
}

// TestCutoverWeightedShare: through the emulated ALB, the share of a
// partially shifted service's requests that reach it is the configured
// weight, within a tolerance, and a fully extracted service gets all of
// its requests.
func TestCutoverWeightedShare(t *testing.T) {
	parallel(t)
	const n = 3000
	s := startStage(t, synth(t, map[string]string{"stage": "users:100,threads:10,posts:50", "capacity": "fargate"}).Dir)
	client := &http.Client{}
	tests := []struct {
		target, service string
		percent         float64
	}{
		{"/api/users/1", "users", 100},
		{"/api/threads/1", "threads", 10},
		{"/api/posts/by-user/1", "posts", 50},
	}
	for _, tt := range tests {
		counts := servedBy(t, client, s.URL, tt.target, n)
		if counts[tt.service]+counts["monolith"] != n {
			t.Errorf("%s: served by %v, want only %s and monolith", tt.target, counts, tt.service)
		}
		got := 100 * float64(counts[tt.service]) / n
		// Three standard deviations of a binomial share over n requests,
		// and at least one point.
		p := tt.percent / 100
		tolerance := math.Max(1, 300*math.Sqrt(p*(1-p)/n))
		if math.Abs(got-tt.percent) > tolerance {
			t.Errorf("%s: %.1f %% reached %s, want %.0f %% ± %.1f (%v)", tt.target, got, tt.service, tt.percent, tolerance, counts)
		}
		t.Logf("%s: %.1f %% to %s (configured %.0f %%): %v", tt.target, got, tt.service, tt.percent, counts)
	}
}

// TestCutoverStickiness: with stickiness, a client that keeps the ALB's
// cookie stays on the side it first reached; without the cookie, requests
// are spread by weight.
func TestCutoverStickiness(t *testing.T) {
	parallel(t)
	s := startStage(t, synth(t, map[string]string{"stage": "users:100,threads:10", "capacity": "fargate", "stickiness": "10m"}).Dir)
	for i := range 5 {
		jar, _ := cookiejar.New(nil)
		counts := servedBy(t, &http.Client{Jar: jar}, s.URL, "/api/threads/1", 50)
		if len(counts) != 1 {
			t.Errorf("client %d with the stickiness cookie was served by %v, want one side", i, counts)
		}
	}
	if counts := servedBy(t, &http.Client{}, s.URL, "/api/threads/1", 500); len(counts) != 2 {
		t.Errorf("clients without cookies were served by %v, want both sides", counts)
	}
}

// TestCutoverSameSeedSameRouting: the emulator's weighted choices are a
// function of its seed, so a failure seen once can be replayed.
func TestCutoverSameSeedSameRouting(t *testing.T) {
	parallel(t)
	dir := synth(t, map[string]string{"stage": "users:50,threads:50,posts:50", "capacity": "fargate"}).Dir
	sequence := func() string {
		s, err := runner.Start(context.Background(), dir, runner.Options{BinDir: sharedBinDir(t), Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var seq []byte
		for range 64 {
			resp, err := probe.Send(context.Background(), probe.Door{URL: s.URL}, corpus.Request{Method: "GET", Target: "/api/users/1"})
			if err != nil {
				t.Fatal(err)
			}
			seq = append(seq, resp.Header.Get("X-Ecsplit-Service")[0])
		}
		return string(seq)
	}
	a, b := sequence(), sequence()
	if a != b {
		t.Errorf("seed 42 routed two runs differently:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "u") || !strings.Contains(a, "m") {
		t.Errorf("a 50/50 rule sent 64 requests to one side: %s", a)
	}
}
