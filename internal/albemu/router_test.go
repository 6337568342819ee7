package albemu

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTarget is a backend that answers with its own name.
func fakeTarget(t *testing.T, name string) *url.URL {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Target", name)
		io.WriteString(w, name+" "+r.URL.EscapedPath())
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u
}

func tg(name string) ResourceID { return ResourceID{"S", name} }

func forwardTo(targets ...WeightedTarget) Action {
	return Action{Forward: &Forward{TargetGroups: targets}}
}

func pathRule(id string, priority int, action Action, patterns ...string) *Rule {
	return &Rule{ID: tg(id), Priority: priority, Action: action,
		Conditions: []Condition{{Field: FieldPathPattern, Values: patterns}}}
}

var notFound = Action{FixedResponse: &FixedResponse{
	StatusCode: 404, ContentType: "application/json", Body: `{"error":"not_found"}`}}

// TestRouterPriority: rules apply lowest priority first, the default action
// when none matches, and the query string never takes part in a path match.
func TestRouterPriority(t *testing.T) {
	l := &Listener{Default: notFound, Rules: []*Rule{
		pathRule("specific", 10, forwardTo(WeightedTarget{tg("users"), 1}), "/api/users", "/api/users/*"),
		pathRule("broad", 20, forwardTo(WeightedTarget{tg("monolith"), 1}), "/api/*"),
		pathRule("redirect", 30, Action{Redirect: &Redirect{Path: "/api/#{path}", StatusCode: 301}}, "/old/*"),
		pathRule("methods", 5, Action{FixedResponse: &FixedResponse{StatusCode: 418, ContentType: "text/plain", Body: "teapot"}}, "/api/users/teapot"),
	}}
	l.Rules[3].Conditions = append(l.Rules[3].Conditions, Condition{Field: FieldMethod, Values: []string{"BREW"}})
	rt := NewRouter(l, map[ResourceID][]*url.URL{
		tg("users"):    {fakeTarget(t, "users")},
		tg("monolith"): {fakeTarget(t, "monolith")},
	}, 1)
	door := httptest.NewServer(rt)
	t.Cleanup(door.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	tests := []struct {
		method, target string
		status         int
		body, location string
	}{
		{"GET", "/api/users", 200, "users /api/users", ""},
		{"GET", "/api/users/1", 200, "users /api/users/1", ""},
		{"GET", "/api/users/1?x=/api/threads", 200, "users /api/users/1", ""},
		{"GET", "/api/threads?u=/api/users/1", 200, "monolith /api/threads", ""},
		{"GET", "/api/usersx", 200, "monolith /api/usersx", ""},
		{"GET", "/api/Users/1", 200, "monolith /api/Users/1", ""},
		{"GET", "/api/%75sers/1", 200, "monolith /api/%75sers/1", ""},
		{"GET", "/api/users/a%2Fb", 200, "users /api/users/a%2Fb", ""},
		{"GET", "/api", 404, `{"error":"not_found"}`, ""},
		{"GET", "/API/users", 404, `{"error":"not_found"}`, ""},
		{"GET", "/", 404, `{"error":"not_found"}`, ""},
		{"BREW", "/api/users/teapot", 418, "teapot", ""},
		{"GET", "/api/users/teapot", 200, "users /api/users/teapot", ""},
		{"GET", "/old/x?y=1", 301, "", "/api/old/x?y=1"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, door.URL+tt.target, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.location == "" && string(body) != tt.body) {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.target, resp.StatusCode, body, tt.status, tt.body)
		}
		if loc := resp.Header.Get("Location"); tt.location != "" && !strings.HasSuffix(loc, tt.location) {
			t.Errorf("%s %s: Location %q, want ...%q", tt.method, tt.target, loc, tt.location)
		}
	}
}

// weightedRouter forwards every path 30/70 to "new" and "old".
func weightedRouter(t *testing.T, seed uint64, stickiness time.Duration) *httptest.Server {
	t.Helper()
	action := forwardTo(WeightedTarget{tg("new"), 30}, WeightedTarget{tg("old"), 70})
	action.Forward.Stickiness = stickiness
	l := &Listener{Default: notFound, Rules: []*Rule{pathRule("r", 1, action, "/*")}}
	door := httptest.NewServer(NewRouter(l, map[ResourceID][]*url.URL{
		tg("new"): {fakeTarget(t, "new")},
		tg("old"): {fakeTarget(t, "old")},
	}, seed))
	t.Cleanup(door.Close)
	return door
}

