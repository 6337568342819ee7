package test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner"
)

// previewServedBy sends GET target through door (with the door's headers)
// and returns the service that answered (X-Ecsplit-Service).
func previewServedBy(t *testing.T, door probe.Door, target string) string {
	t.Helper()
	resp, err := probe.Send(context.Background(), door, corpus.Request{Method: "GET", Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("X-Ecsplit-Service")
}

// previewProblems runs the corpus against the monolith and, with the
// preview header as header: users, against users:0; and sends the users
// routes with that header. It returns what does not hold: the same answers
// as the monolith, and every users route served by users.
func previewProblems(t *testing.T, mono, users0 *runner.Stage, header string) []string {
	t.Helper()
	var problems []string
	preview := probe.Door{Name: "users:0 with " + header, URL: users0.URL, Header: http.Header{header: {"users"}}}
	for _, d := range compareDoors(t, probe.Door{Name: "monolith", URL: mono.URL}, preview) {
		problems = append(problems, d.String())
	}
	for _, target := range []string{"/api/users", "/api/users/1", "/api/users/36"} {
		if got := previewServedBy(t, preview, target); got != "users" {
			problems = append(problems, fmt.Sprintf("GET %s with %s: users was served by %q, want users", target, header, got))
		}
	}
	// Without the header, users at 0 % gets none of its paths' requests.
	if got := previewServedBy(t, probe.Door{Name: "users:0", URL: users0.URL}, "/api/users/1"); got != "monolith" {
		problems = append(problems, fmt.Sprintf("GET /api/users/1 without a header: served by %q, want the monolith at users:0", got))
	}
	return problems
}

// TestLocalPreview: through the emulated ALB of users:0, a request with the
// preview header reaches the users service although its share is 0 %,
// and the whole corpus sent with the header gets the monolith's answers
// (the users service answers its paths as the monolith did). With a
// misspelt header the requests are served by the monolith, and the
// preview check reports it (the planted fault), on the same two stages.
func TestLocalPreview(t *testing.T) {
	parallel(t)
	mono := startStage(t, synth(t, monolithFargate).Dir)
	users0 := startStage(t, synth(t, map[string]string{"stage": "users:0", "capacity": "fargate"}).Dir)
	t.Run("preview header", func(t *testing.T) {
		for _, p := range previewProblems(t, mono, users0, migration.DefaultPreviewHeader) {
			t.Error(p)
		}
	})
	t.Run("planted wrong header", func(t *testing.T) {
		problems := strings.Join(previewProblems(t, mono, users0, "X-Ecsplit-Preveiw"), "\n")
		if !strings.Contains(problems, `users was served by "monolith"`) {
			t.Fatalf("a wrong preview header was not caught:\n%s", problems)
		}
		t.Logf("planted fault caught:\n%s", problems)
	})
}
