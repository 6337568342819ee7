package forum

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// apiCase is one request and the answer every handler that may receive it
// must give.
type apiCase struct {
	method, target string
	status         int
	body           string
	allow          string // the Allow header, "" when absent
}

func marshal(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func badID(kind, seg string) string {
	return `{"error":"bad_request","message":"invalid ` + kind + ` id ` + seg +
		`: want a decimal integer from 1 to 9223372036854775807 without sign or leading zeros"}`
}

func missing(kind string, id int64) string {
	return fmt.Sprintf(`{"error":"not_found","message":"%s %d not found"}`, kind, id)
}

const methodBody = `{"error":"method_not_allowed","message":"only GET and HEAD are allowed on this path"}`

// corpus is the table of every route and error case. Expected data bodies
// are computed from the seed files, not taken from the handlers.
func corpus(t testing.TB) []apiCase {
	s := loadSeed(t)
	u, th := s.users[len(s.users)-1], s.threads[0]
	var maxUser, maxThread int64
	for _, x := range s.users {
		maxUser = max(maxUser, x.ID)
	}
	for _, x := range s.threads {
		maxThread = max(maxThread, x.ID)
	}
	postsWhere := func(keep func(Post) bool) string {
		out := []Post{}
		for _, p := range s.posts {
			if keep(p) {
				out = append(out, p)
			}
		}
		return marshal(t, out)
	}
	author := s.posts[0].User
	ok := func(target, body string) apiCase { return apiCase{"GET", target, 200, body, ""} }
	notFoundPath := func(method, target string) apiCase { return apiCase{method, target, 404, NotFoundBody, ""} }
	bad := func(target, kind, seg string) apiCase { return apiCase{"GET", target, 400, badID(kind, seg), ""} }
	wrongMethod := func(method, target string) apiCase { return apiCase{method, target, 405, methodBody, "GET, HEAD"} }

	cases := []apiCase{
		ok("/healthz", `{"status":"ok"}`),
		ok("/healthz?probe=alb", `{"status":"ok"}`),
		wrongMethod("POST", "/healthz"),
		notFoundPath("GET", "/healthz/"),

		ok("/api/users", marshal(t, s.users)),
		ok("/api/users?page=2", marshal(t, s.users)),
		ok(fmt.Sprintf("/api/users/%d", u.ID), marshal(t, u)),
		ok(fmt.Sprintf("/api/users/%d?x=y", u.ID), marshal(t, u)),
		{"GET", fmt.Sprintf("/api/users/%d", maxUser+1), 404, missing("user", maxUser+1), ""},
		{"GET", "/api/users/9223372036854775807", 404, missing("user", 9223372036854775807), ""},
		wrongMethod("POST", "/api/users"),
		wrongMethod("DELETE", "/api/users/1"),
		wrongMethod("PUT", "/api/users/abc"),
		wrongMethod("OPTIONS", "/api/users"),
		notFoundPath("GET", "/api/users/"),
		notFoundPath("GET", "/api/users/1/"),
		notFoundPath("GET", "/api/users//1"),
		notFoundPath("GET", "/api/users/1/posts"),
		notFoundPath("POST", "/api/users/1/posts"),
		notFoundPath("GET", "/api/users%2F1"),
		notFoundPath("GET", "/api/users/in-thread/1"),
		notFoundPath("GET", "/api/Users"),
		notFoundPath("GET", "/api/usersx"),

		ok("/api/threads", marshal(t, s.threads)),
		ok(fmt.Sprintf("/api/threads/%d", th.ID), marshal(t, th)),
		{"GET", fmt.Sprintf("/api/threads/%d", maxThread+1), 404, missing("thread", maxThread+1), ""},
		wrongMethod("PATCH", "/api/threads/1"),
		notFoundPath("GET", "/api/threads/"),
		notFoundPath("GET", "/api/threads/1/"),
		notFoundPath("GET", "/api/threads/../users"),

		ok("/api/posts", marshal(t, s.posts)),
		ok(fmt.Sprintf("/api/posts/in-thread/%d", th.ID), postsWhere(func(p Post) bool { return p.Thread == th.ID })),
		ok(fmt.Sprintf("/api/posts/by-user/%d", author), postsWhere(func(p Post) bool { return p.User == author })),
		ok(fmt.Sprintf("/api/posts/by-user/%d", u.ID), postsWhere(func(p Post) bool { return p.User == u.ID })),
		ok(fmt.Sprintf("/api/posts/in-thread/%d", maxThread), postsWhere(func(p Post) bool { return p.Thread == maxThread })),
		ok(fmt.Sprintf("/api/posts/in-thread/%d", maxThread+1), "[]"),
		ok("/api/posts/by-user/9223372036854775807", "[]"),
		wrongMethod("POST", "/api/posts"),
		wrongMethod("POST", "/api/posts/in-thread/1"),
		wrongMethod("DELETE", "/api/posts/by-user/x"),
		notFoundPath("GET", "/api/posts/"),
		notFoundPath("GET", "/api/posts/1"),
		notFoundPath("GET", "/api/posts/in-thread"),
		notFoundPath("GET", "/api/posts/in-thread/"),
		notFoundPath("GET", "/api/posts/in-thread/1/"),
		notFoundPath("GET", "/api/posts/by-user/1/2"),

		notFoundPath("GET", "/"),
		notFoundPath("GET", "/api"),
		notFoundPath("GET", "/api/"),
		notFoundPath("POST", "/api"),
		notFoundPath("GET", "/api/comments"),
		notFoundPath("GET", "//api/users"),
		notFoundPath("GET", "/API/users"),
		notFoundPath("DELETE", "/favicon.ico"),
		notFoundPath("OPTIONS", "*"),
	}
	// Every malformed id on every route that takes one.
	for _, r := range []struct{ prefix, kind string }{
		{"/api/users/", "user"},
		{"/api/threads/", "thread"},
		{"/api/posts/in-thread/", "thread"},
		{"/api/posts/by-user/", "user"},
	} {
		for _, seg := range []string{
			"abc", "-1", "+1", "1.5", "1e3", "0", "01", "0x1F", "1_000", "%31", "%20", "a&b", "7abc",
			"9223372036854775808", "18446744073709551616", "99999999999999999999999999",
		} {
			cases = append(cases, bad(r.prefix+seg, r.kind, seg))
		}
	}
	return cases
}

// owners says which microservices the split stage's load balancer sends the
// path to: the one whose prefix matches, or, for a path no rule matches, all
// of them, since each must then answer exactly like the load balancer.
func owners(path string) []string {
	all := []string{"users", "threads", "posts"}
	if path == HealthPath {
		return all
	}
	for _, name := range all {
		if prefix := "/api/" + name; path == prefix || strings.HasPrefix(path, prefix+"/") {
			return []string{name}
		}
	}
	return all
}

// handlers holds the monolith and each microservice as their mains build them.
var handlers = map[string]http.Handler{
	"monolith": NewHandler("monolith", Users(), Threads(), Posts()),
	"users":    NewHandler("users", Users()),
	"threads":  NewHandler("threads", Threads()),
	"posts":    NewHandler("posts", Posts()),
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestRoutes(t *testing.T) {
	for _, c := range corpus(t) {
		path, _, _ := strings.Cut(c.target, "?")
		for _, name := range append([]string{"monolith"}, owners(path)...) {
			for _, method := range methodsFor(c.method) {
				t.Run(method+" "+c.target+" on "+name, func(t *testing.T) {
					rec := serve(handlers[name], method, c.target)
					want := c.body
					if method == http.MethodHead {
						want = ""
					}
					if rec.Code != c.status || rec.Body.String() != want {
						t.Errorf("got %d %s\nwant %d %s", rec.Code, rec.Body, c.status, want)
					}
					for header, want := range map[string]string{
						"Content-Type":   "application/json",
						"Content-Length": fmt.Sprint(len(c.body)),
						"Allow":          c.allow,
						ServiceHeader:    name,
					} {
						if got := rec.Header().Get(header); got != want {
							t.Errorf("%s: got %q, want %q", header, got, want)
						}
					}
				})
			}
		}
	}
}

// methodsFor returns the methods a case is run with: HEAD must answer like
// GET, without the body.
func methodsFor(method string) []string {
	if method == http.MethodGet {
		return []string{http.MethodGet, http.MethodHead}
	}
	return []string{method}
}

func TestNotFoundBodyHasErrorShape(t *testing.T) {
	if got := string(errorResponse(codeNotFound, "no route matches this path").body); got != NotFoundBody {
		t.Errorf("rendered %s, NotFoundBody is %s", got, NotFoundBody)
	}
}

func TestNewHandlerRejectsDuplicateResource(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a resource mounted twice")
		}
	}()
	NewHandler("x", Users(), Users())
}
