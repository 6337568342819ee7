package cfn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Assembly is the stacks of a synthesized cloud assembly.
type Assembly struct {
	// Stacks holds each stack's template by stack name.
	Stacks map[string]*Template
}

// LoadAssembly reads the templates of every stack listed in the cloud
// assembly's manifest.json.
func LoadAssembly(dir string) (*Assembly, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile string `json:"templateFile"`
				StackName    string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: manifest.json: %w", dir, err)
	}
	a := &Assembly{Stacks: map[string]*Template{}}
	for id, art := range m.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		t, err := Load(filepath.Join(dir, art.Properties.TemplateFile))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		name := art.Properties.StackName
		if name == "" {
			name = id
		}
		a.Stacks[name] = t
	}
	if len(a.Stacks) == 0 {
		return nil, fmt.Errorf("%s: manifest.json lists no stack", dir)
	}
	return a, nil
}
