package probe

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// Door is a named front door, such as a running Stage.
type Door struct {
	// Name names the door in differences, such as "monolith".
	Name string
	// URL is the door's base URL.
	URL string
	// Header holds extra request headers sent to this door only, such as
	// a preview header that routes to a new service. A Host header here
	// replaces the door's host name.
	Header http.Header
}

// Response is what a door answered.
type Response struct {
	// Status is the answer's status code.
	Status int
	// Header is the answer's header, as read (names canonical).
	Header http.Header
	// Body is the whole body.
	Body []byte
}

// DefaultIgnoredHeaders are the response headers Compare ignores unless
// told otherwise: X-Ecsplit-Local-Service (runner.ServiceHeader, which a
// local stage's front door adds) and X-Ecsplit-Service (which ecsplit's
// own services add) name the service that answered, and Date the second
// it answered, which differ between stages by design; Connection and
// Keep-Alive describe one connection (hop by hop), which the load
// balancer rewrites. Content-Length is compared: for a HEAD it is the
// only trace of the body.
var DefaultIgnoredHeaders = []string{"Connection", "Date", "Keep-Alive", "X-Ecsplit-Local-Service", "X-Ecsplit-Service"}

// LoadBalancerCookiePrefix starts the names of the cookies the load
// balancer itself sets (AWSALB, AWSALBCORS, AWSALBTG, AWSALBTGCORS,
// AWSALBAPP-*). Compare drops the Set-Cookie lines that set them: a stage
// with stickiness sets them, one without does not, and the app never sees
// them.
const LoadBalancerCookiePrefix = "AWSALB"

// CompareOptions configures Compare.
type CompareOptions struct {
	// IgnoreHeaders are the response headers not compared, in any letter
	// case. nil means DefaultIgnoredHeaders; an empty, non-nil list
	// compares every header.
	IgnoreHeaders []string
	// Progress, when set, is called after each request with the number of
	// requests compared and of differences found so far.
	Progress func(done, differ int)
}

// Difference is one request that the doors answered differently.
type Difference struct {
	// Request is the request of the corpus.
	Request corpus.Request
	// Doors are the doors' names, in door order.
	Doors []string
	// Responses are the doors' answers, in door order.
	Responses []*Response
	// Status and Body report whether the statuses and the bodies differ.
	Status, Body bool
	// Headers are the compared headers that differ, canonical and sorted.
	Headers []string
}

// What lists what differs: "status", the header names, then "body".
func (d Difference) What() []string {
	var out []string
	if d.Status {
		out = append(out, "status")
	}
	out = append(out, d.Headers...)
	if d.Body {
		out = append(out, "body")
	}
	return out
}

// String reports the difference on one line, with each door's status.
func (d Difference) String() string {
	var st []string
	for i, r := range d.Responses {
		st = append(st, fmt.Sprintf("%s=%d", d.Doors[i], r.Status))
	}
	return fmt.Sprintf("%s (%s)", d.headline(), strings.Join(st, " "))
}

// headline names the request and what differs, such as
// "GET /api/users/1 (corpus line 8): status, body differ".
func (d Difference) headline() string {
	what, verb := d.What(), "differ"
	if len(what) == 1 {
		verb = "differs"
	}
	return fmt.Sprintf("%s (corpus line %d): %s %s", d.Request, d.Request.Line, strings.Join(what, ", "), verb)
}

// Compare sends every request of reqs to every door, in corpus order and
// door by door, and returns the requests whose status, compared headers or
// body differ between the doors. An error means a door could not be
// reached at all; the differences found until then are returned with it.
func Compare(ctx context.Context, reqs []corpus.Request, opts CompareOptions, doors ...Door) ([]Difference, error) {
	if len(doors) < 2 {
		return nil, fmt.Errorf("compare: need two or more doors, got %d", len(doors))
	}
	for _, d := range doors {
		if err := checkHeader(d.Header); err != nil {
			return nil, fmt.Errorf("door %s: %w", d.Name, err)
		}
	}
	ignore := opts.IgnoreHeaders
	if ignore == nil {
		ignore = DefaultIgnoredHeaders
	}
	ignored := map[string]bool{}
	for _, h := range ignore {
		ignored[http.CanonicalHeaderKey(h)] = true
	}
	var diffs []Difference
	for i, r := range reqs {
		d := Difference{Request: r}
		for _, door := range doors {
			resp, err := Send(ctx, door, r)
			if err != nil {
				return diffs, fmt.Errorf("%s: %s (corpus line %d): %w", door.Name, r, r.Line, err)
			}
			d.Doors = append(d.Doors, door.Name)
			d.Responses = append(d.Responses, resp)
		}
		if d.compare(ignored) {
			diffs = append(diffs, d)
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(diffs))
		}
	}
	return diffs, nil
}

// compare fills in what differs between d's responses and reports whether
// anything does.
func (d *Difference) compare(ignored map[string]bool) bool {
	first := d.Responses[0]
	names := map[string]bool{}
	for _, r := range d.Responses {
		for k := range r.Header {
			if !ignored[k] {
				names[k] = true
			}
		}
	}
	for _, r := range d.Responses[1:] {
		d.Status = d.Status || r.Status != first.Status
		d.Body = d.Body || !bytes.Equal(r.Body, first.Body)
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		v := headerValues(first.Header, name)
		if slices.ContainsFunc(d.Responses[1:], func(r *Response) bool { return !slices.Equal(headerValues(r.Header, name), v) }) {
			d.Headers = append(d.Headers, name)
		}
	}
	return d.Status || d.Body || len(d.Headers) > 0
}

// headerValues is what Compare compares of a header: its values in order,
// without the Set-Cookie lines of the load balancer's own cookies. An
// absent header has no values, unlike one empty value.
func headerValues(h http.Header, name string) []string {
	vs := h[name]
	if name == "Set-Cookie" {
		vs = slices.DeleteFunc(slices.Clone(vs), func(v string) bool {
			return strings.HasPrefix(strings.TrimSpace(v), LoadBalancerCookiePrefix)
		})
	}
	return vs
}
