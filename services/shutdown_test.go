package services_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/services/forum"
)

// process is a running service binary and the JSON lines it logged.
type process struct {
	cmd   *exec.Cmd
	addr  string        // host:port it listens on
	lines chan []string // all its log lines, once stdout closes
	exit  chan error    // the result of Wait
}

// start runs the built service with PORT=0 and waits for its "listening" line.
func start(t *testing.T, name string, env ...string) *process {
	t.Helper()
	cmd := exec.Command(binary(t, name))
	cmd.Env = append([]string{"PORT=0"}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan []string, 1), exit: make(chan error, 1)}
	t.Cleanup(func() { cmd.Process.Kill() })
	addr := make(chan string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			var l struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
			}
		}
		p.lines <- lines
		p.exit <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		_, port, _ := net.SplitHostPort(a)
		p.addr = net.JoinHostPort("127.0.0.1", port)
	case <-time.After(10 * time.Second):
		t.Fatal("no listening line within 10 s")
	}
	return p
}

// TestSIGTERMLosesNoRequest loads the monolith with concurrent keep-alive
// clients, sends SIGTERM, and checks that every request got a complete,
// correct response unless its connection was refused (the listener had
// closed, so it never started), that the process exits 0 in time, and that
// every answered request is in the log exactly once. That a slow in-flight
// request is drained is tested in internal/server.
func TestSIGTERMLosesNoRequest(t *testing.T) {
	// "%d" targets get a new number in each request, so that each of those
	// requests has a log line of its own.
	targets := []string{"/api/users", "/api/users/7", "/api/threads/3", "/api/nope/%d", "/api/posts", "/api/posts/in-thread/2", "/api/users/%d"}
	inProcess := forum.NewHandler("monolith", forum.Users(), forum.Threads(), forum.Posts())

	p := start(t, "monolith")
	const clients = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var (
		answered, refused atomic.Int64
		seq               atomic.Int64 // numbers the "%d" targets
		failures          = make(chan string, clients)
		answeredPaths     = make([]map[string]int, clients) // per client: answered requests by path
		wg                sync.WaitGroup
	)
	for c := range clients {
		answeredPaths[c] = make(map[string]int)
		wg.Go(func() {
			for i := c; ; i++ {
				target := targets[i%len(targets)]
				path := target
				if strings.Contains(target, "%d") {
					// Numbers from 10^18 up: as user ids, 404s that name them.
					path = strings.ReplaceAll(target, "%d", strconv.FormatInt(1e18+seq.Add(1), 10))
				}
				resp, err := client.Get("http://" + p.addr + path)
				if errors.Is(err, syscall.ECONNREFUSED) {
					refused.Add(1) // the listener is closed: never started
					return
				}
				if err != nil {
					failures <- "GET " + path + ": " + err.Error()
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := httptest.NewRecorder()
				inProcess.ServeHTTP(want, httptest.NewRequest("GET", path, nil))
				if err != nil || resp.StatusCode != want.Code || string(body) != want.Body.String() ||
					resp.Header.Get("Content-Type") != "application/json" {
					failures <- "GET " + path + ": incomplete or wrong response " + resp.Status + " " + string(body)
					return
				}
				answered.Add(1)
				answeredPaths[c][path]++
			}
		})
	}

	time.Sleep(time.Second) // steady load
	before := answered.Load()
	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	lines := <-p.lines
	select {
	case err := <-p.exit:
		if err != nil {
			t.Errorf("exit: %v, want status 0", err)
		}
	case <-time.After(forumShutdownLimit):
		t.Fatalf("still running %v after SIGTERM", forumShutdownLimit)
	}
	t.Logf("%d responses (%d before SIGTERM, %d with a path of their own), %d clients refused after the listener closed, exit %v after SIGTERM",
		answered.Load(), before, seq.Load(), refused.Load(), time.Since(sent).Round(time.Millisecond))
	if before < 100 {
		t.Errorf("only %d requests before SIGTERM: not a steady load", before)
	}

	// Every answered request is logged exactly once: the request lines and
	// the answered requests are the same multiset of paths.
	requests := 0
	logged := make(map[string]int)
	for _, l := range lines {
		var rec struct {
			Msg, Method, Path string
			Status            int
			Duration          *int64
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", l)
		}
		if rec.Msg == "request" {
			requests++
			logged[rec.Path]++
			if rec.Method != "GET" || !strings.HasPrefix(rec.Path, "/") || rec.Status == 0 || rec.Duration == nil {
				t.Errorf("request log line lacks a field: %s", l)
			}
		}
	}
	if want := int(answered.Load()); requests != want {
		t.Errorf("%d request log lines, want %d", requests, want)
	}
	for _, m := range answeredPaths[1:] {
		for path, n := range m {
			answeredPaths[0][path] += n
		}
	}
	for path, n := range answeredPaths[0] {
		if logged[path] != n {
			t.Errorf("%s: %d requests answered, %d logged", path, n, logged[path])
		}
	}
	for path, n := range logged {
		if _, ok := answeredPaths[0][path]; !ok {
			t.Errorf("%s: logged %d times, never answered", path, n)
		}
	}
}

// forumShutdownLimit is how long the test lets the process take to exit:
// the default SHUTDOWN_TIMEOUT, itself below the ECS stop timeout.
const forumShutdownLimit = 10 * time.Second
