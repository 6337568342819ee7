package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	for _, c := range []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{"defaults", nil, Config{Port: "8080", ShutdownTimeout: 10 * time.Second}, ""},
		{"empty is unset", map[string]string{"PORT": "", "SHUTDOWN_TIMEOUT": ""}, Config{Port: "8080", ShutdownTimeout: 10 * time.Second}, ""},
		{"set", map[string]string{"PORT": "9000", "SHUTDOWN_TIMEOUT": "2500ms"}, Config{Port: "9000", ShutdownTimeout: 2500 * time.Millisecond}, ""},
		{"any free port", map[string]string{"PORT": "0"}, Config{Port: "0", ShutdownTimeout: 10 * time.Second}, ""},
		{"loopback only", map[string]string{"HOST": "127.0.0.1"}, Config{Host: "127.0.0.1", Port: "8080", ShutdownTimeout: 10 * time.Second}, ""},
		{"bad host", map[string]string{"HOST": "my host"}, Config{}, `HOST="my host"`},
		{"bad port", map[string]string{"PORT": "http-ish"}, Config{}, `PORT="http-ish"`},
		{"port out of range", map[string]string{"PORT": "70000"}, Config{}, `PORT="70000"`},
		{"bad timeout", map[string]string{"SHUTDOWN_TIMEOUT": "10"}, Config{}, `SHUTDOWN_TIMEOUT="10"`},
		{"negative timeout", map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, Config{}, `SHUTDOWN_TIMEOUT="-1s"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return c.env[k] })
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestLogRequests(t *testing.T) {
	var buf bytes.Buffer
	logs := NewLog(&buf, "")
	logs.interval = time.Hour // only Flush writes: buf is not synchronized
	for _, c := range []struct {
		target string
		status int
		h      http.HandlerFunc
	}{
		{"/teapot?q=1", http.StatusTeapot, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }},
		{"/implicit", http.StatusOK, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "x") }},
		{"/first%20wins", http.StatusNotFound, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.WriteHeader(http.StatusOK) // ignored by net/http too
		}},
	} {
		buf.Reset()
		LogRequests(logs, c.h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("PUT", c.target, nil))
		if buf.Len() != 0 {
			t.Errorf("%s: request line written before Flush: %q", c.target, buf.String())
		}
		if err := logs.Flush(); err != nil {
			t.Fatal(err)
		}
		var line struct {
			Msg, Method, Path string
			Status            int
			Duration          *int64
		}
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil || strings.Count(buf.String(), "\n") != 1 {
			t.Fatalf("%s: want one JSON line, got %q (%v)", c.target, buf.String(), err)
		}
		path, _, _ := strings.Cut(c.target, "?")
		if line.Msg != "request" || line.Method != "PUT" || line.Path != path || line.Status != c.status || line.Duration == nil {
			t.Errorf("%s: logged %s", c.target, buf.String())
		}
	}
}

func TestLimitBody(t *testing.T) {
	h := LimitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}))
	for size, want := range map[int]int{MaxBodyBytes: http.StatusOK, MaxBodyBytes + 1: http.StatusRequestEntityTooLarge} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", size))))
		if rec.Code != want {
			t.Errorf("body of %d bytes: status %d, want %d", size, rec.Code, want)
		}
	}
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runSlow starts Run with a handler that takes delay, waits until it
// listens, and returns its address and Run's result channel.
func runSlow(t *testing.T, ctx context.Context, cfg Config, delay time.Duration) (string, <-chan error) {
	t.Helper()
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(delay)
		io.WriteString(w, "done")
	})
	url, _, done := startRun(t, ctx, cfg, slow)
	return url, done
}

// startRun starts Run with handler h, waits until it listens, and returns
// its URL, its log and Run's result channel.
func startRun(t *testing.T, ctx context.Context, cfg Config, h http.Handler) (string, *syncBuffer, <-chan error) {
	t.Helper()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, NewLog(logs, "test"), h) }()
	for range 100 {
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				_, port, _ := net.SplitHostPort(l.Addr)
				return "http://127.0.0.1:" + port, logs, done
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no listening line: %s", logs)
	return "", nil, nil
}

// TestRunDrainsInFlightRequest cancels Run while a slow request is in its
// handler: the request must complete and Run must return nil.
func TestRunDrainsInFlightRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	url, done := runSlow(t, ctx, Config{Port: "0", ShutdownTimeout: 5 * time.Second}, 500*time.Millisecond)
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- resp.Status + " " + string(b)
	}()
	time.Sleep(100 * time.Millisecond) // the request is in the handler
	cancel()
	if g := <-got; g != "200 OK done" {
		t.Errorf("in-flight request got %q, want 200 OK done", g)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

// TestRunDrainTimeout checks that Run gives up on a request that outlasts
// the shutdown timeout and reports it, so the process exits non-zero.
func TestRunDrainTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	url, done := runSlow(t, ctx, Config{Port: "0", ShutdownTimeout: 100 * time.Millisecond}, 2*time.Second)
	go http.Get(url) //nolint:errcheck // its connection is cut on purpose
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "drain") {
		t.Errorf("Run: %v, want a drain error", err)
	}
}

func TestRunPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	err = Run(context.Background(), Config{Port: port, ShutdownTimeout: time.Second}, NewLog(io.Discard, "test"), http.NotFoundHandler())
	if err == nil {
		t.Error("Run on a port in use returned nil")
	}
}

// notFound is a handler that allocates nothing, so that the benchmarks
// measure the middleware alone.
var notFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })

// discardWriter is a ResponseWriter that keeps nothing, for the same reason.
type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header       { return w.h }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}

// BenchmarkLogRequests measures what the middleware adds to a request: a
// request line of the monolith, written to io.Discard (in 32 KiB writes).
func BenchmarkLogRequests(b *testing.B) {
	h := LogRequests(NewLog(io.Discard, "monolith"), LimitBody(notFound))
	req := httptest.NewRequest("GET", "/api/users/7", nil)
	w := discardWriter{http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkLogRequestsDevNull is BenchmarkLogRequests with the lines
// written to /dev/null, as the load test does: the cost of the write
// syscalls shows, spread over the lines of a buffer.
func BenchmarkLogRequestsDevNull(b *testing.B) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	h := LogRequests(NewLog(null, "monolith"), LimitBody(notFound))
	req := httptest.NewRequest("GET", "/api/users/7", nil)
	w := discardWriter{http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkLogRequestsParallel is BenchmarkLogRequests from every P at
// once: the requests share the Log's buffer and its lock.
func BenchmarkLogRequestsParallel(b *testing.B) {
	h := LogRequests(NewLog(io.Discard, "monolith"), LimitBody(notFound))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "/api/users/7", nil)
		w := discardWriter{http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}