// sequence sends n requests and returns the targets that answered.
func sequence(t *testing.T, client *http.Client, url string, n int) []string {
	t.Helper()
	var out []string
	for range n {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		out = append(out, resp.Header.Get("X-Target"))
	}
	return out
}

// TestRouterWeighted: a weighted forward splits by weight, the same seed
// gives the same choices, and a zero weight gets nothing.
func TestRouterWeighted(t *testing.T) {
	const n = 1000
	a := sequence(t, http.DefaultClient, weightedRouter(t, 7, 0).URL+"/x", n)
	b := sequence(t, http.DefaultClient, weightedRouter(t, 7, 0).URL+"/x", n)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Error("two routers with seed 7 chose different target groups")
	}
	c := sequence(t, http.DefaultClient, weightedRouter(t, 8, 0).URL+"/x", n)
	if strings.Join(a, ",") == strings.Join(c, ",") {
		t.Error("seeds 7 and 8 chose the same target groups")
	}
	count := 0
	for _, s := range a {
		if s == "new" {
			count++
		}
	}
	if share := float64(count) / n; share < 0.26 || share > 0.34 {
		t.Errorf("new got %.2f of requests, want about 0.30", share)
	}

	l := &Listener{Default: notFound, Rules: []*Rule{pathRule("r", 1, forwardTo(WeightedTarget{tg("new"), 0}, WeightedTarget{tg("old"), 1}), "/*")}}
	door := httptest.NewServer(NewRouter(l, map[ResourceID][]*url.URL{tg("new"): {fakeTarget(t, "new")}, tg("old"): {fakeTarget(t, "old")}}, 1))
	defer door.Close()
	for _, s := range sequence(t, http.DefaultClient, door.URL+"/x", 100) {
		if s != "old" {
			t.Fatalf("weight 0 target group %q answered", s)
		}
	}
}

// TestRouterStickiness: with stickiness a client keeps the target group of
// its first answer; without, it does not.
func TestRouterStickiness(t *testing.T) {
	door := weightedRouter(t, 3, time.Hour)
	for i := range 20 {
		jar := newJar()
		client := &http.Client{Jar: jar}
		got := sequence(t, client, door.URL+"/x", 20)
		for _, s := range got[1:] {
			if s != got[0] {
				t.Fatalf("client %d: sticky forward moved from %s to %s: %v", i, got[0], s, got)
			}
		}
	}
	free := sequence(t, &http.Client{Jar: newJar()}, weightedRouter(t, 3, 0).URL+"/x", 50)
	if strings.Count(strings.Join(free, ","), "new") == 50 || !strings.Contains(strings.Join(free, ","), "new") {
		t.Errorf("without stickiness one client should reach both groups: %v", free)
	}
}

// TestRouterNoTargets: a target group without running tasks answers 503.
func TestRouterNoTargets(t *testing.T) {
	l := &Listener{Default: notFound, Rules: []*Rule{pathRule("r", 1, forwardTo(WeightedTarget{tg("empty"), 1}), "/*")}}
	door := httptest.NewServer(NewRouter(l, nil, 1))
	defer door.Close()
	resp, err := http.Get(door.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", resp.StatusCode)
	}
}

// TestRouterNoTargetsNotSticky: a sticky forward that finds no target
// answers 503 without the stickiness cookie, so the client is not kept on
// a group that has nothing to serve it.
func TestRouterNoTargetsNotSticky(t *testing.T) {
	action := forwardTo(WeightedTarget{tg("empty"), 1}, WeightedTarget{tg("also-empty"), 1})
	action.Forward.Stickiness = time.Hour
	l := &Listener{Default: notFound, Rules: []*Rule{pathRule("r", 1, action, "/*")}}
	door := httptest.NewServer(NewRouter(l, nil, 1))
	defer door.Close()
	resp, err := http.Get(door.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || len(resp.Cookies()) != 0 {
		t.Errorf("status %d, cookies %v; want 503 and no cookie", resp.StatusCode, resp.Cookies())
	}
}

func newJar() http.CookieJar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err)
	}
	return jar
}

