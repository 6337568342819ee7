package stacks

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseStage(t *testing.T) {
	tests := []struct {
		in     string
		want   string // String() of the parsed stage
		routes string // service:percent of Routes()
	}{
		{"", "monolith", "monolith:100"},
		{"monolith", "monolith", "monolith:100"},
		{"split", "split", "users:100 threads:100 posts:100"},
		{"users:100", "users:100", "monolith:100 users:100"},
		{"users:100,threads:10", "users:100,threads:10", "monolith:100 users:100 threads:10"},
		{" threads:10 , users:100 ", "users:100,threads:10", "monolith:100 users:100 threads:10"},
		{"users:50,threads:50,posts:50", "users:50,threads:50,posts:50", "monolith:100 users:50 threads:50 posts:50"},
		{"posts:0", "posts:0", "monolith:100 posts:0"},
		{"users:100,threads:100,posts:100", "split", "users:100 threads:100 posts:100"},
	}
	for _, tt := range tests {
		st, err := ParseStage(tt.in)
		if err != nil {
			t.Errorf("ParseStage(%q): %v", tt.in, err)
			continue
		}
		if got := st.String(); got != tt.want {
			t.Errorf("ParseStage(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		var routes []string
		for _, r := range st.Routes() {
			routes = append(routes, fmt.Sprintf("%s:%d", r.Service, r.Percent))
		}
		if got := strings.Join(routes, " "); got != tt.routes {
			t.Errorf("ParseStage(%q).Routes() = %s, want %s", tt.in, got, tt.routes)
		}
		// String is ParseStage's syntax: it parses back to the same stage.
		again, err := ParseStage(st.String())
		if err != nil || again.String() != st.String() {
			t.Errorf("ParseStage(%q) does not round-trip: %v, %v", st.String(), again, err)
		}
	}
}

func TestParseStageErrors(t *testing.T) {
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
		_, err := ParseStage(tt.in)
		if err == nil {
			t.Errorf("ParseStage(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		msg := err.Error()
		for _, part := range []string{tt.want, `context stage="` + tt.in + `" is not valid`, "use monolith, split, or SERVICE:PERCENT", "users, threads, posts"} {
			if !strings.Contains(msg, part) {
				t.Errorf("ParseStage(%q) error %q lacks %q", tt.in, msg, part)
			}
		}
	}
}

func TestParseCapacityAndStickiness(t *testing.T) {
	for in, want := range map[string]Capacity{"": Fargate, "fargate": Fargate, "ec2": EC2} {
		if got, err := ParseCapacity(in); err != nil || got != want {
			t.Errorf("ParseCapacity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"EC2", "fargate ", "spot"} {
		if _, err := ParseCapacity(in); err == nil || !strings.Contains(err.Error(), "use one of fargate, ec2") {
			t.Errorf("ParseCapacity(%q) error = %v", in, err)
		}
	}
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "10m": 10 * time.Minute, "1s": time.Second, "168h": 168 * time.Hour} {
		if got, err := ParseStickiness(in); err != nil || got != want {
			t.Errorf("ParseStickiness(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"ten", "500ms", "1.5s", "169h", "-1s"} {
		if _, err := ParseStickiness(in); err == nil || !strings.Contains(err.Error(), "whole seconds from 1s to 168h") {
			t.Errorf("ParseStickiness(%q) error = %v", in, err)
		}
	}
}
