package runner

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

func TestMain(m *testing.M) { runnertest.Main(m) }

// echoServices runs testdata/echo's container as this test binary.
func echoServices(mode string, env map[string]string) Services {
	argv, e := runnertest.Command(mode, env)
	return Services{"echo": {Command: argv, Dir: ".", Env: e}}
}

// TestStartByCommand: a container started by its command gets the task
// definition's environment, then the services file's, then PORT and HOST;
// the front door routes to it by the template's rule; it stops cleanly.
func TestStartByCommand(t *testing.T) {
	for _, mode := range []string{"echo", "dies-on-term"} {
		s, err := Start(context.Background(), "testdata/echo", Options{
			Services: echoServices(mode, map[string]string{"EXTRA": "x", "GREETING": "hi"}),
		})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := probe.Send(context.Background(), probe.Door{URL: s.URL}, corpus.Request{Method: "GET", Target: "/echo/1"})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("hi %s host=127.0.0.1 region=local extra=x path=/echo/1", mode)
		if resp.Status != 200 || string(resp.Body) != want {
			t.Errorf("%s: GET /echo/1 = %d %q, want 200 %q", mode, resp.Status, resp.Body, want)
		}
		if resp, _ := probe.Send(context.Background(), probe.Door{URL: s.URL}, corpus.Request{Method: "GET", Target: "/other"}); resp.Status != 404 || string(resp.Body) != "no route" {
			t.Errorf("%s: GET /other = %d %q, want the listener's 404", mode, resp.Status, resp.Body)
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: Close: %v", mode, err)
		}
	}
}

// lineWaiter is a log destination that closes seen once a line holding
// want has been written.
type lineWaiter struct {
	want string
	seen chan struct{}
	once sync.Once
}

func (w *lineWaiter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// TestCloseCutsClientsMidRequest closes a stage while a client is in the
// middle of a request to its front door: its body still arriving (the
// request has reached the service), or its headers. Close must give the
// request a bounded time, then close its connection, and return nil.
func TestCloseCutsClientsMidRequest(t *testing.T) {
	for _, tt := range []struct {
		name string
		send string
	}{
		{"body arriving", "POST /echo/upload HTTP/1.1\r\nHost: door\r\nContent-Length: 1000\r\n\r\nsome of it"},
		{"headers arriving", "GET /echo/1 HTTP/1.1\r\nHost: do"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reached := &lineWaiter{want: "test service: POST /echo/upload", seen: make(chan struct{})}
			s, err := Start(context.Background(), "testdata/echo", Options{Services: echoServices("echo", nil), Log: reached})
			if err != nil {
				t.Fatal(err)
			}
			conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
			if err != nil {
				s.Close()
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.send); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tt.send, "POST") {
				select {
				case <-reached.seen:
				case <-time.After(10 * time.Second):
					t.Fatal("the request did not reach the service within 10 s")
				}
			} else if _, err := probe.Send(context.Background(), probe.Door{URL: s.URL}, corpus.Request{Method: "GET", Target: "/echo/later"}); err != nil {
				// The front door accepts connections in order: once a
				// later one is answered, the first is accepted too.
				t.Fatal(err)
			}

			start := time.Now()
			err = s.Close()
			took := time.Since(start)
			if err != nil {
				t.Errorf("Close: %v, want nil", err)
			}
			if limit := FrontDoorGrace + 5*time.Second; took > limit {
				t.Errorf("Close took %v, want at most %v", took, limit)
			}
		})
	}
}

// TestStartFailures: a stage that cannot start says which container and
// why.
func TestStartFailures(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no command, no asset", Options{}, `container "echo" runs image registry.example.com/echo:1, not an image asset of the assembly, so the runner cannot build it: say how to run container "echo" in a services file`},
		{"unhealthy", Options{Services: echoServices("unhealthy", nil), StartTimeout: 300 * time.Millisecond}, "container echo: health check http://127.0.0.1:"},
		{"exits at once", Options{Services: Services{"echo": {Command: []string{"false"}, Dir: "."}}}, "container echo exited before its health check passed: exit status 1"},
		{"no such program", Options{Services: Services{"echo": {Command: []string{"./no-such-program"}, Dir: "."}}}, `container echo: start ["./no-such-program"]`},
	}
	for _, tt := range tests {
		s, err := Start(context.Background(), "testdata/echo", tt.opts)
		if err == nil {
			s.Close()
			t.Errorf("%s: Start succeeded", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Start error %v\nwant one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestCodeMatches(t *testing.T) {
	tests := []struct {
		codes  string
		status int
		want   bool
	}{
		{"200", 200, true},
		{"200", 204, false},
		{"200,204", 204, true},
		{"200-299", 250, true},
		{"200-299", 300, false},
		{"x", 200, false},
	}
	for _, tt := range tests {
		if got := codeMatches(tt.codes, tt.status); got != tt.want {
			t.Errorf("codeMatches(%q, %d) = %v, want %v", tt.codes, tt.status, got, tt.want)
		}
	}
}
