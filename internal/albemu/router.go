package albemu

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// StickinessCookie is the cookie the router sets to keep a client on one
// target group of a weighted forward with stickiness, like the ALB's
// AWSALBTG cookie. Its value names the target group.
const StickinessCookie = "AWSALBTG"

// Router routes HTTP requests like the ALB listener it was made from. It is
// an http.Handler: serve it on a loopback port and it is the front door.
type Router struct {
	listener *Listener
	backends map[ResourceID]*backend

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

// backend is the registered targets of one target group, used in turn.
type backend struct {
	proxies []*httputil.ReverseProxy
	mu      sync.Mutex
	next    int
}

// NewRouter returns a router for listener that forwards a target group's
// requests to the base URLs in targets (its running tasks, used round
// robin). A forward to a target group without targets answers 503, as the
// ALB does. seed seeds the choices of weighted forwards: two routers with
// the same seed given the same requests choose the same target groups.
func NewRouter(listener *Listener, targets map[ResourceID][]*url.URL, seed uint64) *Router {
	rt := &Router{
		listener: listener,
		backends: map[ResourceID]*backend{},
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	for id, urls := range targets {
		b := &backend{}
		for _, u := range urls {
			b.proxies = append(b.proxies, &httputil.ReverseProxy{
				Rewrite: func(pr *httputil.ProxyRequest) {
					pr.SetURL(u)
					pr.SetXForwarded()
					pr.Out.Host = pr.In.Host // the ALB keeps the client's Host
				},
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
				},
			})
		}
		rt.backends[id] = b
	}
	return rt
}

// Match returns the rule that applies to r, or nil when the listener's
// default action applies.
func (rt *Router) Match(r *http.Request) *Rule {
	for _, rule := range rt.listener.Rules {
		if matchesAll(rule.Conditions, r) {
			return rule
		}
	}
	return nil
}

// ServeHTTP applies the action of the first rule, in priority order, whose
// conditions all match r, or the default action when none does.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := rt.listener.Default
	if rule := rt.Match(r); rule != nil {
		action = rule.Action
	}
	switch {
	case action.FixedResponse != nil:
		fr := action.FixedResponse
		h := w.Header()
		h.Set("Content-Type", fr.ContentType)
		h.Set("Content-Length", strconv.Itoa(len(fr.Body)))
		w.WriteHeader(fr.StatusCode)
		if r.Method != http.MethodHead {
			fmt.Fprint(w, fr.Body)
		}
	case action.Redirect != nil:
		http.Redirect(w, r, rt.redirectURL(action.Redirect, r), action.Redirect.StatusCode)
	case action.Forward != nil:
		rt.forward(w, r, action.Forward)
	default:
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
	}
}

func (rt *Router) forward(w http.ResponseWriter, r *http.Request, f *Forward) {
	tg, ok := rt.sticky(r, f)
	if !ok {
		if tg, ok = rt.choose(f.TargetGroups); !ok {
			http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
			return
		}
		if f.Stickiness > 0 {
			http.SetCookie(w, &http.Cookie{
				Name:   StickinessCookie,
				Value:  url.QueryEscape(tg.String()),
				Path:   "/",
				MaxAge: int(f.Stickiness.Seconds()),
			})
		}
	}
	b := rt.backends[tg]
	if b == nil || len(b.proxies) == 0 {
		http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
		return
	}
	b.mu.Lock()
	p := b.proxies[b.next%len(b.proxies)]
	b.next++
	b.mu.Unlock()
	p.ServeHTTP(w, r)
}

// sticky returns the target group named by the request's stickiness cookie
// when the forward is sticky and the group is one of its targets.
func (rt *Router) sticky(r *http.Request, f *Forward) (ResourceID, bool) {
	if f.Stickiness <= 0 {
		return ResourceID{}, false
	}
	c, err := r.Cookie(StickinessCookie)
	if err != nil {
		return ResourceID{}, false
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ResourceID{}, false
	}
	for _, t := range f.TargetGroups {
		if t.TargetGroup.String() == v {
			return t.TargetGroup, true
		}
	}
	return ResourceID{}, false
}