// TestRouterChangesWhileServing: the listener's rules and a target group's
// targets change while the router serves, as CloudFormation and ECS change
// them during a deployment, and each request sees one consistent state.
func TestRouterChangesWhileServing(t *testing.T) {
	oldRule := pathRule("r", 1, forwardTo(WeightedTarget{tg("old"), 1}), "/*")
	l := &Listener{Default: notFound, Rules: []*Rule{oldRule}}
	a, b := fakeTarget(t, "a"), fakeTarget(t, "b")
	rt := NewRouter(l, map[ResourceID][]*url.URL{tg("old"): {fakeTarget(t, "old")}}, 1)
	door := httptest.NewServer(rt)
	t.Cleanup(door.Close)
	get := func() string { return sequence(t, http.DefaultClient, door.URL+"/x", 1)[0] }

	if got := get(); got != "old" {
		t.Fatalf("before any change: served by %q, want old", got)
	}
	// A new rule in front of the old one, to a target group with no
	// target yet: 503, as the ALB answers.
	rt.SetListener(&Listener{Default: notFound, Rules: []*Rule{oldRule, pathRule("new", 0, forwardTo(WeightedTarget{tg("new"), 1}), "/x")}})
	if resp, err := http.Get(door.URL + "/x"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("new rule without targets: %v %v, want 503", resp, err)
	} else {
		resp.Body.Close()
	}
	rt.Register(tg("new"), a)
	rt.Register(tg("new"), b)
	rt.Register(tg("new"), a) // registering twice keeps one
	if got := strings.Join(sequence(t, http.DefaultClient, door.URL+"/x", 4), ","); got != "a,b,a,b" {
		t.Errorf("two targets: served by %s, want round robin a,b,a,b", got)
	}
	if !rt.Deregister(tg("new"), a) || rt.Deregister(tg("new"), a) {
		t.Error("Deregister of a registered target must report true once")
	}
	if got := strings.Join(sequence(t, http.DefaultClient, door.URL+"/x", 3), ","); got != "b,b,b" {
		t.Errorf("after deregistering a: served by %s, want b only", got)
	}
	if got := rt.Targets(tg("new")); len(got) != 1 || got[0] != b {
		t.Errorf("Targets = %v, want [%v]", got, b)
	}
	if got := rt.Listener().Rules[0].ID; got != tg("new") {
		t.Errorf("SetListener did not order the rules by priority: first is %s", got)
	}
	if l.Rules[0] != oldRule || len(l.Rules) != 1 {
		t.Error("SetListener changed the listener it was given")
	}
}

// TestRouterHeaderAndPath: a rule with an http-header and a path-pattern
// condition takes only requests that match both, whatever the header
// name's case on the wire.
func TestRouterHeaderAndPath(t *testing.T) {
	preview := pathRule("preview", 1, forwardTo(WeightedTarget{tg("new"), 1}), "/api/users/*")
	preview.Conditions = append(preview.Conditions, Condition{Field: FieldHTTPHeader, HeaderName: "X-Ecsplit-Preview", Values: []string{"us*"}})
	l := &Listener{Default: notFound, Rules: []*Rule{preview, pathRule("all", 2, forwardTo(WeightedTarget{tg("old"), 1}), "/*")}}
	door := httptest.NewServer(NewRouter(l, map[ResourceID][]*url.URL{
		tg("new"): {fakeTarget(t, "new")},
		tg("old"): {fakeTarget(t, "old")},
	}, 1))
	t.Cleanup(door.Close)
	tests := []struct{ target, header, want string }{
		{"/api/users/1", "x-ecsplit-preview: USERS", "new"},
		{"/api/users/1", "X-ECSPLIT-PREVIEW: users", "new"},
		{"/api/users/1", "X-Ecsplit-Preview: threads", "old"},
		{"/api/users/1", "", "old"},
		{"/api/threads/1", "X-Ecsplit-Preview: users", "old"},
	}
	for _, tt := range tests {
		if got := rawGet(t, door.URL, tt.target, tt.header); got != tt.want {
			t.Errorf("GET %s with %q: served by %q, want %q", tt.target, tt.header, got, tt.want)
		}
	}
}

// rawGet sends a GET with one header line exactly as written and returns
// the X-Target of the answer.
func rawGet(t *testing.T, base, target, header string) string {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if header != "" {
		header += "\r\n"
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n", target, u.Host, header)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-Target")
}

