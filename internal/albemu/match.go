package albemu

import "strings"

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
	return MatchPath(strings.ToLower(pattern), strings.ToLower(host))
}
