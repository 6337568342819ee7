package microservice

import (
	"strings"
	"testing"
)

func TestAutoPriority(t *testing.T) {
	// The first pattern of each pair overlaps the second and is more
	// specific: its rule must be evaluated first (lower priority).
	pairs := [][2]string{
		{"/api/users/archive", "/api/users/*"},
		{"/api/users/archive/*", "/api/users/*"},
		{"/api/users/1", "/api/users/?"},
		{"/api/users/?", "/api/users/*"},
		{"/api/users", "/api/users*"},
		{"/api/users/*", "/api/users*"},
		{"/api/users", "/api/*"},
		{"/api/users/*", "/api/*"},
		{"/api", "/api*"},
		{"/api/*", "/api*"},
		{"/api*", "/*"},
		{"/*", "*"},
	}
	for _, p := range pairs {
		narrow, broad := AutoPriority([]string{p[0]}), AutoPriority([]string{p[1]})
		if narrow >= broad {
			t.Errorf("%s priority %d is not before %s priority %d", p[0], narrow, p[1], broad)
		}
	}
	// A rule is as specific as its least specific pattern.
	if AutoPriority([]string{"/api/users", "/api/*"}) != AutoPriority([]string{"/api/*", "/api/users"}) {
		t.Error("priority depends on the order of the patterns")
	}
	if AutoPriority([]string{"/api/users", "/api/*"}) <= AutoPriority([]string{"/api/users/*"}) {
		t.Error("a rule with a broad pattern must come after one with only narrow patterns")
	}
	long := "/" + strings.Repeat("a", MaxPathPatternLength-1)
	for _, paths := range [][]string{{"*"}, {"/"}, {long}, {long[:MaxPathPatternLength-1] + "*"}} {
		if p := AutoPriority(paths); p < MinPriority || p > MaxPriority {
			t.Errorf("%q: priority %d outside %d-%d", paths, p, MinPriority, MaxPriority)
		}
	}
}
