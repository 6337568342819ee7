package albemu

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
)

// targets holds the registered targets of every target group: what ECS
// registers and deregisters as tasks start and stop. Each group has its own
// lock, so requests to different groups do not wait for each other.
type targets struct {
	groups sync.Map // ResourceID → *group
}

// group is the registered targets of one target group, used in turn.
type group struct {
	mu      sync.Mutex // guards members and next
	members []member
	next    int
}

// member is one registered target and the proxy that reaches it.
type member struct {
	url   *url.URL
	proxy http.Handler
}

// group returns the group of tg, or nil when no target was ever
// registered in it.
func (ts *targets) group(tg ResourceID) *group {
	if g, ok := ts.groups.Load(tg); ok {
		return g.(*group)
	}
	return nil
}

// register adds u to the group of tg, with a proxy that newProxy makes,
// unless it is there already.
func (ts *targets) register(tg ResourceID, u *url.URL, newProxy func(*url.URL) http.Handler) {
	v, _ := ts.groups.LoadOrStore(tg, &group{})
	g := v.(*group)
	g.mu.Lock()
	defer g.mu.Unlock()
	if slices.ContainsFunc(g.members, func(m member) bool { return m.url.String() == u.String() }) {
		return
	}
	g.members = append(g.members, member{url: u, proxy: newProxy(u)})
}

func (ts *targets) deregister(tg ResourceID, u *url.URL) bool {
	g := ts.group(tg)
	if g == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	n := len(g.members)
	g.members = slices.DeleteFunc(g.members, func(m member) bool { return m.url.String() == u.String() })
	return len(g.members) < n
}

func (ts *targets) list(tg ResourceID) []*url.URL {
	g := ts.group(tg)
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*url.URL
	for _, m := range g.members {
		out = append(out, m.url)
	}
	return out
}

// next returns the proxy of the group's next target, round robin, or nil
// when the group has no target.
func (ts *targets) next(tg ResourceID) http.Handler {
	g := ts.group(tg)
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.members) == 0 {
		return nil
	}
	m := g.members[g.next%len(g.members)]
	g.next++
	return m.proxy
}

// newProxy returns a reverse proxy to the target at u that keeps the
// client's Host, as the ALB does, hands each answer to OnResponse, and
// answers 502 when the target does not.
func (rt *Router) newProxy(u *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
		},
		ModifyResponse: func(resp *http.Response) error {
			answered(resp)
			if rt.OnResponse != nil {
				rt.OnResponse(u, resp.Header)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			failed(r)
			http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
		},
	}
}
