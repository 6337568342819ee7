package stacks

import (
	"strings"
	"testing"
	"time"
)

// TestParseStage: the stage key is migration.ParseState against the
// forum's services, its message prefixed with the key and the value.
func TestParseStage(t *testing.T) {
	st, err := ParseStage("threads:10,users:100")
	if err != nil || st.String() != "users:100,threads:10" {
		t.Errorf("ParseStage = %v, %v", st, err)
	}
	_, err = ParseStage("users:10,threads:200")
	want := `context stage="users:10,threads:200" is not valid: percent "200" of threads is not a whole number from 0 to 100; ` +
		`use monolith, split, or SERVICE:PERCENT[,SERVICE:PERCENT...] with SERVICE one of users, threads, posts and PERCENT a whole number from 0 to 100 (for example users:100,threads:10)`
	if err == nil || err.Error() != want {
		t.Errorf("ParseStage error:\n got %v\nwant %s", err, want)
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

func TestPanicLines(t *testing.T) {
	tests := []struct {
		in   any
		want []string
	}{
		{`ecsplit alb "A": CertificateArn: bad`, []string{`alb "A": CertificateArn: bad`}},
		{errString("ValidationFailedWithErrors: Validation failed with the following errors:\n\t  [S/C] ecsplit cluster \"C\": EC2.MaxCapacity: too few\n\t  [S/D] other\n"),
			[]string{`cluster "C": EC2.MaxCapacity: too few`, "other"}},
		{"first line\n\tstack", []string{"first line"}},
	}
	for _, tt := range tests {
		if got := PanicLines(tt.in); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("PanicLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
