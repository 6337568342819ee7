package test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/internal/albemu"

	"github.com/ecsplit/ecsplit/stacks"
)

// routedRule is a listener rule read back from a services template: its
// paths, priority, the share of requests each service gets, and its
// stickiness in seconds (0 when off).
type routedRule struct {
	Paths      []string
	Priority   int
	Weights    map[string]int
	Stickiness int
}

// routedRules reads every listener rule of the assembly with the emulator's
// reader (albemu), which resolves each target group to the service
// (container name) registered in it.
func routedRules(t *testing.T, s *synthesis) []routedRule {
	t.Helper()
	a := loadRouting(t, s.Dir)
	var out []routedRule // a.Listener.Rules are in priority order
	for _, r := range a.Listener.Rules {
		if !r.PathsOnly() {
			previewRule := slices.ContainsFunc(r.Conditions, func(c albemu.Condition) bool {
				return c.Field == albemu.FieldHTTPHeader && strings.EqualFold(c.HeaderName, migration.DefaultPreviewHeader)
			})
			if !previewRule {
				t.Fatalf("rule %s: neither a routing rule (path patterns only) nor a preview rule (%s header): %v", r.ID, migration.DefaultPreviewHeader, r.Conditions)
			}
			continue // it carries no share of the traffic
		}
		if len(r.Conditions) != 1 || r.Conditions[0].Field != albemu.FieldPathPattern || r.Action.Forward == nil {
			t.Fatalf("rule %s: want one path-pattern condition and a forward, got %v -> %v", r.ID, r.Conditions, r.Action)
		}
		fwd := r.Action.Forward
		rr := routedRule{Paths: r.Conditions[0].Values, Priority: r.Priority, Weights: map[string]int{}, Stickiness: int(fwd.Stickiness.Seconds())}
		for _, wt := range fwd.TargetGroups {
			w := wt.Weight
			if len(fwd.TargetGroups) == 1 {
				w = 100 // a plain forward sends it everything
			}
			rr.Weights[targetName(t, a, wt.TargetGroup)] = w
		}
		out = append(out, rr)
	}
	return out
}

// targetName names the one container registered in a target group.
func targetName(t *testing.T, a *albemu.Assembly, id albemu.ResourceID) string {
	t.Helper()
	tg := a.TargetGroups[id]
	if tg == nil || len(tg.Targets) != 1 {
		t.Fatalf("target group %s: want exactly one registered container", id)
	}
	return tg.Targets[0].Container.Name
}