// choose picks a target group with probability proportional to its
// weight. A single target group is chosen without a draw.
func (rt *Router) choose(ts []WeightedTarget) (ResourceID, bool) {
	total := 0
	for _, t := range ts {
		total += t.Weight
	}
	if total == 0 {
		return ResourceID{}, false
	}
	if len(ts) == 1 {
		return ts[0].TargetGroup, true
	}
	rt.mu.Lock()
	n := rt.rng.IntN(total)
	rt.mu.Unlock()
	for _, t := range ts {
		if n < t.Weight {
			return t.TargetGroup, true
		}
		n -= t.Weight
	}
	panic("unreachable")
}

// redirectURL fills a redirect's #{protocol}, #{host}, #{port}, #{path} and
// #{query} from r. The front door speaks HTTP.
func (rt *Router) redirectURL(rd *Redirect, r *http.Request) string {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, strconv.Itoa(rt.listener.Port)
	}
	repl := strings.NewReplacer(
		"#{protocol}", "http", "#{host}", host, "#{port}", port,
		"#{path}", strings.TrimPrefix(r.URL.EscapedPath(), "/"), "#{query}", r.URL.RawQuery)
	or := func(s, def string) string {
		if s == "" {
			s = def
		}
		return repl.Replace(s)
	}
	proto := strings.ToLower(or(rd.Protocol, "#{protocol}"))
	u := proto + "://" + or(rd.Host, "#{host}")
	if p := or(rd.Port, "#{port}"); !(proto == "http" && p == "80" || proto == "https" && p == "443") {
		u += ":" + p
	}
	u += or(rd.Path, "/#{path}")
	if q := or(rd.Query, "#{query}"); q != "" {
		u += "?" + q
	}
	return u
}

func matchesAll(conds []Condition, r *http.Request) bool {
	for _, c := range conds {
		if !matches(c, r) {
			return false
		}
	}
	return true
}

// requestPath is the path of r as the client sent it, without the query.
func requestPath(r *http.Request) string {
	if r.RequestURI != "" && r.RequestURI[0] == '/' {
		p, _, _ := strings.Cut(r.RequestURI, "?")
		return p
	}
	return r.URL.EscapedPath()
}

func matches(c Condition, r *http.Request) bool {
	switch c.Field {
	case FieldPathPattern:
		return anyValue(c.Values, func(v string) bool { return MatchPath(v, requestPath(r)) })
	case FieldHostHeader:
		return anyValue(c.Values, func(v string) bool { return MatchHost(v, r.Host) })
	case FieldMethod:
		return anyValue(c.Values, func(v string) bool { return v == r.Method })
	case FieldHTTPHeader:
		return anyValue(c.Values, func(v string) bool {
			for _, h := range r.Header.Values(c.HeaderName) {
				if MatchPath(strings.ToLower(v), strings.ToLower(h)) {
					return true
				}
			}
			return false
		})
	case FieldQueryString:
		q := r.URL.Query()
		for _, kv := range c.Query {
			for k, vs := range q {
				if kv.Key != "" && !MatchPath(strings.ToLower(kv.Key), strings.ToLower(k)) {
					continue
				}
				for _, v := range vs {
					if MatchPath(strings.ToLower(kv.Value), strings.ToLower(v)) {
						return true
					}
				}
			}
		}
		return false
	case FieldSourceIP:
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return false
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return false
		}
		return anyValue(c.Values, func(v string) bool {
			p, err := netip.ParsePrefix(v)
			return err == nil && p.Contains(ip.Unmap())
		})
	}
	return false
}

func anyValue(values []string, match func(string) bool) bool {
	for _, v := range values {
		if match(v) {
			return true
		}
	}
	return false
}
