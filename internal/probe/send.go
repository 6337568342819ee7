// Package probe sends a corpus of requests to front doors, such as local
// stages: one request exactly as written (Send), the whole corpus to two
// or more doors, compared answer by answer (Compare) with a readable
// report of the differences (WriteReport), and a load that sends it round
// and round while a stage changes, classifying each answer against the
// steady state's (Baseline, StartLoad).
package probe

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

// sendTimeout bounds one request and its response.
const sendTimeout = 10 * time.Second

// Send sends one request to a door with the target exactly as written in
// the corpus (no client-side cleaning or re-encoding) and the door's extra
// headers, on a new connection, and reads the whole response.
func Send(ctx context.Context, door Door, r corpus.Request) (*Response, error) {
	u, err := url.Parse(door.URL)
	if err != nil {
		return nil, err
	}
	host := u.Host
	extra := door.Header.Clone()
	if h := extra.Get("Host"); h != "" {
		host = h
		extra.Del("Host")
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(sendTimeout))
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ecsplit-compare\r\n", r.Method, r.Target, host)
	extra.Write(&req)
	req.WriteString("Connection: close\r\n\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
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

// ParseHeader parses a "Name: value" request header, as curl -H takes it.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || !validHeaderName(name) || strings.ContainsAny(value, "\r\n\x00") {
		return "", "", fmt.Errorf("header %q: want \"Name: value\"", s)
	}
	return name, value, nil
}

// checkHeader fails on a header that Send could not write as given.
func checkHeader(h http.Header) error {
	for name, vs := range h {
		if !validHeaderName(name) {
			return fmt.Errorf("header name %q is not a token", name)
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return fmt.Errorf("header %s: value %q holds a line break", name, v)
			}
		}
	}
	return nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110, 5.6.2).
func validHeaderName(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	})
}
