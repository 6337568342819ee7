package probe

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// LoadOptions configures StartLoad.
type LoadOptions struct {
	// Clients is the number of clients sending at the same time, each
	// through the corpus from its own place. Default: 4.
	Clients int
	// MaxRequests bounds the run: the clients stop after sending this
	// many requests in all. Default: 1,000,000.
	MaxRequests int
	// Examples is how many unexpected answers the report keeps. Default:
	// 10.
	Examples int
}

// Load is a corpus sent through a front door again and again by several
// clients, each answer classified against the answer its request got in a
// steady state (see Baseline).
type Load struct {
	reqs     []corpus.Request
	baseline []int
	opts     LoadOptions
	begin    time.Time
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu     sync.Mutex
	cond   *sync.Cond
	report LoadReport
	ended  bool
}

// LoadReport counts what a Load sent and what came back unexpected.
type LoadReport struct {
	// Sent is the number of requests sent.
	Sent int
	// Unexpected is the number of unexpected answers (see Unexpected).
	Unexpected int
	// ByStatus counts the unexpected answers by status; 0 counts the
	// requests that got no answer at all.
	ByStatus map[int]int
	// Examples are the first unexpected answers.
	Examples []Unexpected
}

// Unexpected is an answer the steady state did not give: the request
// failed (no connection, no whole response), or the status is neither a
// 2xx nor a 4xx and differs from the steady state's. A 5xx where the
// steady state answered 2xx or 4xx is one; the same 501 the steady state
// gave is not.
type Unexpected struct {
	// Request is the request of the corpus that was sent.
	Request corpus.Request
	// Status is the status, 0 when the request failed.
	Status int
	// Err says why the request failed, "" when it got an answer.
	Err string
	// Baseline is the steady state's status for the request.
	Baseline int
	// At is the time since the load started.
	At time.Duration
}

// String reports the answer on one line.
func (u Unexpected) String() string {
	got := fmt.Sprint(u.Status)
	if u.Err != "" {
		got = "no answer (" + u.Err + ")"
	}
	return fmt.Sprintf("+%.3fs %s (corpus line %d): %s, steady state %d", u.At.Seconds(), u.Request, u.Request.Line, got, u.Baseline)
}

// String reports the counts on one line, such as
// "12034 requests, 0 unexpected answers", with the unexpected statuses.
func (r LoadReport) String() string {
	s := fmt.Sprintf("%d requests, %d unexpected answers", r.Sent, r.Unexpected)
	if r.Unexpected > 0 {
		var parts []string
		for _, st := range slices.Sorted(maps.Keys(r.ByStatus)) {
			name := fmt.Sprint(st)
			if st == 0 {
				name = "no answer"
			}
			parts = append(parts, fmt.Sprintf("%s: %d", name, r.ByStatus[st]))
		}
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// Baseline sends each request of reqs once, in order, and returns the
// statuses the door answered: what a steady state answers, against which
// a Load classifies the answers it gets during a transition.
func Baseline(ctx context.Context, door Door, reqs []corpus.Request) ([]int, error) {
	statuses := make([]int, len(reqs))
	for i, r := range reqs {
		resp, err := Send(ctx, door, r)
		if err != nil {
			return nil, fmt.Errorf("steady state: %s (corpus line %d): %w", r, r.Line, err)
		}
		statuses[i] = resp.Status
	}
	return statuses, nil
}

// StartLoad starts sending reqs through door, from opts.Clients clients,
// until Stop, ctx's end or opts.MaxRequests; baseline holds the steady
// state's status of each request (Baseline).
func StartLoad(ctx context.Context, door Door, reqs []corpus.Request, baseline []int, opts LoadOptions) (*Load, error) {
	if len(reqs) == 0 || len(baseline) != len(reqs) {
		return nil, fmt.Errorf("load: %d requests and %d steady-state statuses, want as many, and some", len(reqs), len(baseline))
	}
	if err := checkHeader(door.Header); err != nil {
		return nil, fmt.Errorf("load: door %s: %w", door.Name, err)
	}
	if opts.Clients <= 0 {
		opts.Clients = 4
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = 1_000_000
	}
	if opts.Examples <= 0 {
		opts.Examples = 10
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &Load{reqs: reqs, baseline: baseline, opts: opts, begin: time.Now(), cancel: cancel,
		report: LoadReport{ByStatus: map[int]int{}}}
	l.cond = sync.NewCond(&l.mu)
	for c := range opts.Clients {
		l.wg.Go(func() { l.client(ctx, door, c*len(reqs)/opts.Clients) })
	}
	go func() {
		l.wg.Wait()
		l.mu.Lock()
		l.ended = true
		l.cond.Broadcast()
		l.mu.Unlock()
	}()
	return l, nil
}

// client sends the corpus round and round from request i on.
func (l *Load) client(ctx context.Context, door Door, i int) {
	for ctx.Err() == nil {
		r := l.reqs[i]
		resp, err := Send(ctx, door, r)
		if ctx.Err() != nil {
			return // cut short by Stop: not an answer
		}
		if !l.record(i, resp, err) {
			return
		}
		i = (i + 1) % len(l.reqs)
	}
}

// record classifies one answer; it reports whether the load goes on.
func (l *Load) record(i int, resp *Response, err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.report.Sent >= l.opts.MaxRequests {
		return false
	}
	l.report.Sent++
	if u, bad := classify(l.reqs[i], l.baseline[i], resp, err); bad {
		u.At = time.Since(l.begin)
		l.report.Unexpected++
		l.report.ByStatus[u.Status]++
		if len(l.report.Examples) < l.opts.Examples {
			l.report.Examples = append(l.report.Examples, u)
		}
	}
	l.cond.Broadcast()
	return true
}

// classify reports whether an answer is unexpected, and how.
func classify(r corpus.Request, baseline int, resp *Response, err error) (Unexpected, bool) {
	u := Unexpected{Request: r, Baseline: baseline}
	if err != nil {
		u.Err = err.Error()
		return u, true
	}
	u.Status = resp.Status
	class := resp.Status / 100
	return u, class != 2 && class != 4 && resp.Status != baseline
}

// WaitSent waits until the load has sent n requests in all, or has ended
// (Stop, its context, MaxRequests); it reports whether n were sent.
func (l *Load) WaitSent(n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.report.Sent < n && !l.ended {
		l.cond.Wait()
	}
	return l.report.Sent >= n
}

// Sent returns the number of requests sent so far.
func (l *Load) Sent() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.report.Sent
}

// Stop stops the clients, waits for them and returns the report.
func (l *Load) Stop() LoadReport {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.report
	r.ByStatus = maps.Clone(r.ByStatus)
	r.Examples = slices.Clone(r.Examples)
	return r
}
