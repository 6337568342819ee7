package awsemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// golden is a synthesis of the example app with users at 100 % and
// threads at 10 %: its listener has a weighted rule (threads 10, monolith
// 90) and its services stack the alarms ecsplit makes for each service.
const golden = "../../test/testdata/golden/users-100-threads-10.fargate"

// loadGolden loads the golden synthesis as a cloud assembly: its two
// templates and a manifest that lists them.
func loadGolden(t *testing.T) *albemu.Assembly {
	t.Helper()
	dir := t.TempDir()
	artifacts := map[string]any{}
	for _, stack := range []string{"EcsplitPlatform", "EcsplitServices"} {
		b, err := os.ReadFile(filepath.Join(golden, stack+".template.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, stack+".template.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		artifacts[stack] = map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": stack + ".template.json"}}
	}
	writeJSON(t, filepath.Join(dir, "manifest.json"), map[string]any{"artifacts": artifacts})
	asm, err := albemu.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return asm
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// target is a backend that answers with its name in X-Target and the
// status it is set to (200 at first).
type target struct {
	URL    *url.URL
	status atomic.Int64
}

func newTarget(t *testing.T, name string) *target {
	t.Helper()
	tg := &target{}
	tg.status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Target", name)
		w.WriteHeader(int(tg.status.Load()))
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	tg.URL, _ = url.Parse(srv.URL)
	return tg
}

// clock is a time that a test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// stage is a router serving an assembly, an emulator of its APIs, and SDK
// clients of the emulator.
type stage struct {
	asm   *albemu.Assembly
	rt    *albemu.Router
	door  *httptest.Server // the router
	srv   *Server
	elb   *elbv2.Client
	cw    *cloudwatch.Client
	clock *clock
}

// newStage serves asm with targets, and its APIs with time compressed
// 60 times on a clock the test moves.
func newStage(t *testing.T, asm *albemu.Assembly, targets map[albemu.ResourceID][]*url.URL) *stage {
	t.Helper()
	s := &stage{asm: asm, clock: newClock()}
	s.rt = albemu.NewRouter(asm.Listener, targets, 1)
	s.srv = New(asm, s.rt, Options{Scale: 1.0 / 60, Now: s.clock.Now})
	s.rt.SetObserver(s.srv.Observe)
	s.door = httptest.NewServer(s.rt)
	t.Cleanup(s.door.Close)
	api := httptest.NewServer(s.srv.Handler())
	t.Cleanup(api.Close)
	cfg := Config(api.URL)
	s.elb = elbv2.NewFromConfig(cfg)
	s.cw = cloudwatch.NewFromConfig(cfg)
	return s
}

// get sends n requests to path through the router and counts the targets
// that answered, by their X-Target ("" for the router's own answers).
func (s *stage) get(t *testing.T, path string, n int) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for range n {
		resp, err := http.Get(s.door.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		counts[resp.Header.Get("X-Target")]++
	}
	return counts
}

// id returns the id of the resource of the services stack whose logical
// id begins with prefix.
func (s *stage) id(t *testing.T, prefix string) albemu.ResourceID {
	t.Helper()
	for logical := range s.asm.Templates.Stacks["EcsplitServices"].Resources {
		if len(logical) >= len(prefix) && logical[:len(prefix)] == prefix {
			return albemu.ResourceID{Stack: "EcsplitServices", LogicalID: logical}
		}
	}
	t.Fatalf("no resource %s* in EcsplitServices", prefix)
	return albemu.ResourceID{}
}
