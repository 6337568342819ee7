package albemu

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// StickinessCookie is the cookie the router sets to keep a client on one
// target group of a weighted forward with stickiness, like the ALB's
// AWSALBTG cookie. Its value names the target group.
const StickinessCookie = "AWSALBTG"

// Router routes HTTP requests like the ALB listener it was made from. It is
// an http.Handler: serve it on a loopback port and it is the front door.
//
// Its listener (default action and rules) and each target group's
// registered targets can change while it serves, as CloudFormation and ECS
// change them during a deployment: SetListener swaps the rules at once;
// Register and Deregister change a target group's targets. A request is
// routed by the listener current when it arrived.
type Router struct {
	// OnResponse, when set, is called with each answer a target gives,
	// before the router passes it on: the target's base URL (as
	// registered) and the answer's header, which it may change. The
	// router's own answers (a fixed response, a redirect, the 503 of a
	// target group without targets, the 502 of a target that does not
	// answer) do not pass through it. Set it before the router serves.
	OnResponse func(target *url.URL, h http.Header)

	listener atomic.Pointer[Listener]
	observer atomic.Pointer[func(Served)]
	targets  targets

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

// NewRouter returns a router for listener that forwards a target group's
// requests to the base URLs in targets (its running tasks, used round
// robin). A forward to a target group without targets answers 503, as the
// ALB does. seed seeds the choices of weighted forwards: two routers with
// the same seed given the same requests choose the same target groups.
func NewRouter(listener *Listener, targets map[ResourceID][]*url.URL, seed uint64) *Router {
	rt := &Router{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	rt.SetListener(listener)
	for _, id := range slices.SortedFunc(maps.Keys(targets), CompareIDs) {
		for _, u := range targets[id] {
			rt.Register(id, u)
		}
	}
	return rt
}

// Served is what the router did with one request: what the load balancer's
// CloudWatch metrics count.
type Served struct {
	// TargetGroup is the target group of the target the request was sent
	// to; the zero ResourceID when the router answered without choosing a
	// target (a fixed response, a redirect, the 503 of a forward without
	// targets).
	TargetGroup ResourceID
	// Status is the status of the answer: the target's, or the router's
	// own.
	Status int
	// TargetFailed reports that the chosen target did not answer (no
	// connection, or no answer's header): Status is the router's 502.
	// A client that went away first is not the target's failure: Status
	// is then StatusClientClosed.
	TargetFailed bool
	// Elapsed is how long the target took to answer, from when the router
	// sent it the request to when the answer's header arrived (what the ALB
	// measures as TargetResponseTime); zero when no target answered.
	Elapsed time.Duration
}

// SetObserver makes the router call f with what it did with each request,
// on the goroutine that served it, once the answer is written or the
// request aborted; nil stops the calls. It may be called while the router
// serves: a request reports to the observer set when it arrived.
func (rt *Router) SetObserver(f func(Served)) {
	if f == nil {
		rt.observer.Store(nil)
		return
	}
	rt.observer.Store(&f)
}

// Listener returns the listener the router serves now. It is shared: do not
// modify it.
func (rt *Router) Listener() *Listener { return rt.listener.Load() }

// SetListener makes the router serve l's default action and rules, in
// priority order, from the next request on. The router keeps l's rules:
// give it new ones rather than modifying them afterwards.
func (rt *Router) SetListener(l *Listener) {
	c := *l
	c.Rules = make([]*Rule, len(l.Rules))
	for i, rule := range l.Rules {
		c.Rules[i] = preparedRule(rule)
	}
	sortRules(c.Rules)
	rt.listener.Store(&c)
}

// preparedRule returns rule, or, when a condition of it was made by hand
// rather than read by Load, a copy with every condition prepared: the
// router matches only prepared conditions. A condition that does not
// prepare (a bad CIDR block) matches nothing.
func preparedRule(rule *Rule) *Rule {
	if !slices.ContainsFunc(rule.Conditions, func(c Condition) bool { return c.prepared == nil }) {
		return rule
	}
	c := *rule
	c.Conditions = slices.Clone(rule.Conditions)
	for i := range c.Conditions {
		if c.Conditions[i].prepared == nil {
			m, err := prepare(c.Conditions[i])
			if err != nil {
				m = &matcher{} // no value to match
			}
			c.Conditions[i].prepared = m
		}
	}
	return &c
}

// Register adds a target (a task's base URL) to a target group; it does
// nothing when the target is registered already.
func (rt *Router) Register(tg ResourceID, u *url.URL) { rt.targets.register(tg, u, rt.newProxy) }

// Deregister removes a target from a target group and reports whether it
// was registered. Requests it is serving finish; no new one reaches it.
func (rt *Router) Deregister(tg ResourceID, u *url.URL) bool { return rt.targets.deregister(tg, u) }

// Targets returns the targets registered in a target group, in
// registration order.
func (rt *Router) Targets(tg ResourceID) []*url.URL { return rt.targets.list(tg) }

// Match returns the rule that applies to r, or nil when the listener's
// default action applies.
func (rt *Router) Match(r *http.Request) *Rule {
	return match(rt.listener.Load(), r)
}

func match(l *Listener, r *http.Request) *Rule {
	for _, rule := range l.Rules {
		if matchesAll(rule.Conditions, r) {
			return rule
		}
	}
	return nil
}

// ServeHTTP applies the action of the first rule, in priority order, whose
// conditions all match r, or the default action when none does.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l := rt.listener.Load()
	action := l.Default
	if rule := match(l, r); rule != nil {
		action = rule.Action
	}
	var served Served
	observe := rt.observer.Load()
	if observe != nil {
		defer func() { (*observe)(served) }() // deferred: an answer cut short panics
	}
	switch {
	case action.FixedResponse != nil:
		fr := action.FixedResponse
		served.Status = fr.StatusCode
		h := w.Header()
		h.Set("Content-Type", fr.ContentType)
		h.Set("Content-Length", strconv.Itoa(len(fr.Body)))
		w.WriteHeader(fr.StatusCode)
		if r.Method != http.MethodHead {
			fmt.Fprint(w, fr.Body)
		}
	case action.Redirect != nil:
		served.Status = action.Redirect.StatusCode
		http.Redirect(w, r, redirectURL(action.Redirect, r, l.Port), action.Redirect.StatusCode)
	case action.Forward != nil:
		rt.forward(w, r, action.Forward, &served, observe != nil)
	default:
		served.Status = http.StatusInternalServerError
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
	}
}

// forward sends r to a target of one of f's target groups: the group of the
// request's stickiness cookie, or one chosen by weight. It answers 503 when
// the group has no target. A sticky forward that chose a group and reached
// a target sets the stickiness cookie on the answer. It records what it did
// in served; when observed, the target's answer too.
func (rt *Router) forward(w http.ResponseWriter, r *http.Request, f *Forward, served *Served, observed bool) {
	unavailable := func() {
		served.Status = http.StatusServiceUnavailable
		http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
	}
	tg, stuck := sticky(r, f)
	if !stuck {
		var ok bool
		if tg, ok = rt.choose(f.TargetGroups); !ok {
			unavailable()
			return
		}
	}
	p := rt.targets.next(tg)
	if p == nil {
		unavailable()
		return
	}
	if !stuck && f.Stickiness > 0 {
		http.SetCookie(w, &http.Cookie{
			Name:   StickinessCookie,
			Value:  url.QueryEscape(tg.String()),
			Path:   "/",
			MaxAge: int(f.Stickiness.Seconds()),
		})
	}
	served.TargetGroup = tg
	if observed {
		r = r.WithContext(context.WithValue(r.Context(), pendingKey{}, &pending{served, time.Now()}))
	}
	p.ServeHTTP(w, r)
}

// pending is a request sent to a target, for the observer: the proxy
// records the target's answer, or its failure, in served.
type pending struct {
	served *Served
	sent   time.Time
}

type pendingKey struct{}

// answered records the answer of a target to a request sent by forward.
func answered(resp *http.Response) {
	if p, ok := resp.Request.Context().Value(pendingKey{}).(*pending); ok {
		p.served.Status = resp.StatusCode
		p.served.Elapsed = time.Since(p.sent)
	}
}

// failed records that a target did not answer a request sent by forward.
func failed(r *http.Request) {
	if p, ok := r.Context().Value(pendingKey{}).(*pending); ok {
		p.served.Elapsed = 0
		if r.Context().Err() != nil { // the client closed or gave up first
			p.served.Status = StatusClientClosed
			return
		}
		p.served.Status = http.StatusBadGateway
		p.served.TargetFailed = true
	}
}

// StatusClientClosed is the status the ALB logs for a request whose client
// closed the connection before the answer: it is neither a target's answer
// nor a failure of the target or of the load balancer.
const StatusClientClosed = 460

// sticky returns the target group named by the request's stickiness cookie
// when the forward is sticky and the group is one of its targets.
func sticky(r *http.Request, f *Forward) (ResourceID, bool) {
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
	stack, logical, _ := strings.Cut(v, "/") // ResourceID.String's form
	for _, t := range f.TargetGroups {
		if t.TargetGroup.Stack == stack && t.TargetGroup.LogicalID == logical {
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
// #{query} from r; listenerPort is the port when r's Host has none. The
// front door speaks HTTP.
func redirectURL(rd *Redirect, r *http.Request, listenerPort int) string {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, strconv.Itoa(listenerPort)
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
