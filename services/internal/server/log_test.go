package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostilePaths are paths that need escaping in JSON, or that JSON cannot
// hold as they are.
var hostilePaths = []string{
	"/api/users/7",
	"",
	`/"quoted"`,
	`/back\slash\`,
	`/"}{"level":"ERROR"`,
	"/new\nline\r\n",
	"/tab\tand\x00nul\x01\x1f\x7f",
	"/\x80\xff\xfe", // invalid UTF-8
	"/\xe2\x82",     // truncated rune
	"/\xed\xa0\x80", // surrogate
	"/é/日本/🙂",
	"/\u2028\u2029",
	"/\ufffd",
	"/<script>&amp;",
	"/%22%5C%0A",
	strings.Repeat("/\x00\"\\", 500),
}

// slogLine is the line slog.JSONHandler writes for a request line.
func slogLine(t testing.TB, service, method, path string, status int, end time.Time, d time.Duration) string {
	var buf bytes.Buffer
	var h slog.Handler = slog.NewJSONHandler(&buf, nil)
	if service != "" {
		h = h.WithAttrs([]slog.Attr{slog.String("service", service)})
	}
	r := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("method", method), slog.String("path", path), slog.Int("status", status), slog.Duration("duration", d))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// requestLine is what Log.Request writes for one request.
func requestLine(t testing.TB, service, method, path string, status int, end time.Time, d time.Duration) string {
	var buf bytes.Buffer
	l := NewLog(&buf, service)
	l.Request(method, path, status, end, d)
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// validUTF8 is what a JSON decoder makes of s: each invalid byte becomes
// U+FFFD.
func validUTF8(s string) string { return string([]rune(s)) }

// checkLine checks that line is one JSON object on one line, with the
// fields of a request line, the same bytes as slog would write.
func checkLine(t *testing.T, line, service, method, path string, status int, end time.Time, d time.Duration) {
	t.Helper()
	if want := slogLine(t, service, method, path, status, end, d); line != want {
		t.Errorf("line differs from slog's\n got %q\nwant %q", line, want)
	}
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Errorf("not one line: %q", line)
	}
	var rec struct {
		Time                              time.Time
		Level, Msg, Service, Method, Path string
		Status                            int
		Duration                          int64
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		t.Fatalf("not JSON: %v: %q", err, line)
	}
	if !rec.Time.Equal(end) || rec.Level != "INFO" || rec.Msg != "request" || rec.Service != validUTF8(service) ||
		rec.Method != validUTF8(method) || rec.Path != validUTF8(path) || rec.Status != status || rec.Duration != int64(d) {
		t.Errorf("decoded %+v from %q", rec, line)
	}
}

func TestRequestLine(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 26, 10, 0, 0, 120_000_000, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 123_456_789, time.FixedZone("", 5*3600+1800)),
		time.Date(1999, 12, 31, 23, 59, 59, 1, time.FixedZone("", -8*3600)),
		time.Now(),
	}
	for i, path := range hostilePaths {
		end := times[i%len(times)]
		line := requestLine(t, "monolith", "GET", path, 200, end, 48211*time.Nanosecond)
		checkLine(t, line, "monolith", "GET", path, 200, end, 48211*time.Nanosecond)
	}
	// Odd methods, statuses and service names, and no service.
	end := times[2]
	for _, c := range []struct {
		service, method string
		status          int
		d               time.Duration
	}{
		{"", "PUT", 404, 0},
		{"users", "M-SEARCH", 999, time.Hour},
		{"a \"b\"\n", "G\x00T", 0, -1},
		{"ünï\xff", "\u2028", -7, 1<<63 - 1},
	} {
		line := requestLine(t, c.service, c.method, "/p", c.status, end, c.d)
		checkLine(t, line, c.service, c.method, "/p", c.status, end, c.d)
	}
}

func FuzzRequestLine(f *testing.F) {
	for _, p := range hostilePaths {
		f.Add("GET", p, 200, int64(1_764_151_200_123_456_789), int64(48211))
	}
	f.Fuzz(func(t *testing.T, method, path string, status int, unixNano, d int64) {
		end := time.Unix(0, unixNano).UTC()
		if y := end.Year(); y < 0 || y >= 10000 {
			t.Skip("slog writes an error for years outside RFC 3339")
		}
		line := requestLine(t, "monolith", method, path, status, end, time.Duration(d))
		checkLine(t, line, "monolith", method, path, status, end, time.Duration(d))
	})
}

