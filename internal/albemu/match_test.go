package albemu

import "testing"

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

// TestMatchHost: host patterns match case insensitively, without the port.
func TestMatchHost(t *testing.T) {
	checkMatches(t, "MatchHost", MatchHost, []matchCase{
		{"example.com", "example.com", true},
		{"example.com", "EXAMPLE.com", true},
		{"example.com", "example.com:8080", true},
		{"*.example.com", "api.example.com", true},
		{"*.example.com", "example.com", false},
		{"api.example.?om", "api.example.com", true},
		{"example.com", "[::1]:80", false},
	})
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
