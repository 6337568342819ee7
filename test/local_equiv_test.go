package test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/probe"
)

var (
	monolithFargate = map[string]string{"stage": "monolith", "capacity": "fargate"}
	splitFargate    = map[string]string{"stage": "split", "capacity": "fargate"}
)

// TestLocalStagesEquivalent runs the monolith and the split stage, in both
// capacity modes, through their synthesized ALB routing and requires the
// same answer, in status, headers (but for probe.DefaultIgnoredHeaders)
// and body, to every request of the corpus: the comparison
// `ecsplit-local compare` makes.
func TestLocalStagesEquivalent(t *testing.T) {
	parallel(t)
	diffs := equivalence(t, monolithFargate, splitFargate,
		map[string]string{"stage": "monolith", "capacity": "ec2"},
		map[string]string{"stage": "split", "capacity": "ec2"})
	for _, d := range diffs {
		t.Error(d)
	}
	if len(diffs) > 0 {
		t.Logf("%d differences between the stages over %d requests of %s", len(diffs), len(loadCorpus(t)), corpusFile)
	}
}

// TestLocalServesWholeAPI: each stage's front door serves every route, each
// from the service the stage's listener rules name.
func TestLocalServesWholeAPI(t *testing.T) {
	parallel(t)
	routes := []struct{ target, splitService string }{
		{"/api/users", "users"},
		{"/api/users/1", "users"},
		{"/api/threads", "threads"},
		{"/api/threads/1", "threads"},
		{"/api/posts", "posts"},
		{"/api/posts/in-thread/1", "posts"},
		{"/api/posts/by-user/1", "posts"},
	}
	for _, ctx := range []map[string]string{monolithFargate, splitFargate} {
		s := startStage(t, synth(t, ctx).Dir)
		for _, r := range routes {
			resp, err := probe.Send(context.Background(), probe.Door{URL: s.URL}, corpus.Request{Method: "GET", Target: r.target})
			if err != nil {
				t.Fatal(err)
			}
			want := "monolith"
			if ctx["stage"] == "split" {
				want = r.splitService
			}
			if got := resp.Header.Get("X-Ecsplit-Service"); resp.Status != 200 || got != want {
				t.Errorf("%s: GET %s = %d from %q, want 200 from %q", name(ctx), r.target, resp.Status, got, want)
			}
		}
	}
}

// TestLocalCatchesWrongRulePath plants a fault in the split stage's
// template: the users rule routes "/api/user/*" instead of "/api/users/*".
// The equivalence harness must report the user routes it breaks.
func TestLocalCatchesWrongRulePath(t *testing.T) {
	parallel(t)
	mono := startStage(t, synth(t, monolithFargate).Dir)
	planted := false
	faulty, _ := plantInServices(t, synth(t, splitFargate).Dir, typeListenerRule, "usersRule", func(r map[string]any) {
		conds := r["Properties"].(map[string]any)["Conditions"].([]any)
		vals := conds[0].(map[string]any)["PathPatternConfig"].(map[string]any)["Values"].([]any)
		for i, v := range vals {
			if v == "/api/users/*" {
				vals[i], planted = "/api/user/*", true
			}
		}
	})
	if !planted {
		t.Fatal("the users routing rule has no path /api/users/* to plant the fault in")
	}
	split := startStage(t, faulty)
	diffs := compareDoors(t, probe.Door{Name: "monolith", URL: mono.URL}, probe.Door{Name: "split-with-wrong-path", URL: split.URL})
	requireCaught(t, diffs, "GET /api/users/1", "status")
}

// TestLocalCatchesServiceThatAnswersDifferently plants a fault in the split
// stage's users image: its asset directory carries different seed data, so
// the users service answers GET /api/users/1 with another body. The
// equivalence harness must report it, and only user routes.
func TestLocalCatchesServiceThatAnswersDifferently(t *testing.T) {
	parallel(t)
	mono := startStage(t, synth(t, monolithFargate).Dir)
	src := synth(t, splitFargate)
	faulty := plantFault(t, src.Dir, func(dir string) {
		asm, err := albemu.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range asm.TargetGroups {
			for _, target := range tg.Targets {
				img := target.Container.Image.Asset
				if target.Container.Name != "users" || img == nil {
					continue
				}
				link := filepath.Join(dir, filepath.Base(img.Dir))
				os.Remove(link)
				if out, err := exec.Command("cp", "-R", filepath.Join(src.Dir, filepath.Base(img.Dir)), link).CombinedOutput(); err != nil {
					t.Fatalf("copy asset: %v\n%s", err, out)
				}
				data := filepath.Join(link, "forum", "data", "users.json")
				b, err := os.ReadFile(data)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), "Ada Lindqvist") {
					t.Fatal("seed data changed: no user Ada Lindqvist to plant the fault in")
				}
				if err := os.WriteFile(data, []byte(strings.Replace(string(b), "Ada Lindqvist", "Ada Lindkvist", 1)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatal("no users image asset to plant the fault in")
	})
	split := startStage(t, faulty)
	diffs := compareDoors(t, probe.Door{Name: "monolith", URL: mono.URL}, probe.Door{Name: "split-with-drifted-users", URL: split.URL})
	requireCaught(t, diffs, "GET /api/users/1", "body")
	for _, d := range diffs {
		if !strings.Contains(d.Request.Target, "/api/users") {
			t.Errorf("a users-only fault showed on another route: %s", d)
		}
	}
}

// requireCaught fails unless diffs hold a difference in what for req.
func requireCaught(t *testing.T, diffs []probe.Difference, req, what string) {
	t.Helper()
	if !slices.ContainsFunc(diffs, func(d probe.Difference) bool { return d.Request.String() == req && slices.Contains(d.What(), what) }) {
		t.Errorf("the planted fault was not caught: want a %s difference on %s, got %d differences: %v", what, req, len(diffs), diffs)
		return
	}
	t.Logf("planted fault caught: %d differences, such as:", len(diffs))
	for _, d := range diffs[:min(3, len(diffs))] {
		t.Log("  ", d)
	}
}
