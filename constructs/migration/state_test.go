package migration

import (
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/constructs/microservice"
)

var forum = []string{"users", "threads", "posts"}

func TestParseState(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "monolith"},
		{"monolith", "monolith"},
		{"split", "split"},
		{"users:100,threads:100,posts:100", "users:100,threads:100,posts:100"}, // all at 100 %, the monolith kept
		{"users:100", "users:100"},
		{"users:100,threads:10", "users:100,threads:10"},
		{" threads:10 , users:100 ", "users:100,threads:10"}, // table order
		{"users:50,threads:50,posts:50", "users:50,threads:50,posts:50"},
		{"posts:0", "posts:0"},
	}
	for _, tt := range tests {
		st, err := ParseState(tt.in, forum)
		if err != nil {
			t.Errorf("ParseState(%q): %v", tt.in, err)
			continue
		}
		if got := st.String(); got != tt.want {
			t.Errorf("ParseState(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		// String is ParseState's syntax: it parses back to the same state.
		again, err := ParseState(st.String(), forum)
		if err != nil || again.String() != st.String() {
			t.Errorf("ParseState(%q) does not round-trip: %v, %v", st.String(), again, err)
		}
	}
	if !Split(forum...).Complete(forum) || (State{}).Complete(forum) {
		t.Error("Complete: split must be complete, the monolith not")
	}
	if st, _ := ParseState("users:100,threads:100,posts:100", forum); !st.Complete(forum) || st.Retired {
		t.Error("every service at 100 % is complete, and does not retire the monolith: only split does")
	}
	if !Split(forum...).Retired {
		t.Error("split retires the monolith")
	}
	if st, err := ParseState("users : 100 , threads: 10", forum); err != nil || st.String() != "users:100,threads:10" {
		t.Errorf("spaces around ':' and ',': %v, %v", st, err)
	}
	if st, _ := ParseState("users:100,threads:100,posts:99", forum); st.Complete(forum) {
		t.Error("Complete: a share of 99 % is not complete")
	}
}

func TestParseStateErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"monolit", `"monolit" is not SERVICE:PERCENT`},
		{"Split", `"Split" is not SERVICE:PERCENT`},
		{"usrs:10", `unknown service "usrs"`},
		{"monolith:10", `unknown service "monolith"`},
		{"users:101", `percent "101" of users is not a whole number from 0 to 100`},
		{"users:-1", `percent "-1" of users`},
		{"users:+5", `percent "+5" of users`},
		{"users:1.5", `percent "1.5" of users`},
		{"users:10%", `percent "10%" of users`},
		{"users:", `"users:" is not SERVICE:PERCENT`},
		{"users", `"users" is not SERVICE:PERCENT`},
		{"users:10,", `"" is not SERVICE:PERCENT`},
		{"users:10,users:20", `service "users" is given twice`},
		{"users=10", `"users=10" is not SERVICE:PERCENT`},
	}
	for _, tt := range tests {
		_, err := ParseState(tt.in, forum)
		if err == nil {
			t.Errorf("ParseState(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		for _, part := range []string{tt.want, "use monolith, split, or SERVICE:PERCENT", "SERVICE one of users, threads, posts", "(for example users:100,threads:10)"} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("ParseState(%q) error %q lacks %q", tt.in, err, part)
			}
		}
	}
}

// TestMonolithCovers: the monolith's patterns cover a service's pattern
// below 100 % (checkState, through microservice.Uncovered) exactly when
// they match every path the service's pattern matches, together too.
func TestMonolithCovers(t *testing.T) {
	tests := []struct {
		monolith, pattern string
		want              bool
	}{
		{"/api/*", "/api/users", true},
		{"/api/*", "/api/users/*", true},
		{"/api/*", "/api/users?", true},
		{"/api", "/api", true},
		{"/api/*", "/api", false}, // "/api/*" does not match "/api"
		{"/api", "/api/users", false},
		{"/api/?", "/api/*", false}, // '?' is one character, '*' many
		{"/api/?", "/api/?", true},
		{"/api/u*", "/api/users/*", true},
		{"/api/users", "/api/user?", false},
		{"*", "/anything/*", true},
		{"/shop/*", "/api/users", false},
	}
	for _, tt := range tests {
		if example, out := microservice.Uncovered(tt.pattern, []string{tt.monolith}); out == tt.want {
			t.Errorf("monolith %q covers %q: %v (uncovered example %q), want %v", tt.monolith, tt.pattern, !out, example, tt.want)
		}
	}
	// Two patterns cover together what neither covers alone.
	if example, out := microservice.Uncovered("/api/*", []string{"/api/", "/api/?*"}); out {
		t.Errorf(`"/api/" and "/api/?*" leave %q of "/api/*" uncovered`, example)
	}
}
