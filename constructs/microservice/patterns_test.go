package microservice

import (
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// patternPairs are pairs of path patterns, and whether a path matches both.
var patternPairs = []struct {
	a, b    string
	overlap bool
}{
	{"/shop/c*", "/shop/catalog*", true},
	{"/shop/c*", "/shop/cart*", true},
	{"/shop/catalog*", "/shop/cart*", false},
	{"/api/users", "/api/users/*", false},
	{"/api/users*", "/api/users/*", true},
	{"/api/users*", "/api/posts*", false},
	{"/api/*", "/api/users", true},
	{"/api", "/api/*", false},
	{"/a?c", "/abc", true},
	{"/a?c", "/ac", false},
	{"/a?c", "/a/c", true}, // '?' matches '/' too
	{"/a*c", "/ab", false},
	{"/a*", "/b*", false},
	{"/*", "/anything/at/all", true},
	{"/Users", "/users", false}, // case-sensitive
	{"/x*y*z", "/x?z*", true},
	{"/a*b", "/*ba", false}, // ends in b, ends in a
	{"/ab*", "/*ba", true},
	{"/??", "/???", false},
	{"/*", "/", true},
}

// TestOverlap: each pair's overlap is found with an example path, which
// the ALB emulator's matcher matches with both patterns; a pair said to be
// disjoint has no example, and no path of up to 6 characters over the
// patterns' characters matches both.
func TestOverlap(t *testing.T) {
	for _, pp := range patternPairs {
		example, ok := Overlap(pp.a, pp.b)
		if ok != pp.overlap {
			t.Errorf("Overlap(%q, %q) = %q, %v; want %v", pp.a, pp.b, example, ok, pp.overlap)
			continue
		}
		if ok && (!albemu.MatchPath(pp.a, example) || !albemu.MatchPath(pp.b, example)) {
			t.Errorf("Overlap(%q, %q) = %q, which the emulator does not match with both", pp.a, pp.b, example)
		}
		if !ok {
			if p, found := bruteForce(pp.a, []string{pp.b}, true); found {
				t.Errorf("Overlap(%q, %q) found none, but %q matches both", pp.a, pp.b, p)
			}
		}
	}
}

// TestUncovered: a pattern covered by others has no uncovered example; one
// that is not has one, which the emulator matches with the pattern and
// with none of the others.
func TestUncovered(t *testing.T) {
	tests := []struct {
		pattern string
		others  []string
		covered bool
	}{
		{"/api*", []string{"/api", "/api/*"}, false}, // "/apix"
		{"/api/*", []string{"/api/users*", "/api/posts*"}, false},
		{"/api/users/*", []string{"/api/*"}, true},
		{"/api/?", []string{"/api/*"}, true},
		{"/api", []string{"/api"}, true},
		{"/api", []string{"/api/*"}, false},
		{"/*", []string{"/a*", "/b*"}, false},
		{"/?", []string{"/*"}, true},
		{"/a?", []string{"/ab", "/a/"}, false},
	}
	for _, tt := range tests {
		example, ok := Uncovered(tt.pattern, tt.others)
		if ok == tt.covered {
			t.Errorf("Uncovered(%q, %q) = %q, %v; want covered %v", tt.pattern, tt.others, example, ok, tt.covered)
			continue
		}
		if ok {
			if !albemu.MatchPath(tt.pattern, example) {
				t.Errorf("Uncovered(%q, %q) = %q, which %q does not match", tt.pattern, tt.others, example, tt.pattern)
			}
			for _, o := range tt.others {
				if albemu.MatchPath(o, example) {
					t.Errorf("Uncovered(%q, %q) = %q, which %q matches", tt.pattern, tt.others, example, o)
				}
			}
		} else if p, found := bruteForce(tt.pattern, tt.others, false); found {
			t.Errorf("Uncovered(%q, %q) found none, but %q is uncovered", tt.pattern, tt.others, p)
		}
	}
}

// bruteForce enumerates the paths of up to 6 characters over the patterns'
// alphabet and returns one that pattern matches and that all of others
// match (all) or none of them (!all), as the emulator matches.
func bruteForce(pattern string, others []string, all bool) (string, bool) {
	alphabet := alphabetOf(append([]string{pattern}, others...))
	var walk func(path string) (string, bool)
	walk = func(path string) (string, bool) {
		if albemu.MatchPath(pattern, path) {
			hits := 0
			for _, o := range others {
				if albemu.MatchPath(o, path) {
					hits++
				}
			}
			if (all && hits == len(others)) || (!all && hits == 0) {
				return path, true
			}
		}
		if len(path) == 6 {
			return "", false
		}
		for _, c := range alphabet {
			if p, ok := walk(path + string(c)); ok {
				return p, true
			}
		}
		return "", false
	}
	return walk("")
}
