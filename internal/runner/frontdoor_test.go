package runner

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
)

// TestFrontDoorNamesService: an answer the front door forwarded to a task
// names the task's container in ServiceHeader, on a new connection to the
// task and on one the proxy reuses; an answer of the load balancer itself
// (the listener's fixed 404, the 502 of a stopped task) names none.
func TestFrontDoorNamesService(t *testing.T) {
	s, err := Start(context.Background(), "testdata/echo", Options{Services: echoServices("echo", nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func(target string) *probe.Response {
		t.Helper()
		resp, err := probe.Send(context.Background(), probe.Door{URL: s.URL}, corpus.Request{Method: "GET", Target: target})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := range 3 {
		if resp := get("/echo/1"); resp.Status != 200 || resp.Header.Values(ServiceHeader) == nil || resp.Header.Get(ServiceHeader) != "echo" {
			t.Errorf("request %d: GET /echo/1 = %d, %s %q; want 200 and echo", i+1, resp.Status, ServiceHeader, resp.Header.Values(ServiceHeader))
		}
	}
	if resp := get("/other"); resp.Status != 404 || resp.Header.Values(ServiceHeader) != nil {
		t.Errorf("GET /other = %d, %s %q; want the listener's 404 and no %s", resp.Status, ServiceHeader, resp.Header.Values(ServiceHeader), ServiceHeader)
	}
	for _, et := range s.Tasks(albemu.ResourceID{Stack: "Echo", LogicalID: "EchoService"}) {
		if err := s.StopTask(et); err != nil {
			t.Fatal(err)
		}
	}
	if resp := get("/echo/1"); resp.Status != http.StatusBadGateway || resp.Header.Values(ServiceHeader) != nil {
		t.Errorf("after the task stopped: GET /echo/1 = %d, %s %q; want 502 and no %s", resp.Status, ServiceHeader, resp.Header.Values(ServiceHeader), ServiceHeader)
	}
}

// TestCompareIgnoresServiceHeaderByDefault: the header that differs
// between stages by design is among the headers compare ignores unless
// told otherwise.
func TestCompareIgnoresServiceHeaderByDefault(t *testing.T) {
	if !slices.Contains(probe.DefaultIgnoredHeaders, ServiceHeader) {
		t.Errorf("probe.DefaultIgnoredHeaders %q lacks %s", probe.DefaultIgnoredHeaders, ServiceHeader)
	}
}
