package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// answer is what a test door answers to one path.
type answer struct {
	status int
	header map[string]string
	body   string
}

// testDoor serves answers by path; other paths get 404. On /seen it
// answers with the X-Preview header and the Host of the request in its
// X-Seen header.
func testDoor(t *testing.T, name string, answers map[string]answer) Door {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Path]
		if !ok {
			a = answer{status: 404, body: "not found"}
		}
		w.Header().Set("Date", name) // differs by design
		w.Header().Set("X-Ecsplit-Service", name)
		if r.URL.Path == "/seen" {
			w.Header().Set("X-Seen", "preview="+r.Header.Get("X-Preview")+" host="+r.Host)
		}
		for k, v := range a.header {
			w.Header().Add(k, v)
		}
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return Door{Name: name, URL: srv.URL}
}

var ok = answer{status: 200, header: map[string]string{"Content-Type": "text/plain"}, body: "ok"}

// TestCompare: each kind of difference is found, and only on its
// request; what differs by design (Date, X-Ecsplit-Service, the load
// balancer's cookies) is not a difference.
func TestCompare(t *testing.T) {
	a := testDoor(t, "a", map[string]answer{
		"/same":   ok,
		"/status": ok,
		"/type":   ok,
		"/body":   {200, nil, `{"name":"Ada Lindqvist"}`},
		"/cookie": {200, map[string]string{"Set-Cookie": "session=1"}, "ok"},
		"/albtg":  {200, map[string]string{"Set-Cookie": "AWSALBTG=x; Path=/"}, "ok"},
		"/extra":  ok,
		"/all":    ok,
	})
	b := testDoor(t, "b", map[string]answer{
		"/same":   ok,
		"/status": {201, ok.header, "ok"},
		"/type":   {200, map[string]string{"Content-Type": "application/json"}, "ok"},
		"/body":   {200, nil, `{"name":"Ada Lindkvist"}`},
		"/cookie": {200, map[string]string{"Set-Cookie": "session=2"}, "ok"},
		"/albtg":  {200, nil, "ok"},
		"/extra":  {200, map[string]string{"Content-Type": "text/plain", "X-New": "1"}, "ok"},
		"/all":    {500, map[string]string{"Content-Type": "text/html"}, "broken!"},
	})
	want := map[string][]string{
		"/status": {"status"},
		"/type":   {"Content-Type"},
		"/body":   {"body"},
		"/cookie": {"Set-Cookie"},
		"/extra":  {"X-New"},
		"/all":    {"status", "Content-Length", "Content-Type", "body"},
	}
	var reqs []corpus.Request
	for i, p := range []string{"/same", "/status", "/type", "/body", "/cookie", "/albtg", "/extra", "/all", "/missing"} {
		reqs = append(reqs, corpus.Request{Method: "GET", Target: p, Line: i + 1})
	}
	var progress []string
	diffs, err := Compare(context.Background(), reqs, CompareOptions{Progress: func(done, differ int) {
		progress = append(progress, fmt.Sprintf("%d/%d", done, differ))
	}}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, d := range diffs {
		got[d.Request.Target] = d.What()
	}
	for p, w := range want {
		if !slices.Equal(got[p], w) {
			t.Errorf("GET %s: %v differ, want %v", p, got[p], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d requests differ, want %d: %v", len(got), len(want), got)
	}
	if p := strings.Join(progress, " "); p != "1/0 2/1 3/2 4/3 5/4 6/4 7/5 8/6 9/6" {
		t.Errorf("progress %s", p)
	}

	// With an explicit list, Date and X-Ecsplit-Service are compared too.
	diffs, err = Compare(context.Background(), reqs[:1], CompareOptions{IgnoreHeaders: []string{"x-ecsplit-service"}}, a, b)
	if err != nil || len(diffs) != 1 || !slices.Equal(diffs[0].What(), []string{"Date"}) {
		t.Errorf("ignoring only X-Ecsplit-Service: %v %v, want a Date difference", diffs, err)
	}
}

// TestCompareIgnoresLocalServiceHeader: by default the header that names
// the service a local front door forwarded to differs between stages
// without a difference; compared, it is one.
func TestCompareIgnoresLocalServiceHeader(t *testing.T) {
	legacy := testDoor(t, "a", map[string]answer{"/shop/cart": {200, map[string]string{"X-Ecsplit-Local-Service": "legacy"}, "ok"}})
	cart := testDoor(t, "b", map[string]answer{"/shop/cart": {200, map[string]string{"X-Ecsplit-Local-Service": "cart"}, "ok"}})
	reqs := []corpus.Request{{Method: "GET", Target: "/shop/cart", Line: 1}}
	if diffs, err := Compare(context.Background(), reqs, CompareOptions{}, legacy, cart); err != nil || len(diffs) != 0 {
		t.Errorf("by default: %v %v, want no difference", diffs, err)
	}
	diffs, err := Compare(context.Background(), reqs, CompareOptions{IgnoreHeaders: []string{"Date", "X-Ecsplit-Service"}}, legacy, cart)
	if err != nil || len(diffs) != 1 || !slices.Equal(diffs[0].What(), []string{"X-Ecsplit-Local-Service"}) {
		t.Errorf("compared: %v %v, want an X-Ecsplit-Local-Service difference", diffs, err)
	}
}

// TestCompareDoorHeaders: a door's extra headers reach that door only; a
// Host header replaces the host name.
func TestCompareDoorHeaders(t *testing.T) {
	a := testDoor(t, "a", nil)
	b := testDoor(t, "b", nil)
	b.Header = http.Header{"X-Preview": {"users"}, "Host": {"shop.example.com"}}
	diffs, err := Compare(context.Background(), []corpus.Request{{Method: "GET", Target: "/seen"}}, CompareOptions{}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 {
		t.Fatalf("%d differences, want the X-Seen one", len(diffs))
	}
	seen := diffs[0].Responses
	if got := seen[0].Header.Get("X-Seen"); !strings.HasPrefix(got, "preview= host=127.0.0.1:") {
		t.Errorf("door a saw %q", got)
	}
	if got := seen[1].Header.Get("X-Seen"); got != "preview=users host=shop.example.com" {
		t.Errorf("door b saw %q", got)
	}
}

func TestCompareErrors(t *testing.T) {
	a := testDoor(t, "a", nil)
	reqs := []corpus.Request{{Method: "GET", Target: "/"}}
	if _, err := Compare(context.Background(), reqs, CompareOptions{}, a); err == nil {
		t.Error("one door: no error")
	}
	bad := a
	bad.Name, bad.Header = "bad", http.Header{"X-Bad": {"1\r\nInjected: yes"}}
	if _, err := Compare(context.Background(), reqs, CompareOptions{}, a, bad); err == nil || !strings.Contains(err.Error(), "door bad: header X-Bad") {
		t.Errorf("header with a line break: %v", err)
	}
	closed := testDoor(t, "closed", nil)
	closed.URL = "http://127.0.0.1:1"
	if _, err := Compare(context.Background(), reqs, CompareOptions{}, a, closed); err == nil || !strings.Contains(err.Error(), "closed: GET / (corpus line 0)") {
		t.Errorf("unreachable door: %v", err)
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in, name, value string
		ok              bool
	}{
		{"X-Ecsplit-Preview: users", "X-Ecsplit-Preview", "users", true},
		{"Host:shop.example.com", "Host", "shop.example.com", true},
		{"X-Empty:", "X-Empty", "", true},
		{"no colon", "", "", false},
		{": value", "", "", false},
		{"Bad Name: v", "", "", false},
	}
	for _, tt := range tests {
		name, value, err := ParseHeader(tt.in)
		if name != tt.name || value != tt.value || (err == nil) != tt.ok {
			t.Errorf("ParseHeader(%q) = %q, %q, %v", tt.in, name, value, err)
		}
	}
}
