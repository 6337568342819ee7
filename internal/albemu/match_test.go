package albemu

import (
	"net/http/httptest"
	"slices"
	"testing"
)

// matchCase is one pattern and one string a matcher is asked about.
type matchCase struct {
	pattern, s string
	want       bool
}

// checkMatches runs a matcher over its cases.
func checkMatches(t *testing.T, name string, match func(pattern, s string) bool, cases []matchCase) {
	t.Helper()
	for _, tt := range cases {
		if got := match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("%s(%q, %q) = %v, want %v", name, tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestMatchPath covers the ALB documentation's path pattern rules: case
// sensitive, '*' is zero or more characters (slashes included), '?' exactly
// one, the whole path must match, and the path is compared as sent.
func TestMatchPath(t *testing.T) {
	checkMatches(t, "MatchPath", MatchPath, []matchCase{
		// Exact patterns match only themselves.
		{"/api/users", "/api/users", true},
		{"/api/users", "/api/users/", false},
		{"/api/users", "/api/users/1", false},
		{"/api/users", "/api/usersx", false},
		{"/api/users", "/api/user", false},
		// A trailing * also matches the empty string and any suffix.
		{"/api/users*", "/api/users", true},
		{"/api/users*", "/api/users/", true},
		{"/api/users*", "/api/usersx", true},
		{"/api/users*", "/api/users/1/2", true},
		// "/api/users/*" needs the slash.
		{"/api/users/*", "/api/users", false},
		{"/api/users/*", "/api/users/", true},
		{"/api/users/*", "/api/users/1", true},
		{"/api/users/*", "/api/users/1/threads", true},
		{"/api/users/*", "/api/usersx/1", false},
		// Case sensitive.
		{"/api/users/*", "/API/users/1", false},
		{"/api/users/*", "/api/Users/1", false},
		{"/img/*", "/IMG/a.png", false},
		// '?' is exactly one character.
		{"/api/user?", "/api/users", true},
		{"/api/user?", "/api/user", false},
		{"/api/user?", "/api/userss", false},
		{"/api/users/?", "/api/users/1", true},
		{"/api/users/?", "/api/users/12", false},
		// '*' in the middle, and across slashes (the documentation's
		// /img/*/pics example).
		{"/img/*/pics", "/img/2024/pics", true},
		{"/img/*/pics", "/img/2024/06/pics", true},
		{"/img/*/pics", "/img/pics", false},
		{"/img/*/pics", "/img//pics", true},
		{"*.png", "/a/b.png", true},
		{"*.png", "/a/b.png/x", false},
		{"/a*b*c", "/aXbYc", true},
		{"/a*b*c", "/aXbYcZ", false},
		{"/a*b*c", "/abbbbc", true},
		{"*", "/", true},
		{"*", "", true},
		{"/*", "/", true},
		// Encoded characters are compared as sent, not decoded.
		{"/api/users/*", "/api/users/a%20b", true},
		{"/api/users/*", "/api/%75sers/1", false},
		{"/api/%75sers/*", "/api/%75sers/1", true},
		{"/api/users/*", "/api/users%2F1", false},
		// A literal '*' or '?' in the path is just a character.
		{"/api/*", "/api/*", true},
		{"/api/x", "/api/?", false},
	})
}

// TestMatchHost: host patterns (lower-cased by Load) match case
// insensitively, without the port.
func TestMatchHost(t *testing.T) {
	checkMatches(t, "matchHost", matchHost, []matchCase{
		{"example.com", "example.com", true},
		{"example.com", "EXAMPLE.com", true},
		{"example.com", "example.com:8080", true},
		{"*.example.com", "api.example.com", true},
		{"*.example.com", "example.com", false},
		{"api.example.?om", "api.example.com", true},
		{"example.com", "[::1]:80", false},
	})
}

// TestConditions: each condition field against requests, as the ALB
// documents it. An http-header condition matches the header name case
// insensitively (net/http makes a request's header names canonical; the
// rule's may be in any case) and its values case insensitively with '*'
// and '?'; a rule matches only when all of its conditions do.
func TestConditions(t *testing.T) {
	preview := Condition{Field: FieldHTTPHeader, HeaderName: "X-Ecsplit-Preview", Values: []string{"users", "thr?ads", "posts-*"}}
	lowerPreview := Condition{Field: FieldHTTPHeader, HeaderName: "x-ecsplit-preview", Values: []string{"USERS"}}
	usersPath := Condition{Field: FieldPathPattern, Values: []string{"/api/users", "/api/users/*"}}
	tests := []struct {
		name   string
		conds  []Condition
		method string
		target string
		header map[string]string
		remote string
		want   bool
	}{
		{"header value", []Condition{preview}, "GET", "/", map[string]string{"X-Ecsplit-Preview": "users"}, "", true},
		{"header name in lower case", []Condition{preview}, "GET", "/", map[string]string{"x-ecsplit-preview": "users"}, "", true},
		{"header value in upper case", []Condition{preview}, "GET", "/", map[string]string{"X-ECSPLIT-PREVIEW": "USERS"}, "", true},
		{"header value with ?", []Condition{preview}, "GET", "/", map[string]string{"X-Ecsplit-Preview": "Threads"}, "", true},
		{"header value with *", []Condition{preview}, "GET", "/", map[string]string{"X-Ecsplit-Preview": "posts-by-user"}, "", true},
		{"header value must match whole", []Condition{preview}, "GET", "/", map[string]string{"X-Ecsplit-Preview": "users2"}, "", false},
		{"header absent", []Condition{preview}, "GET", "/", nil, "", false},
		{"other header", []Condition{preview}, "GET", "/", map[string]string{"X-Preview": "users"}, "", false},
		{"header name in lower case in the rule", []Condition{lowerPreview}, "GET", "/", map[string]string{"X-Ecsplit-Preview": "Users"}, "", true},
		{"header and path", []Condition{preview, usersPath}, "GET", "/api/users/1", map[string]string{"x-ecsplit-preview": "Users"}, "", true},
		{"header without path", []Condition{preview, usersPath}, "GET", "/api/threads/1", map[string]string{"X-Ecsplit-Preview": "users"}, "", false},
		{"path without header", []Condition{preview, usersPath}, "GET", "/api/users/1", nil, "", false},
		{"method", []Condition{{Field: FieldMethod, Values: []string{"GET", "HEAD"}}}, "HEAD", "/", nil, "", true},
		{"method is case sensitive", []Condition{{Field: FieldMethod, Values: []string{"GET"}}}, "get", "/", nil, "", false},
		{"host", []Condition{{Field: FieldHostHeader, Values: []string{"*.example.com"}}}, "GET", "http://API.example.com:8080/", nil, "", true},
		{"query value", []Condition{{Field: FieldQueryString, Query: []KeyValue{{"version", "v2*"}}}}, "GET", "/?Version=V2.1", nil, "", true},
		{"query any key", []Condition{{Field: FieldQueryString, Query: []KeyValue{{"", "beta"}}}}, "GET", "/?x=1&y=beta", nil, "", true},
		{"query absent", []Condition{{Field: FieldQueryString, Query: []KeyValue{{"version", "v2"}}}}, "GET", "/?other=v2", nil, "", false},
		{"source ip", []Condition{{Field: FieldSourceIP, Values: []string{"10.0.0.0/8"}}}, "GET", "/", nil, "10.1.2.3:5000", true},
		{"source ip outside", []Condition{{Field: FieldSourceIP, Values: []string{"10.0.0.0/8"}}}, "GET", "/", nil, "192.0.2.1:5000", false},
		{"unknown field", []Condition{{Field: "cookie", Values: []string{"*"}}}, "GET", "/", nil, "", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.target, nil)
		for k, v := range tt.header {
			r.Header.Set(k, v) // canonicalized, as net/http reads a request
		}
		if tt.remote != "" {
			r.RemoteAddr = tt.remote
		}
		// As Load prepares them, and as SetListener prepares a rule made
		// by hand.
		prepared := slices.Clone(tt.conds)
		for i := range prepared {
			m, err := prepare(prepared[i])
			if err != nil {
				t.Fatal(err)
			}
			prepared[i].prepared = m
		}
		byRouter := preparedRule(&Rule{Conditions: tt.conds}).Conditions
		for _, conds := range [][]Condition{prepared, byRouter} {
			if got := matchesAll(conds, r); got != tt.want {
				t.Errorf("%s: %v on %s %s %v = %v, want %v", tt.name, tt.conds, tt.method, tt.target, tt.header, got, tt.want)
			}
		}
	}
}

func FuzzMatchPath(f *testing.F) {
	f.Add("/api/*", "/api/users")
	f.Add("/a*b?c*", "/aXXbYcZZ")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		// A pattern without wildcards matches exactly itself.
		if !containsWildcard(path) && !MatchPath(path, path) {
			t.Errorf("MatchPath(%q, %q) = false", path, path)
		}
		MatchPath(pattern, path) // must not hang or panic
	})
}

func containsWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '?' {
			return true
		}
	}
	return false
}

// TestPathsOnly: a rule with only path-pattern conditions carries a share
// of its paths' traffic; one with any other condition does not.
func TestPathsOnly(t *testing.T) {
	paths := Condition{Field: FieldPathPattern, Values: []string{"/api/*"}}
	for _, tt := range []struct {
		conds []Condition
		want  bool
	}{
		{[]Condition{paths}, true},
		{[]Condition{paths, {Field: FieldPathPattern, Values: []string{"/x"}}}, true},
		{[]Condition{paths, {Field: FieldHTTPHeader, HeaderName: "X-Preview", Values: []string{"users"}}}, false},
		{[]Condition{{Field: FieldSourceIP, Values: []string{"192.0.2.1/32"}}, paths}, false},
		{[]Condition{paths, {Field: FieldMethod, Values: []string{"GET"}}}, false},
	} {
		if got := (&Rule{Conditions: tt.conds}).PathsOnly(); got != tt.want {
			t.Errorf("PathsOnly() of %v = %v, want %v", tt.conds, got, tt.want)
		}
	}
}