// describe renders rules as "paths->svc:w+svc:w", sorted by path.
func describe(rules []routedRule) string {
	var parts []string
	for _, r := range rules {
		var w []string
		for _, svc := range slices.Sorted(maps.Keys(r.Weights)) {
			w = append(w, fmt.Sprintf("%s:%d", svc, r.Weights[svc]))
		}
		parts = append(parts, r.Paths[0]+"->"+strings.Join(w, "+"))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// TestCutoverStates synthesizes the migration from monolith to split and
// checks, in each state, the rules and their weights, that the ALB
// evaluates every microservice's rule before the monolith's catch-all (the
// microservices' own paths are disjoint, so their relative order does not
// matter), and whether the monolith still runs.
func TestCutoverStates(t *testing.T) {
	parallel(t)
	tests := []struct {
		stage, rules string
		services     int
	}{
		{"monolith", "/api->monolith:100", 1},
		{"users:100", "/api->monolith:100 /api/users->users:100", 2},
		{"users:100,threads:10", "/api->monolith:100 /api/threads->monolith:90+threads:10 /api/users->users:100", 3},
		{"users:50,threads:50,posts:50", "/api->monolith:100 /api/posts->monolith:50+posts:50 /api/threads->monolith:50+threads:50 /api/users->monolith:50+users:50", 4},
		{"users:0", "/api->monolith:100 /api/users->monolith:100+users:0", 2},
		{"split", "/api/posts->posts:100 /api/threads->threads:100 /api/users->users:100", 3},
	}
	// A rule keeps its priority through every state, so no deployment of
	// the migration renumbers a rule (CloudFormation fails PriorityInUse).
	priority := map[string]int{}
	for _, capacity := range []string{"fargate", "ec2"} {
		monolith := synth(t, map[string]string{"stage": "monolith", "capacity": capacity})
		for _, tt := range tests {
			t.Run(capacity+"/"+tt.stage, func(t *testing.T) {
				s := synth(t, map[string]string{"stage": tt.stage, "capacity": capacity})
				rules := routedRules(t, s)
				if got := describe(rules); got != tt.rules {
					t.Errorf("rules in priority order:\n got %s\nwant %s", got, tt.rules)
				}
				if last := rules[len(rules)-1]; len(rules) > 1 && last.Paths[0] != "/api" && tt.stage != "split" {
					t.Errorf("the monolith's catch-all is not evaluated last: %v is", last.Paths)
				}
				for _, r := range rules {
					if p, seen := priority[r.Paths[0]]; seen && p != r.Priority {
						t.Errorf("rule %v has priority %d here, %d in another state", r.Paths, r.Priority, p)
					}
					priority[r.Paths[0]] = r.Priority
				}
				tpl := s.TemplateMap(t, "EcsplitServices")
				if got := len(resourcesOfType(tpl, typeService)); got != tt.services {
					t.Errorf("%d ECS services, want %d", got, tt.services)
				}
				if !bytes.Equal(s.TemplateJSON(t, "EcsplitPlatform"), monolith.TemplateJSON(t, "EcsplitPlatform")) {
					t.Errorf("platform template differs from the monolith stage's")
				}
			})
		}
	}
}

// TestCutoverEndsAtSplit: every service at 100 % keeps the monolith, for
// the paths no service owns: retiring it is a step of its own, the split
// stage, which removes the monolith's resources and adds none (its
// platform is the same; the topic policy and dashboard, which name the
// monolith, change).
func TestCutoverEndsAtSplit(t *testing.T) {
	parallel(t)
	all := synth(t, map[string]string{"stage": "posts:100,users:100,threads:100", "capacity": "fargate"})
	split := synth(t, map[string]string{"stage": "split", "capacity": "fargate"})
	if !bytes.Equal(all.TemplateJSON(t, stacks.PlatformStackName), split.TemplateJSON(t, stacks.PlatformStackName)) {
		t.Errorf("the platform differs between every service at 100 %% and the split stage")
	}
	a, b := all.TemplateMap(t, stacks.ServicesStackName)["Resources"].(map[string]any), split.TemplateMap(t, stacks.ServicesStackName)["Resources"].(map[string]any)
	for id := range b {
		if a[id] == nil {
			t.Errorf("the split stage adds %s", id)
		}
	}
	monolith := 0
	for id := range a {
		if b[id] != nil || id == "CDKMetadata" || strings.HasPrefix(id, "AlarmTopicPolicy") || strings.HasPrefix(id, "Dashboard") {
			continue
		}
		if !strings.HasPrefix(id, stacks.ForumMonolith.Name) {
			t.Errorf("retiring the monolith removes %s, not the monolith's", id)
		}
		monolith++
	}
	if monolith < 20 {
		t.Errorf("retiring the monolith removes %d resources, want its 20 at least", monolith)
	}
}

// TestCutoverStickinessTemplate: the stickiness context key turns on target group
// stickiness on weighted rules only.
func TestCutoverStickinessTemplate(t *testing.T) {
	parallel(t)
	s := synth(t, map[string]string{"stage": "users:100,threads:10", "capacity": "fargate", "stickiness": "10m"})
	for _, r := range routedRules(t, s) {
		want := 0
		if len(r.Weights) > 1 {
			want = 600
		}
		if r.Stickiness != want {
			t.Errorf("rule %v: stickiness %d s, want %d", r.Paths, r.Stickiness, want)
		}
	}
}
