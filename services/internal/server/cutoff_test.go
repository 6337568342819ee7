package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// clientTimeout bounds every read of the raw clients below, so that a
// broken drain fails the test rather than hanging it.
const clientTimeout = 30 * time.Second

// uploadHandler is a handler that reads its request body. It sends its path
// on started when it runs, and, for /hold, waits for release once the body
// is read. It answers 408 when the body cannot be read, 503 when the
// request's context was cancelled, and 200 otherwise.
func uploadHandler(started chan<- string, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- r.URL.Path
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "body cut off: "+err.Error(), http.StatusRequestTimeout)
			return
		}
		if r.URL.Path == "/hold" {
			<-release
		}
		if err := r.Context().Err(); err != nil {
			http.Error(w, "context: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "read %d bytes", len(b))
	})
}

// sendPart opens a connection to the server at rawURL and writes a request
// for path whose Content-Length announces declared bytes of body, of which
// it sends sent.
func sendPart(t *testing.T, rawURL, path string, declared, sent int) net.Conn {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(clientTimeout)) //nolint:errcheck // a fresh connection
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s", path, declared, strings.Repeat("x", sent)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readAnswer reads the response on conn: its status code and body.
func readAnswer(t *testing.T, conn net.Conn) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the body: %v", resp.Status, err)
	}
	return resp.StatusCode, string(b)
}

// receive returns the next value on c, or fails the test after
// clientTimeout.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(clientTimeout):
		t.Fatalf("no %s within %v", what, clientTimeout)
		panic("unreachable")
	}
}

// logged returns the messages of the JSON lines in logs, with the path and
// status of a request line: "request /upload 408".
func logged(logs string) []string {
	var msgs []string
	for line := range strings.Lines(logs) {
		var l struct {
			Msg, Path string
			Status    int
		}
		if json.Unmarshal([]byte(line), &l) != nil {
			continue
		}
		if l.Msg == "request" {
			msgs = append(msgs, fmt.Sprintf("request %s %d", l.Path, l.Status))
		} else {
			msgs = append(msgs, l.Msg)
		}
	}
	return msgs
}

// TestRunCutsSlowBody cancels Run while a handler reads a request body
// that the client has only begun to send. The read timeout (10 s) is longer
// than the shutdown timeout: unless the drain cuts the read off, Run fails.
// The handler must see the read fail, its answer must reach the client and
// be logged, and Run must return nil.
func TestRunCutsSlowBody(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan string, 1)
	url, logs, done := startRun(t, ctx, Config{Host: "127.0.0.1", Port: "0", ShutdownTimeout: 5 * time.Second}, uploadHandler(started, nil))
	conn := sendPart(t, url, "/upload", 1000, 10)
	receive(t, started, "request in the handler")

	cancel()
	if err := receive(t, done, "return of Run"); err != nil {
		t.Errorf("Run: %v, want nil", err)
	}
	status, body := readAnswer(t, conn)
	if status != http.StatusRequestTimeout || !strings.Contains(body, "timeout") {
		t.Errorf("got %d %q, want 408 and the handler's read error", status, body)
	}
	want := "listening,shutting down,request /upload 408,stopped"
	if got := strings.Join(logged(logs.String()), ","); got != want {
		t.Errorf("logged %s, want %s", got, want)
	}
}

// TestRunCutsUnreadBody is TestRunCutsSlowBody with a handler that answers
// without reading the body, as the forum's do: net/http then reads the rest
// of the body before it sends the answer, and the drain must cut that read
// off so that the answer is sent.
func TestRunCutsUnreadBody(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answered := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ignored the body")
		close(answered)
	})
	url, logs, done := startRun(t, ctx, Config{Host: "127.0.0.1", Port: "0", ShutdownTimeout: 5 * time.Second}, h)
	conn := sendPart(t, url, "/upload", 1000, 10)
	receive(t, answered, "answer of the handler")

	cancel()
	if err := receive(t, done, "return of Run"); err != nil {
		t.Errorf("Run: %v, want nil", err)
	}
	if status, body := readAnswer(t, conn); status != http.StatusOK || body != "ignored the body" {
		t.Errorf("got %d %q, want the handler's 200", status, body)
	}
	// The request line may come before or after "shutting down": the
	// handler had answered, but the line is logged once it returns.
	got := logged(logs.String())
	slices.Sort(got[1 : len(got)-1])
	if want := "listening,request /upload 200,shutting down,stopped"; strings.Join(got, ",") != want {
		t.Errorf("logged %s, want %s in some order", strings.Join(got, ","), want)
	}
}

// TestRunKeepsCompleteRequests cancels Run while two requests are in their
// handler: one whose body has arrived whole and one whose body is still
// arriving. Cutting the second off must leave the first alone: its
// handler's context is not cancelled, and its answer is the normal one.
func TestRunKeepsCompleteRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started, release := make(chan string, 2), make(chan struct{})
	var freed sync.Once
	free := func() { freed.Do(func() { close(release) }) }
	defer free() // lets the handler return when the test fails early
	url, logs, done := startRun(t, ctx, Config{Host: "127.0.0.1", Port: "0", ShutdownTimeout: 5 * time.Second}, uploadHandler(started, release))
	whole := sendPart(t, url, "/hold", 10, 10)
	receive(t, started, "request /hold in the handler")
	slow := sendPart(t, url, "/upload", 1000, 10)
	receive(t, started, "request /upload in the handler")

	cancel()
	if status, _ := readAnswer(t, slow); status != http.StatusRequestTimeout {
		t.Errorf("/upload: got %d, want 408", status)
	}
	free() // the cut has been made
	if status, body := readAnswer(t, whole); status != http.StatusOK || body != "read 10 bytes" {
		t.Errorf("/hold: got %d %q, want 200 read 10 bytes", status, body)
	}
	if err := receive(t, done, "return of Run"); err != nil {
		t.Errorf("Run: %v, want nil", err)
	}
	want := "listening,shutting down,request /upload 408,request /hold 200,stopped"
	if got := strings.Join(logged(logs.String()), ","); got != want {
		t.Errorf("logged %s, want %s", got, want)
	}
}

// TestRunDropsHalfSentRequest cancels Run while a client has sent only part
// of its request's headers. net/http never serves a request that arrives
// during a drain, but it waits for such a connection for up to 5 s: longer
// than this shutdown timeout. The drain must close it at once, and Run
// must return nil.
func TestRunDropsHalfSentRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, logs, done := startRun(t, ctx, Config{Host: "127.0.0.1", Port: "0", ShutdownTimeout: 3 * time.Second}, http.NotFoundHandler())
	half, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	half.SetDeadline(time.Now().Add(clientTimeout)) //nolint:errcheck // a fresh connection
	if _, err := io.WriteString(half, "GET /half HTTP/1.1\r\nHost: te"); err != nil {
		t.Fatal(err)
	}
	// The server accepts connections in order: once a later one is
	// answered, the half-sent one is accepted too.
	later := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := later.Get(url + "/later")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	cancel()
	if err := receive(t, done, "return of Run"); err != nil {
		t.Errorf("Run: %v, want nil", err)
	}
	if b, err := io.ReadAll(half); err != nil || len(b) != 0 {
		t.Errorf("half-sent request: read %q, %v; want the connection closed without an answer", b, err)
	}
	want := "listening,request /later 404,shutting down,stopped"
	if got := strings.Join(logged(logs.String()), ","); got != want {
		t.Errorf("logged %s, want %s", got, want)
	}
}
