package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

// load reads the assembly in dir.
func load(t *testing.T, dir string) *albemu.Assembly {
	t.Helper()
	a, err := albemu.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSameTemplates: two syntheses of one stage are the same templates
// in other directories; a changed environment variable, another service
// or another stack name is another stage.
func TestSameTemplates(t *testing.T) {
	one := load(t, runnertest.NewApp(runnertest.EchoV1).Write(t))
	if !sameTemplates(one, load(t, runnertest.NewApp(runnertest.EchoV1).Write(t))) {
		t.Error("two writes of one app differ")
	}
	for name, other := range map[string]*albemu.Assembly{
		"another greeting": load(t, runnertest.NewApp(runnertest.EchoV2).Write(t)),
		"another service":  load(t, runnertest.NewApp(runnertest.EchoV1, runnertest.More).Write(t)),
	} {
		if sameTemplates(one, other) {
			t.Errorf("%s: the same templates", name)
		}
	}
	renamed := load(t, runnertest.NewApp(runnertest.EchoV1).Write(t))
	renamed.Templates.Artifacts[0].Name = "Other"
	if sameTemplates(one, renamed) {
		t.Error("another stack name: the same templates")
	}
}

// TestWarnSameTemplates: sides asked for differently with the same
// templates are warned about, with a question about the context when
// they were asked for by context; sides asked for alike, or with other
// templates, are not.
func TestWarnSameTemplates(t *testing.T) {
	asm := load(t, runnertest.NewApp(runnertest.EchoV1).Write(t))
	other := load(t, runnertest.NewApp(runnertest.EchoV2).Write(t))
	mono, split := &stageFlags{label: "side a", context: contextFlags{"stage": "monolith"}}, &stageFlags{label: "side b", context: contextFlags{"stage": "split"}}
	tests := []struct {
		name string
		a, b *stageFlags
		bAsm *albemu.Assembly
		want string
	}{
		{"contexts", mono, split, asm, "ecsplit-local: warning: side a (stage=monolith) and side b (stage=split) have the same templates: " +
			"they are one stage, which agrees with itself; does the app read these context keys? Give -c the keys it reads\n"},
		{"assemblies", &stageFlags{label: "side a", assembly: "x"}, &stageFlags{label: "side b", assembly: "y"}, asm, "ecsplit-local: warning: side a (assembly x) and side b (assembly y) have the same templates: " +
			"they are one stage, which agrees with itself\n"},
		{"asked for alike", mono, &stageFlags{label: "side b", context: contextFlags{"stage": "monolith"}}, asm, ""},
		{"other templates", mono, split, other, ""},
	}
	for _, tt := range tests {
		var w bytes.Buffer
		warnSameTemplates(&w, tt.a, asm, tt.b, tt.bAsm)
		if w.String() != tt.want {
			t.Errorf("%s: warned %q, want %q", tt.name, w.String(), tt.want)
		}
	}
}

// TestCompareWarnsSameTemplates: compare of two directories that hold
// the same templates warns on stderr, and still compares (exit 0).
func TestCompareWarnsSameTemplates(t *testing.T) {
	one, two := runnertest.NewApp(runnertest.EchoV1).Write(t), runnertest.NewApp(runnertest.EchoV1).Write(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"compare", "-a-assembly", one, "-b-assembly", two, "-services", writeServices(t, "echo"),
		"-corpus", writeCorpus(t, runnertest.Corpus)}, &stdout, &stderr)
	if code != exitOK || !strings.Contains(stderr.String(), "have the same templates: they are one stage") ||
		!strings.HasSuffix(stdout.String(), "\n4 requests, 0 differ\n") {
		t.Errorf("exit %d, stderr:\n%s\nstdout:\n%s\nwant exit 0, the warning and 4 requests, 0 differ", code, stderr.String(), stdout.String())
	}
}

// TestCompareWarnsWhenContextIsNotRead: compare synthesizes each side with
// its context through cdk.json's app, an app that reads the key state.
// With side b's context under another key (stage), both sides are the
// app's default state: warned about, and no request differs. With the
// app's key, side b runs more, and more's paths differ: no warning.
func TestCompareWarnsWhenContextIsNotRead(t *testing.T) {
	app, services, reqs := writeApp(t), writeServices(t, "echo", "more"), writeCorpus(t, runnertest.Corpus)
	compare := func(b string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run([]string{"compare", "-app", app, "-a", "state=monolith", "-b", b, "-services", services, "-corpus", reqs}, &stdout, &stderr)
		t.Logf("compare -a state=monolith -b %s: exit %d\n%s%s", b, code, stderr.String(), stdout.String())
		return code, stdout.String(), stderr.String()
	}
	code, report, stderr := compare("stage=more")
	if want := "ecsplit-local: warning: side a (state=monolith) and side b (stage=more) have the same templates"; code != exitOK ||
		!strings.Contains(stderr, want) || !strings.HasSuffix(report, "\n4 requests, 0 differ\n") {
		t.Errorf("-b stage=more: exit %d, want 0, %q and 4 requests, 0 differ", code, want)
	}
	code, report, stderr = compare("state=more")
	if code != exitDiffer || strings.Contains(stderr, "warning") || !strings.Contains(report, "GET /more/1 (corpus line 2): status") {
		t.Errorf("-b state=more: exit %d, want 1, no warning and GET /more/1's status reported", code)
	}
}
