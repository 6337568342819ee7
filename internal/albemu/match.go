package albemu

import (
	"cmp"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// MatchPath reports whether the path pattern of an ALB path-pattern
// condition matches path, with the load balancer's documented semantics: the
// comparison is case sensitive, '*' matches zero or more characters
// (slashes included) and '?' matches exactly one character. path is the
// path of the request as sent, without the query string; the emulator does
// not percent-decode it (the ALB documentation does not say that it does),
// so "/api/%75sers" does not match "/api/users".
func MatchPath(pattern, path string) bool {
	// Iterative glob matching with single-star backtracking: linear in
	// practice, never exponential.
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(path) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == path[s]) && pattern[p] != '*':
			p++
			s++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case star >= 0:
			mark++
			p, s = star+1, mark
		default:
			return false
		}
	}
	return strings.Trim(pattern[p:], "*") == ""
}

// matchHost reports whether a host-header pattern, in lower case, matches
// host, case insensitively, with the same wildcards as MatchPath. A port in
// host is ignored.
func matchHost(pattern, host string) bool {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return matchFold(pattern, host)
}

// matchFold matches a pattern in lower case like MatchPath, case
// insensitively: how the ALB compares host names, header values and query
// strings.
func matchFold(pattern, s string) bool {
	return MatchPath(pattern, strings.ToLower(s))
}

// matcher is a condition prepared for matching: what Load works out once
// so that no request repeats it.
type matcher struct {
	// folded are the Values in lower case, for the fields the ALB compares
	// case insensitively (host-header, http-header).
	folded []string
	// header is the http-header condition's header name, canonical: the
	// key of a request's Header.
	header string
	// query are the query-string condition's patterns in lower case.
	query []KeyValue
	// prefixes are the source-ip condition's CIDR blocks.
	prefixes []netip.Prefix
}

// prepare works out the condition's matcher. A CIDR block that does not
// parse is left out of it, and the first such is the error.
func prepare(c Condition) (*matcher, error) {
	m := &matcher{header: http.CanonicalHeaderKey(c.HeaderName)}
	var err error
	switch c.Field {
	case FieldHostHeader, FieldHTTPHeader:
		for _, v := range c.Values {
			m.folded = append(m.folded, strings.ToLower(v))
		}
	case FieldQueryString:
		for _, kv := range c.Query {
			m.query = append(m.query, KeyValue{strings.ToLower(kv.Key), strings.ToLower(kv.Value)})
		}
	case FieldSourceIP:
		for _, v := range c.Values {
			p, perr := netip.ParsePrefix(v)
			if perr != nil {
				err = cmp.Or(err, fmt.Errorf("%q is not a CIDR block", v))
				continue
			}
			m.prefixes = append(m.prefixes, p)
		}
	}
	return m, err
}

// matcher returns the condition's matcher, prepared by Load or by
// Router.SetListener.
func (c *Condition) matcher() *matcher { return c.prepared }

// matchesAll reports whether every condition of a rule matches r.
func matchesAll(conds []Condition, r *http.Request) bool {
	for i := range conds {
		if !matches(&conds[i], r) {
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

func matches(c *Condition, r *http.Request) bool {
	switch c.Field {
	case FieldPathPattern:
		path := requestPath(r)
		return slices.ContainsFunc(c.Values, func(v string) bool { return MatchPath(v, path) })
	case FieldHostHeader:
		return slices.ContainsFunc(c.matcher().folded, func(v string) bool { return matchHost(v, r.Host) })
	case FieldMethod:
		return slices.Contains(c.Values, r.Method)
	case FieldHTTPHeader:
		m := c.matcher()
		return slices.ContainsFunc(r.Header[m.header], func(h string) bool {
			return slices.ContainsFunc(m.folded, func(v string) bool { return matchFold(v, h) })
		})
	case FieldQueryString:
		q := r.URL.Query()
		for _, kv := range c.matcher().query {
			for k, vs := range q {
				if kv.Key != "" && !matchFold(kv.Key, k) {
					continue
				}
				if slices.ContainsFunc(vs, func(v string) bool { return matchFold(kv.Value, v) }) {
					return true
				}
			}
		}
		return false
	case FieldSourceIP:
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			return false
		}
		ip := ap.Addr().Unmap()
		return slices.ContainsFunc(c.matcher().prefixes, func(p netip.Prefix) bool { return p.Contains(ip) })
	}
	return false
}
