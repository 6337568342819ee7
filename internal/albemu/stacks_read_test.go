package albemu

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadStacks: the assembly's stacks, by artifact id and stack name,
// with the stacks (not the asset manifests) each depends on.
func TestLoadStacks(t *testing.T) {
	dir := newFixture().write(t)
	path := filepath.Join(dir, "manifest.json")
	var m map[string]any
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	services := m["artifacts"].(map[string]any)["Services"].(map[string]any)
	services["dependencies"] = []any{"Platform", "Services.assets"}
	services["properties"].(map[string]any)["stackName"] = "my-services"
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range a.Templates.Artifacts {
		got = append(got, fmt.Sprint(s.ID, " ", s.Name, " ", s.DependsOn))
	}
	if want := "[Platform Platform [] Services my-services [Platform]]"; fmt.Sprint(got) != want {
		t.Errorf("stacks (id, name, dependencies) %v, want %s", got, want)
	}
}
