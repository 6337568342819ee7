package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMainHelper is not a test: the tests below run the test binary again
// with ECSPLIT_MAIN_HELPER=1 to run Main in a process of its own. Given a
// "sleep" duration in the query, the handler sends the headers, then
// sleeps for it before it sends the body; without one, it answers at once.
func TestMainHelper(t *testing.T) {
	if os.Getenv("ECSPLIT_MAIN_HELPER") != "1" {
		t.Skip("the process that the Main tests run")
	}
	Main("helper", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			w.WriteHeader(http.StatusOK)
			http.NewResponseController(w).Flush() //nolint:errcheck // the client just waits longer
			time.Sleep(d)
		}
		io.WriteString(w, "done")
	}))
}

// helperProcess is Main running in the test binary (see TestMainHelper).
type helperProcess struct {
	cmd *exec.Cmd
	url string
	// msgs has the message of each log line as it is written, with the
	// path of a request line: "request /late".
	msgs chan string
	// lines has every line written, once stdout closes.
	lines chan []string
}

// startHelper runs Main in the test binary with env added to its
// environment and waits until it listens.
func startHelper(t *testing.T, env ...string) *helperProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainHelper$")
	cmd.Env = append(append(os.Environ(), "ECSPLIT_MAIN_HELPER=1", "HOST=127.0.0.1", "PORT=0"), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	p := &helperProcess{cmd: cmd, msgs: make(chan string, 100), lines: make(chan []string, 1)}
	addr := make(chan string, 1)
	go func() {
		var all []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			all = append(all, sc.Text())
			var l struct{ Msg, Addr, Path string }
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue // the test binary's own lines are not JSON
			}
			if l.Msg == "listening" {
				addr <- l.Addr
			}
			select {
			case p.msgs <- strings.TrimSpace(l.Msg + " " + l.Path):
			default: // nobody waits for so many lines
			}
		}
		p.lines <- all
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-time.After(10 * time.Second):
		t.Fatal("no listening line within 10 s")
	}
	return p
}

// await reads p's log messages until msg comes, or fails the test after
// 10 s.
func (p *helperProcess) await(t *testing.T, msg string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-p.msgs:
			if m == msg {
				return
			}
		case <-timeout:
			t.Fatalf("no %q line within 10 s", msg)
		}
	}
}

// logged returns p's log messages with the path of each request line, once
// the process has closed its stdout, and all its lines.
func (p *helperProcess) logged() ([]string, []string) {
	all := <-p.lines
	var msgs []string
	for _, line := range all {
		var l struct{ Msg, Path string }
		if json.Unmarshal([]byte(line), &l) == nil {
			msgs = append(msgs, l.Msg+" "+l.Path)
		}
	}
	return msgs, all
}

// TestSecondSignalWritesLog sends SIGTERM to Main while two requests are in
// their handler, and a second SIGTERM as soon as one of them is answered,
// when its log line is in the buffer: the process must die of the second
// signal at once, as before, but only after it wrote that line.
func TestSecondSignalWritesLog(t *testing.T) {
	p := startHelper(t, "SHUTDOWN_TIMEOUT=1m")
	// get sends a request and returns once its handler runs.
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := http.Get(p.url + path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for range 3 {
		io.Copy(io.Discard, get("/fast").Body)
	}
	get("/held?sleep=1h") // keeps the drain going
	late := get("/late?sleep=500ms")

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.await(t, "shutting down")
	if b, err := io.ReadAll(late.Body); err != nil || string(b) != "done" {
		t.Fatalf("/late: %q, %v", b, err)
	}
	// The line of /late is now buffered, for up to FlushInterval (100 ms).
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	msgs, all := p.logged() // before Wait, which closes stdout
	var exit *exec.ExitError
	if err := p.cmd.Wait(); !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("exit: %v, want killed by SIGTERM", err)
	}
	want := []string{"listening ", "request /fast", "request /fast", "request /fast", "shutting down ", "request /late"}
	if !slices.Equal(msgs, want) {
		t.Errorf("logged %q, want %q; output:\n%s", msgs, want, all)
	}
}

// TestSlowUploadExitsZero sends SIGTERM to Main while a request's body is
// still arriving, after its handler has answered without reading it (as
// the forum's handlers do; net/http reads the rest of the body before it
// sends the answer). The read timeout (10 s) is longer than the shutdown
// timeout: unless the drain cuts the read off, the process exits 1. It
// must send the answer, log the request and exit 0.
func TestSlowUploadExitsZero(t *testing.T) {
	p := startHelper(t, "SHUTDOWN_TIMEOUT=5s")
	conn := sendPart(t, p.url, "/upload", 1000, 10)
	p.await(t, "request /upload") // the handler has returned

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	msgs, all := p.logged()
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("exit: %v, want status 0", err)
	}
	want := []string{"listening ", "request /upload", "shutting down ", "stopped "}
	if !slices.Equal(msgs, want) {
		t.Errorf("logged %q, want %q; output:\n%s", msgs, want, all)
	}
	if status, body := readAnswer(t, conn); status != http.StatusOK || body != "done" {
		t.Errorf("got %d %q, want the handler's 200", status, body)
	}
}