// lines splits the log output s into lines, checking that it ends with one.
func lines(t *testing.T, s string) []string {
	t.Helper()
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("output does not end with a newline: %q", s)
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// TestLogOrder checks that request lines wait in the buffer and that a
// line from Logger is written at once, after them.
func TestLogOrder(t *testing.T) {
	var buf syncBuffer
	l := NewLog(&buf, "users")
	l.interval = time.Hour // the lines wait for a flush, however slow the machine
	end := time.Now()
	l.Request("GET", "/a", 200, end, 1)
	l.Request("GET", "/b", 200, end, 2)
	if buf.String() != "" {
		t.Fatalf("request lines written before a flush: %q", buf.String())
	}
	l.Logger().Info("listening", "addr", "127.0.0.1:8080")
	got := lines(t, buf.String())
	if len(got) != 3 || !strings.Contains(got[0], `"path":"/a"`) || !strings.Contains(got[1], `"path":"/b"`) {
		t.Fatalf("got %q, want the two request lines, then the listening line", got)
	}
	var listening struct{ Level, Msg, Service, Addr string }
	if err := json.Unmarshal([]byte(got[2]), &listening); err != nil ||
		listening != (struct{ Level, Msg, Service, Addr string }{"INFO", "listening", "users", "127.0.0.1:8080"}) {
		t.Errorf("listening line %q: %+v, %v", got[2], listening, err)
	}
}

// TestLogFlushesOnItsOwn checks that a buffered line is written without a
// call to Flush, by the timer.
func TestLogFlushesOnItsOwn(t *testing.T) {
	var buf syncBuffer
	l := NewLog(&buf, "")
	for round := range 2 { // the timer is armed again after it fired
		l.Request("GET", fmt.Sprint("/", round), 200, time.Now(), 1)
		deadline := time.Now().Add(10 * time.Second) // generous: FlushInterval on a loaded machine
		for len(lines(t, buf.String())) != round+1 {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: line not written within 10 s; FlushInterval is %v", round, FlushInterval)
			}
			time.Sleep(FlushInterval / 10)
		}
	}
}

// lineWriter records writes and fails the test unless each one holds
// whole lines.
type lineWriter struct {
	t *testing.T
	syncBuffer
	mu     sync.Mutex
	writes int
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if len(p) > 0 && p[len(p)-1] != '\n' {
		w.t.Errorf("a write ends inside a line: %q", p[max(0, len(p)-40):])
	}
	w.mu.Lock()
	w.writes++
	w.mu.Unlock()
	return w.syncBuffer.Write(p)
}

// TestLogConcurrent logs from many goroutines, enough to fill the buffer
// many times, and checks that every line is written exactly once, whole.
func TestLogConcurrent(t *testing.T) {
	const goroutines, perGoroutine = 8, 2000
	w := &lineWriter{t: t}
	l := NewLog(w, "monolith")
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				if i%500 == 0 {
					l.Logger().Info("other", "g", g, "i", i)
				}
				l.Request("GET", fmt.Sprintf("/%d/%d\"\n", g, i), 200, time.Now(), time.Duration(i))
			}
		})
	}
	wg.Wait()
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]int)
	others := 0
	for _, line := range lines(t, w.String()) {
		var rec struct{ Msg, Path string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %v: %q", err, line)
		}
		if rec.Msg == "request" {
			seen[rec.Path]++
		} else {
			others++
		}
	}
	for g := range goroutines {
		for i := range perGoroutine {
			if n := seen[fmt.Sprintf("/%d/%d\"\n", g, i)]; n != 1 {
				t.Fatalf("line of goroutine %d, request %d written %d times", g, i, n)
			}
		}
	}
	if len(seen) != goroutines*perGoroutine || others != goroutines*perGoroutine/500 {
		t.Errorf("%d distinct request lines and %d others, want %d and %d", len(seen), others, goroutines*perGoroutine, goroutines*perGoroutine/500)
	}
	if w.writes < 10 {
		t.Errorf("%d writes for %d KiB: the buffer is not written when full", w.writes, len(w.String())>>10)
	}
}

// TestLogWriteError checks that Flush reports the writer's error.
func TestLogWriteError(t *testing.T) {
	l := NewLog(failWriter{}, "")
	l.Request("GET", "/", 200, time.Now(), 1)
	if err := l.Flush(); err != io.ErrShortWrite {
		t.Errorf("Flush: %v, want %v", err, io.ErrShortWrite)
	}
	if err := l.Flush(); err != nil {
		t.Errorf("second Flush: %v, want nil: nothing is left to write", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }
