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
	"syscall"
	"testing"
	"time"
)

// TestMainHelper is not a test: TestSecondSignalWritesLog runs the test
// binary again with ECSPLIT_MAIN_HELPER=1 to run Main in a process of its
// own. The handler sends the headers, then sleeps for the query's "sleep"
// duration before it sends the body.
func TestMainHelper(t *testing.T) {
	if os.Getenv("ECSPLIT_MAIN_HELPER") != "1" {
		t.Skip("the process that TestSecondSignalWritesLog runs")
	}
	Main("helper", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := time.ParseDuration(r.URL.Query().Get("sleep"))
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush() //nolint:errcheck // the client just waits longer
		time.Sleep(d)
		io.WriteString(w, "done")
	}))
}

// TestSecondSignalWritesLog sends SIGTERM to Main while two requests are in
// their handler, and a second SIGTERM as soon as one of them is answered,
// when its log line is in the buffer: the process must die of the second
// signal at once, as before, but only after it wrote that line.
func TestSecondSignalWritesLog(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainHelper$")
	cmd.Env = append(os.Environ(), "ECSPLIT_MAIN_HELPER=1", "HOST=127.0.0.1", "PORT=0", "SHUTDOWN_TIMEOUT=1m")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	var (
		addr         = make(chan string, 1)
		shuttingDown = make(chan struct{})
		lines        = make(chan []string, 1)
	)
	go func() {
		var all []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			all = append(all, sc.Text())
			var l struct{ Msg, Addr string }
			json.Unmarshal(sc.Bytes(), &l) //nolint:errcheck // the test binary's own lines are not JSON
			switch l.Msg {
			case "listening":
				addr <- l.Addr
			case "shutting down":
				close(shuttingDown)
			}
		}
		lines <- all
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a
	case <-time.After(10 * time.Second):
		t.Fatal("no listening line within 10 s")
	}
	// get sends a request and returns once its handler runs.
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := http.Get(url + path)
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

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-shuttingDown:
	case <-time.After(10 * time.Second):
		t.Fatal("no shutting down line within 10 s")
	}
	if b, err := io.ReadAll(late.Body); err != nil || string(b) != "done" {
		t.Fatalf("/late: %q, %v", b, err)
	}
	// The line of /late is now buffered, for up to FlushInterval (100 ms).
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	all := <-lines // before Wait, which closes stdout
	var exit *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("exit: %v, want killed by SIGTERM", err)
	}
	var msgs []string
	for _, line := range all {
		var l struct{ Msg, Path string }
		if json.Unmarshal([]byte(line), &l) == nil {
			msgs = append(msgs, l.Msg+" "+l.Path)
		}
	}
	want := []string{"listening ", "request /fast", "request /fast", "request /fast", "shutting down ", "request /late"}
	if !slices.Equal(msgs, want) {
		t.Errorf("logged %q, want %q; output:\n%s", msgs, want, all)
	}
}
