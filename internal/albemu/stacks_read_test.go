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
	if got, want := fmt.Sprint(a.Templates.Artifacts), "[{Platform Platform []} {Services my-services [Platform]}]"; got != want {
		t.Errorf("stacks %s, want %s", got, want)
	}
}
