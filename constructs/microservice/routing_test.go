package microservice

import (
	"fmt"
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

// TestPlanPriorities: automatic priorities that collide (the tutorial's
// /api/users* and /api/posts* land on each other's preview slot in a
// band) move to the next free slot of their band, in plan order; an
// explicit priority stays, and one that collides is reported.
func TestPlanPriorities(t *testing.T) {
	// Find two pattern sets whose automatic priorities collide.
	var a, b []string
	seen := map[int][]string{}
	for i := 0; a == nil; i++ {
		ps := []string{fmt.Sprintf("/api/s%03d*", i)}
		p := AutoPriority(ps)
		for _, q := range []int{p, p - 1, p + 1} {
			if other, ok := seen[q]; ok {
				a, b = other, ps
			}
		}
		seen[p] = ps
	}
	got, _, ok := PlanPriorities([][]string{a, b}, []int{0, 0})
	if !ok || got[0] != AutoPriority(a) || got[1] == AutoPriority(b) {
		t.Fatalf("PlanPriorities(%q, %q) = %v, %v: want the first kept at %d, the second moved", a, b, got, ok, AutoPriority(a))
	}
	if diff := got[1] - got[0]; diff > -2 && diff < 2 {
		t.Errorf("priorities %v: the rules or their preview rules share a priority", got)
	}
	if band := func(p int) int { return (p - MinPriority) / slotsPerBand }; band(got[1]) != band(AutoPriority(b)) {
		t.Errorf("the moved priority %d left its band (%d)", got[1], AutoPriority(b))
	}
	// Appending a rule moves none of the others.
	more, _, _ := PlanPriorities([][]string{a, b, {"/api/other*"}}, []int{0, 0, 0})
	if more[0] != got[0] || more[1] != got[1] {
		t.Errorf("appending a rule moved the others: %v, then %v", got, more)
	}
	// An explicit priority stays; one on another's preview slot clashes.
	if p, _, ok := PlanPriorities([][]string{a, b}, []int{100, 0}); !ok || p[0] != 100 {
		t.Errorf("explicit priority 100: %v, %v", p, ok)
	}
	if _, clash, ok := PlanPriorities([][]string{a, b}, []int{100, 101}); ok || clash != [2]int{0, 1} {
		t.Errorf("explicit priorities 100 and 101 (the preview rule of the second is 100): clash %v, ok %v", clash, ok)
	}
}
