// Package cfn reads CloudFormation templates and the stacks of a CDK cloud
// assembly as CloudFormation sees them: resources with their dependencies
// (DependsOn, Ref, Fn::GetAtt), exports and the exports a template imports;
// and the stacks' order and Docker image assets, as `cdk deploy` sees them.
// It is the one reader of manifest.json and the templates: the ALB
// emulator (package albemu) builds on its Assembly.
// It is what the deploy-semantics checks reason about: which exports a
// change removes, what CloudFormation creates, updates and deletes, and in
// which order.
package cfn

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Template is a CloudFormation template.
type Template struct {
	// Resources holds the template's resources by logical id.
	Resources map[string]*Resource `json:"Resources"`
	// Outputs holds the template's outputs by logical id.
	Outputs map[string]*Output `json:"Outputs"`
	// Parameters holds the template's parameters by name.
	Parameters map[string]*Parameter `json:"Parameters"`
	// Conditions holds the template's condition expressions by name.
	Conditions map[string]any `json:"Conditions"`
	// Mappings holds the template's mappings: map name, top-level key,
	// second-level key.
	Mappings map[string]map[string]map[string]any `json:"Mappings"`
}

// Parameter is one parameter of a template.
type Parameter struct {
	// Default is the value it takes when a deployment gives none.
	Default any `json:"Default"`
}

// Resource is one resource of a template.
type Resource struct {
	// Type is the resource type, such as "AWS::ECS::Service".
	Type string `json:"Type"`
	// Properties are the resource's properties, as the template's JSON.
	Properties map[string]any `json:"Properties"`
	// DependsOn lists the logical ids named by the DependsOn attribute (a
	// string or a list in the template).
	DependsOn StringList `json:"DependsOn"`
	// Condition names the template condition that decides whether the
	// resource is created; "" when it always is.
	Condition string `json:"Condition"`
}

// Output is one output of a template.
type Output struct {
	// Value is the output's value expression.
	Value any `json:"Value"`
	// Export is the output's export, nil when it exports nothing; its Name
	// is an expression, usually a literal string.
	Export *struct {
		Name any `json:"Name"`
	} `json:"Export"`
}

// StringList is a JSON string or list of strings.
type StringList []string

// UnmarshalJSON reads a string or a list of strings.
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("DependsOn: want a string or a list of strings: %w", err)
	}
	*l = many
	return nil
}

// Parse reads a template.
func Parse(b []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	if t.Resources == nil {
		t.Resources = map[string]*Resource{}
	}
	return &t, nil
}

// Load reads the template at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return t, nil
}

// OfType returns the logical ids of the resources of a type, sorted.
func (t *Template) OfType(typ string) []string {
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		if t.Resources[id].Type == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// Exports returns the template's exports: each export name (a literal
// string) with the value expression of its output.
func (t *Template) Exports() map[string]any {
	out := map[string]any{}
	for _, o := range t.Outputs {
		if o.Export == nil {
			continue
		}
		if name, ok := o.Export.Name.(string); ok {
			out[name] = o.Value
		}
	}
	return out
}

// Imports returns the export names the template imports with
// Fn::ImportValue of a literal name, sorted, each once.
func (t *Template) Imports() []string {
	seen := map[string]bool{}
	imported := func(m map[string]any) {
		if name, ok := m["Fn::ImportValue"].(string); ok && len(m) == 1 {
			seen[name] = true
		}
	}
	walk(t.Resources, imported)
	walk(t.Outputs, imported)
	return slices.Sorted(maps.Keys(seen))
}

// References returns the resources that resource id's properties refer to
// with Ref or Fn::GetAtt, sorted.
func (t *Template) References(id string) []string {
	r := t.Resources[id]
	if r == nil {
		return nil
	}
	refs := map[string]bool{}
	walk(r.Properties, func(m map[string]any) {
		if len(m) != 1 {
			return
		}
		switch {
		case m["Ref"] != nil:
			if ref, ok := m["Ref"].(string); ok && t.Resources[ref] != nil {
				refs[ref] = true
			}
		case m["Fn::GetAtt"] != nil:
			if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
				if ref, ok := ga[0].(string); ok && t.Resources[ref] != nil {
					refs[ref] = true
				}
			}
		}
	})
	delete(refs, id)
	return slices.Sorted(maps.Keys(refs))
}

// Dependencies returns the resources that resource id depends on, sorted:
// those its DependsOn names and those its properties refer to with Ref or
// Fn::GetAtt. CloudFormation creates and updates them first, and deletes
// them after it.
func (t *Template) Dependencies(id string) []string {
	r := t.Resources[id]
	if r == nil {
		return nil
	}
	deps := map[string]bool{}
	for _, d := range r.DependsOn {
		deps[d] = true
	}
	for _, d := range t.References(id) {
		deps[d] = true
	}
	delete(deps, id)
	return slices.Sorted(maps.Keys(deps))
}

// DependsOnTransitively reports whether resource a depends on resource b,
// directly or through other resources.
func (t *Template) DependsOnTransitively(a, b string) bool {
	seen := map[string]bool{}
	var visit func(string) bool
	visit = func(id string) bool {
		if seen[id] {
			return false
		}
		seen[id] = true
		for _, d := range t.Dependencies(id) {
			if d == b || visit(d) {
				return true
			}
		}
		return false
	}
	return visit(a)
}

// walk calls f on every JSON object inside v, depth first, in no
// particular order (its callers collect sets).
func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, e := range x {
			walk(e, f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	case map[string]*Resource:
		for _, r := range x {
			walk(r.Properties, f)
		}
	case map[string]*Output:
		for _, o := range x {
			walk(o.Value, f)
		}
	}
}