// TestRouterOnResponse: OnResponse sees each answer of a target, with the
// target's URL, and may change its header; the router's own answers (a
// fixed response, a 503 without targets, a 502 of a target that does not
// answer) do not pass through it.
func TestRouterOnResponse(t *testing.T) {
	users := fakeTarget(t, "users")
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL, _ := url.Parse(dead.URL)
	dead.Close()
	l := &Listener{Default: notFound, Rules: []*Rule{
		pathRule("users", 1, forwardTo(WeightedTarget{tg("users"), 1}), "/users"),
		pathRule("empty", 2, forwardTo(WeightedTarget{tg("empty"), 1}), "/empty"),
		pathRule("dead", 3, forwardTo(WeightedTarget{tg("dead"), 1}), "/dead"),
	}}
	rt := NewRouter(l, map[ResourceID][]*url.URL{tg("users"): {users}, tg("dead"): {deadURL}}, 1)
	var (
		mu   sync.Mutex
		seen []string
	)
	rt.OnResponse = func(target *url.URL, h http.Header) {
		mu.Lock()
		seen = append(seen, target.String())
		mu.Unlock()
		h.Set("X-Seen", target.Host)
	}
	door := httptest.NewServer(rt)
	t.Cleanup(door.Close)
	tests := []struct {
		path   string
		status int
		seen   string // X-Seen
	}{
		{"/users", 200, users.Host},
		{"/other", 404, ""},
		{"/empty", 503, ""},
		{"/dead", 502, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(door.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("X-Seen") != tt.seen {
			t.Errorf("GET %s = %d, X-Seen %q; want %d, %q", tt.path, resp.StatusCode, resp.Header.Get("X-Seen"), tt.status, tt.seen)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != users.String() {
		t.Errorf("OnResponse saw %q, want only %s", seen, users)
	}
}

// TestRouterObserver: the observer sees every answer, the router's own
// (without a target group) and the targets' (with their group, status and
// time to answer), and a target that does not answer as a failure.
func TestRouterObserver(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(slow.Close)
	slowURL, _ := url.Parse(slow.URL)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL, _ := url.Parse(dead.URL)
	dead.Close()
	l := &Listener{Default: notFound, Rules: []*Rule{
		pathRule("users", 1, forwardTo(WeightedTarget{tg("users"), 1}), "/users"),
		pathRule("slow", 2, forwardTo(WeightedTarget{tg("slow"), 1}), "/slow"),
		pathRule("empty", 3, forwardTo(WeightedTarget{tg("empty"), 1}), "/empty"),
		pathRule("dead", 4, forwardTo(WeightedTarget{tg("dead"), 1}), "/dead"),
		pathRule("moved", 5, Action{Redirect: &Redirect{Path: "/users", StatusCode: 302}}, "/moved"),
	}}
	rt := NewRouter(l, map[ResourceID][]*url.URL{
		tg("users"): {fakeTarget(t, "users")}, tg("slow"): {slowURL}, tg("dead"): {deadURL},
	}, 1)
	seen := make(chan Served, 1)
	rt.SetObserver(func(s Served) { seen <- s })
	door := httptest.NewServer(rt)
	t.Cleanup(door.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		path       string
		want       Served
		minElapsed time.Duration
	}{
		{"/users", Served{TargetGroup: tg("users"), Status: 200}, 0},
		{"/slow", Served{TargetGroup: tg("slow"), Status: 500}, 30 * time.Millisecond},
		{"/other", Served{Status: 404}, 0},
		{"/moved", Served{Status: 302}, 0},
		{"/empty", Served{Status: 503}, 0},
		{"/dead", Served{TargetGroup: tg("dead"), Status: 502, TargetFailed: true}, 0},
	}
	for _, tt := range tests {
		resp, err := client.Get(door.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var got Served
		select {
		case got = <-seen:
		case <-time.After(5 * time.Second):
			t.Fatalf("GET %s: the observer saw nothing", tt.path)
		}
		answered := tt.want.TargetGroup != (ResourceID{}) && !tt.want.TargetFailed
		if got.Elapsed < tt.minElapsed || answered != (got.Elapsed > 0) {
			t.Errorf("GET %s: Elapsed %s, want at least %s, zero when no target answered", tt.path, got.Elapsed, tt.minElapsed)
		}
		got.Elapsed = 0
		if got != tt.want {
			t.Errorf("GET %s: observer saw %+v, want %+v", tt.path, got, tt.want)
		}
	}
	// A client that gives up before the slow target answers: no target
	// failure, and the ALB's 460.
	impatient := &http.Client{Timeout: 5 * time.Millisecond}
	if resp, err := impatient.Get(door.URL + "/slow"); err == nil {
		resp.Body.Close()
		t.Fatal("GET /slow answered within 5ms")
	}
	select {
	case got := <-seen:
		if got.Status != StatusClientClosed || got.TargetFailed || got.TargetGroup != tg("slow") {
			t.Errorf("a client that gave up: observer saw %+v, want status %d, no target failure", got, StatusClientClosed)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a client that gave up: the observer saw nothing")
	}
	rt.SetObserver(nil)
	resp, err := client.Get(door.URL + "/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case s := <-seen:
		t.Errorf("after SetObserver(nil), the observer saw %+v", s)
	case <-time.After(50 * time.Millisecond):
	}
}
