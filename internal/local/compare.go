package local

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

// Door is a named front door, such as a running Stage.
type Door struct {
	// Name names the door in differences, such as "monolith".
	Name string
	// URL is the door's base URL.
	URL string
}

// Response is what a door answered, reduced to what Compare compares.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ComparedHeaders are the response headers Compare requires to be equal.
// Every other header is ignored, notably X-Ecsplit-Service, which names the
// service that answered and so differs between stages by design.
var ComparedHeaders = []string{"Content-Type", "Allow"}

// Difference is one request that two or more doors answered differently.
type Difference struct {
	Request corpus.Request
	// What is "status", "body" or a header name.
	What string
	// Values are the doors' answers for What, in door order.
	Values []string
	// Doors are the doors' names, in door order.
	Doors []string
}

// String reports the difference on one line.
func (d Difference) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (corpus line %d): %s differs:", d.Request, d.Request.Line, d.What)
	at := 0 // the first byte where some value differs from the first
	for _, v := range d.Values[1:] {
		n := 0
		for n < len(v) && n < len(d.Values[0]) && v[n] == d.Values[0][n] {
			n++
		}
		if n < len(v) || n < len(d.Values[0]) {
			at = max(at, n)
		}
	}
	for i, v := range d.Values {
		fmt.Fprintf(&b, " %s=%q", d.Doors[i], excerpt(v, at))
	}
	return b.String()
}

// excerpt shows up to 80 bytes of s from a little before offset at.
func excerpt(s string, at int) string {
	const before, width = 20, 80
	start := max(0, min(at-before, len(s)-width))
	end := min(len(s), start+width)
	out := s[start:end]
	if start > 0 {
		out = "..." + out
	}
	if end < len(s) {
		out += "..."
	}
	return out
}

// Compare sends every request of reqs to every door and returns the
// requests whose status, ComparedHeaders or body differ between doors. An
// error means a door could not be reached at all.
func Compare(ctx context.Context, reqs []corpus.Request, doors ...Door) ([]Difference, error) {
	if len(doors) < 2 {
		return nil, fmt.Errorf("compare: need two or more doors, got %d", len(doors))
	}
	var diffs []Difference
	for _, r := range reqs {
		resps := make([]*Response, len(doors))
		for i, d := range doors {
			resp, err := Send(ctx, d.URL, r)
			if err != nil {
				return diffs, fmt.Errorf("%s: %s: %w", d.Name, r, err)
			}
			resps[i] = resp
		}
		fields := map[string]func(*Response) string{
			"status": func(x *Response) string { return fmt.Sprint(x.Status) },
			"body":   func(x *Response) string { return string(x.Body) },
		}
		names := []string{"status"}
		for _, h := range ComparedHeaders {
			fields[h] = func(x *Response) string { return strings.Join(x.Header.Values(h), ", ") }
			names = append(names, h)
		}
		names = append(names, "body")
		for _, what := range names {
			d := Difference{Request: r, What: what}
			same := true
			for i, resp := range resps {
				v := fields[what](resp)
				d.Values = append(d.Values, v)
				d.Doors = append(d.Doors, doors[i].Name)
				same = same && v == d.Values[0]
			}
			if !same {
				diffs = append(diffs, d)
			}
		}
	}
	return diffs, nil
}

// Send sends one request to the door at baseURL with the target exactly as
// written in the corpus (no client-side cleaning or re-encoding), on a new
// connection, and reads the whole response.
func Send(ctx context.Context, baseURL string, r corpus.Request) (*Response, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ecsplit-compare\r\nConnection: close\r\n\r\n", r.Method, r.Target, u.Host); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.Method})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}
