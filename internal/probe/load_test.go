package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// TestClassify: only a failed request or a status that is neither 2xx
// nor 4xx and not the steady state's is unexpected.
func TestClassify(t *testing.T) {
	r := corpus.Request{Method: "GET", Target: "/x", Line: 3}
	tests := []struct {
		baseline int
		status   int
		err      error
		want     bool
	}{
		{200, 200, nil, false},
		{200, 404, nil, false}, // a 4xx is an answer (the equivalence tests compare statuses)
		{404, 200, nil, false},
		{200, 503, nil, true},
		{200, 502, nil, true},
		{404, 500, nil, true},
		{501, 501, nil, false}, // the steady state's own 5xx
		{501, 503, nil, true},
		{200, 301, nil, true},
		{200, 0, errors.New("connection refused"), true},
	}
	for _, tt := range tests {
		var resp *Response
		if tt.err == nil {
			resp = &Response{Status: tt.status}
		}
		u, bad := classify(r, tt.baseline, resp, tt.err)
		if bad != tt.want || u.Status != tt.status || u.Baseline != tt.baseline {
			t.Errorf("steady %d, got %d (%v): unexpected=%v %+v, want %v", tt.baseline, tt.status, tt.err, bad, u, tt.want)
		}
	}
}

// TestLoad: a door that answers 503 to one request of the corpus of four:
// one client going round it counts a quarter of its answers unexpected,
// those and only those, and stops at MaxRequests. Baseline records each
// request's status.
func TestLoad(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	reqs := []corpus.Request{{Method: "GET", Target: "/ok", Line: 1}, {Method: "GET", Target: "/down", Line: 2}, {Method: "GET", Target: "/missing", Line: 3}, {Method: "GET", Target: "/ok2", Line: 4}}
	door := Door{Name: "test", URL: srv.URL}
	steady := []int{200, 200, 404, 200} // as if /down answered 200 before
	l, err := StartLoad(context.Background(), door, reqs, steady, LoadOptions{Clients: 1, MaxRequests: 400, Examples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !l.WaitSent(400) {
		t.Fatalf("the load ended after %d requests", l.Sent())
	}
	rep := l.Stop()
	if rep.Sent != 400 || rep.Unexpected != 100 || rep.ByStatus[503] != 100 || len(rep.Examples) != 3 {
		t.Fatalf("%s, %d examples: want 400 requests, 100 unexpected 503s, 3 examples", rep, len(rep.Examples))
	}
	if got := rep.Examples[0].String(); !strings.Contains(got, "GET /down (corpus line 2): 503, steady state 200") {
		t.Errorf("example %q", got)
	}
	if got := rep.String(); got != "400 requests, 100 unexpected answers (503: 100)" {
		t.Errorf("report %q", got)
	}
	base, err := Baseline(context.Background(), door, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if base[1] != 503 || base[2] != 404 {
		t.Errorf("baseline %v, want each request's status", base)
	}
}
