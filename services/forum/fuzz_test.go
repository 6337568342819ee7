package forum

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// FuzzServe sends arbitrary request lines, parsed as net/http's server
// parses them, to the monolith and to every microservice. No handler may
// panic or answer 5xx; every answer is one of the JSON shapes; a microservice
// answers a path it owns exactly as the monolith does, and any other path
// with the load balancer's 404.
func FuzzServe(f *testing.F) {
	for _, c := range corpus(f) {
		f.Add(c.method, c.target)
	}
	f.Add("GET", "/api/users/%")
	f.Add("GET", "/api/posts/by-user/%zz")
	f.Add("GET", "http://example.com/api/users/1")
	f.Fuzz(func(t *testing.T, method, target string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: fuzz\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil || req.Method != method {
			t.Skip("net/http's server would reject this request itself")
		}
		path := req.URL.EscapedPath()
		mono := httptest.NewRecorder()
		handlers["monolith"].ServeHTTP(mono, req)
		checkShape(t, "monolith", mono)
		if path != HealthPath && path != "/api" && !strings.HasPrefix(path, "/api/") && mono.Body.String() != NotFoundBody {
			t.Errorf("monolith answers %s, which the load balancer keeps for itself, with %d %s", path, mono.Code, mono.Body)
		}
		owned := owners(path)
		for _, name := range []string{"users", "threads", "posts"} {
			rec := httptest.NewRecorder()
			handlers[name].ServeHTTP(rec, req)
			checkShape(t, name, rec)
			switch {
			case len(owned) == 1 && owned[0] == name, path == HealthPath:
				if rec.Code != mono.Code || rec.Body.String() != mono.Body.String() ||
					rec.Header().Get("Allow") != mono.Header().Get("Allow") {
					t.Errorf("%s %s: %s answers %d %s, monolith %d %s",
						method, target, name, rec.Code, rec.Body, mono.Code, mono.Body)
				}
			case rec.Code != http.StatusNotFound || rec.Body.String() != NotFoundBody:
				t.Errorf("%s %s: %s does not own %s but answers %d %s", method, target, name, path, rec.Code, rec.Body)
			}
		}
	})
}

// checkShape asserts a response is one the API may give.
func checkShape(t *testing.T, name string, rec *httptest.ResponseRecorder) {
	t.Helper()
	switch rec.Code {
	case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
	default:
		t.Fatalf("%s: status %d", name, rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", name, ct)
	}
	if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
		t.Errorf("%s: body is not JSON: %q", name, rec.Body)
	}
	if rec.Code != http.StatusOK {
		var e apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || e.Message == "" {
			t.Errorf("%s: %d body is not the error shape: %s", name, rec.Code, rec.Body)
		}
	}
}

// FuzzParseID checks parseID against strconv: it accepts exactly the
// canonical decimal forms of 1 to MaxInt64.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "42", "0", "01", "-1", "+1", "1.5", "abc", "", "9223372036854775807", "9223372036854775808", "1e3", " 1", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseID(s)
		n, err := strconv.ParseInt(s, 10, 64)
		canonical := err == nil && n >= 1 && strconv.FormatInt(n, 10) == s
		if ok != canonical || ok && id != n {
			t.Errorf("parseID(%q) = %d, %v; strconv says %d, %v", s, id, ok, n, err)
		}
	})
}
