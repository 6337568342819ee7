package main

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunUsageErrors: a command line that cannot run exits 2 and says why,
// before anything is synthesized or started; -h exits 0.
func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"compare", "-h"}, exitOK, "-corpus FILE"},
		{[]string{"compare"}, exitFailure, "-corpus FILE is required"},
		{[]string{"compare", "-corpus", "c.txt", "-b", "stage=split"}, exitFailure, "side a: say which stage: -a KEY=VALUE (like cdk synth -c) or -a-assembly DIR"},
		{[]string{"compare", "-corpus", "c.txt", "-a", "stage"}, exitFailure, `want KEY=VALUE, got "stage"`},
		{[]string{"compare", "-corpus", "c.txt", "-a-header", "no colon"}, exitFailure, `header "no colon": want "Name: value"`},
		{[]string{"compare", "-corpus", "no-such-corpus.txt", "-a", "stage=monolith", "-b", "stage=split"}, exitFailure, "no-such-corpus.txt"},
		{[]string{"compare", "-corpus", "c.txt", "extra"}, exitFailure, `unexpected arguments ["extra"]`},
		{[]string{"serve", "-nope"}, exitFailure, "flag provided but not defined: -nope"},
		{[]string{"transition", "-h"}, exitOK, "-scale factor"},
		{[]string{"transition", "-a", "stage=monolith", "-b", "stage=split"}, exitFailure, "ecsplit-local transition: -corpus FILE is required"},
		{[]string{"transition", "-corpus", "c.txt", "-a", "stage=monolith"}, exitFailure, "side b: say which stage: -b KEY=VALUE (like cdk synth -c) or -b-assembly DIR"},
		{[]string{"transition", "-corpus", "c.txt", "-a-assembly", "x", "-b-assembly", "y", "-scale", "0"}, exitFailure, "-scale 0: want a factor above 0"},
		{[]string{"transition", "-corpus", "c.txt", "-min-start-delay", "2s", "-max-start-delay", "1s"}, exitFailure, "ecsplit-local transition: timing: start delay from 2s to 1s is not a range"},
		{[]string{"transition", "-corpus", "c.txt", "-failed-tasks", "0"}, exitFailure, "-failed-tasks 0: want 1 or more"},
		{[]string{"transition", "-corpus", "c.txt", "-clients", "0"}, exitFailure, "-clients 0, -max-requests 1000000: want 1 or more"},
		{[]string{"-c", "stage=split", "extra"}, exitFailure, `ecsplit-local: unexpected arguments ["extra"]`},
		{[]string{"-assembly", "cdk.out", "-c", "stage=split"}, exitFailure, "stage: an assembly runs as it was synthesized: give it or context, not both"},
		// The forum's own flags are gone: an app names its own key.
		{[]string{"-stage", "split"}, exitFailure, "ecsplit-local: -stage is gone: give the context key your app reads, like cdk synth -c: -c stage=VALUE"},
		{[]string{"serve", "--capacity=ec2"}, exitFailure, "ecsplit-local: -capacity is gone: give the context key your app reads, like cdk synth -c: -c capacity=VALUE"},
		{[]string{"-c", "state=split", "--", "-stage"}, exitFailure, `unexpected arguments ["-stage"]`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
}

func TestContextFlags(t *testing.T) {
	c := contextFlags{}
	for _, s := range []string{"stage=users:100,threads:10", "x=a=b"} {
		if err := c.Set(s); err != nil {
			t.Errorf("Set(%q): %v", s, err)
		}
	}
	if c["stage"] != "users:100,threads:10" || c["x"] != "a=b" {
		t.Errorf("context %v", c)
	}
	for _, s := range []string{"stage", "=x"} {
		if err := c.Set(s); err == nil {
			t.Errorf("Set(%q) succeeded", s)
		}
	}
}

func TestHeaderAndListFlags(t *testing.T) {
	h := headerFlags{}
	h.Set("X-Ecsplit-Preview: users")
	h.Set("x-ecsplit-preview: threads")
	if got := http.Header(h).Values("X-Ecsplit-Preview"); !slices.Equal(got, []string{"users", "threads"}) {
		t.Errorf("headers %v", got)
	}
	var l listFlag
	l.Set("Date, X-Ecsplit-Service,,")
	if !slices.Equal(l, []string{"Date", "X-Ecsplit-Service"}) {
		t.Errorf("list %q", l)
	}
	l.Set("")
	if l == nil || len(l) != 0 {
		t.Errorf(`list of "" = %#v, want empty and not nil (compare every header)`, l)
	}
}

// TestWarnUnused: a services file name is a likely typo only when no
// stage that uses the file has such a container.
func TestWarnUnused(t *testing.T) {
	a := &stageFlags{services: "shared.json", unused: []string{"cart", "typo"}}
	b := &stageFlags{services: "shared.json", unused: []string{"typo"}}
	c := &stageFlags{services: "own.json", unused: []string{"legacy"}}
	var w bytes.Buffer
	warnUnused(&w, a, b, c, &stageFlags{})
	want := `ecsplit-local: warning: services file own.json names "legacy", which is no container of the stage
ecsplit-local: warning: services file shared.json names "typo", which is no container of the stage
`
	if w.String() != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", w.String(), want)
	}
}

func TestSideDescribe(t *testing.T) {
	s := side{stage: stageFlags{name: "b", context: contextFlags{"stage": "split", "capacity": "ec2"}},
		headers: headerFlags{"X-Ecsplit-Preview": {"users"}}}
	if got, want := s.describe(), "b: capacity=ec2 stage=split, header X-Ecsplit-Preview: users"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	s = side{stage: stageFlags{name: "a", assembly: "cdk.out"}}
	if got, want := s.describe(), "a: assembly cdk.out"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
}

// TestProgress: progress is printed at most once per interval, and a run
// that printed any ends with the final count.
func TestProgress(t *testing.T) {
	var w bytes.Buffer
	quiet := &progress{w: &w, total: 3, every: time.Hour, last: time.Now()}
	quiet.report(1, 0)
	quiet.done(0)
	if w.Len() != 0 {
		t.Errorf("a short run printed %q", w.String())
	}
	loud := &progress{w: &w, total: 3, every: 0}
	loud.report(1, 0)
	loud.report(2, 1)
	loud.done(1)
	want := "ecsplit-local: compared 1 request, 0 differ (of 3)\necsplit-local: compared 2 requests, 1 differs (of 3)\necsplit-local: compared 3 requests, 1 differs (of 3)\n"
	if w.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", w.String(), want)
	}
}
