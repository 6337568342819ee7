package albemu

import (
	"net"
	"net/http"
	"net/netip"
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

// MatchHost reports whether a host-header condition value matches host,
// case insensitively, with the same wildcards as MatchPath. A port in host
// is ignored.
func MatchHost(pattern, host string) bool {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return matchFold(pattern, host)
}

// matchFold matches like MatchPath, case insensitively: how the ALB
// compares host names, header values and query strings.
func matchFold(pattern, s string) bool {
	return MatchPath(strings.ToLower(pattern), strings.ToLower(s))
}

// matchesAll reports whether every condition of a rule matches r.
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
		for name, vs := range r.Header {
			if !strings.EqualFold(name, c.HeaderName) {
				continue
			}
			for _, h := range vs {
				if anyValue(c.Values, func(v string) bool { return matchFold(v, h) }) {
					return true
				}
			}
		}
		return false
	case FieldQueryString:
		q := r.URL.Query()
		for _, kv := range c.Query {
			for k, vs := range q {
				if kv.Key != "" && !matchFold(kv.Key, k) {
					continue
				}
				for _, v := range vs {
					if matchFold(kv.Value, v) {
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
