package albemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// CloudFormation resource types the emulator reads.
const (
	TypeListener       = "AWS::ElasticLoadBalancingV2::Listener"
	TypeListenerRule   = "AWS::ElasticLoadBalancingV2::ListenerRule"
	TypeTargetGroup    = "AWS::ElasticLoadBalancingV2::TargetGroup"
	TypeService        = "AWS::ECS::Service"
	TypeTaskDefinition = "AWS::ECS::TaskDefinition"
)

// Artifact types of manifest.json.
const (
	artifactStack  = "aws:cloudformation:stack"
	artifactAssets = "cdk:asset-manifest"
)

type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile string `json:"templateFile"`
			File         string `json:"file"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

type template struct {
	Resources map[string]resource `json:"Resources"`
	Outputs   map[string]struct {
		Value  any `json:"Value"`
		Export *struct {
			Name any `json:"Name"`
		} `json:"Export"`
	} `json:"Outputs"`
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

type assetManifest struct {
	DockerImages map[string]struct {
		Source struct {
			Directory  string   `json:"directory"`
			DockerFile string   `json:"dockerFile"`
			Executable []string `json:"executable"`
		} `json:"source"`
	} `json:"dockerImages"`
}

// reader holds the templates and asset manifests of an assembly while Load
// resolves references between them.
type reader struct {
	dir       string
	stacks    []Stack              // in artifact id order
	templates map[string]*template // by stack artifact id
	exports   map[string]export    // by export name
	assets    map[string]*ImageAsset
}

type export struct {
	stack string
	value any
}

// readAssembly reads manifest.json, every stack template it lists and every
// Docker image asset of its asset manifests.
func readAssembly(dir string) (*reader, error) {
	r := &reader{dir: dir, templates: map[string]*template{}, exports: map[string]export{}, assets: map[string]*ImageAsset{}}
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return nil, err
	}
	for _, id := range sortedKeys(m.Artifacts) {
		art := m.Artifacts[id]
		var err error
		switch art.Type {
		case artifactStack:
			name := art.Properties.StackName
			if name == "" {
				name = id
			}
			r.stacks = append(r.stacks, Stack{ID: id, Name: name, DependsOn: art.Dependencies})
			err = r.readTemplate(id, art.Properties.TemplateFile)
		case artifactAssets:
			err = r.readAssets(art.Properties.File)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(r.templates) == 0 {
		return nil, errors.New("manifest.json lists no stack")
	}
	for i, st := range r.stacks {
		// Dependencies name asset manifests too: keep the stacks.
		r.stacks[i].DependsOn = slices.DeleteFunc(slices.Clone(st.DependsOn), func(d string) bool { return r.templates[d] == nil })
	}
	return r, nil
}

func (r *reader) readTemplate(stack, file string) error {
	var t template
	if err := readJSON(filepath.Join(r.dir, file), &t); err != nil {
		return err
	}
	r.templates[stack] = &t
	for _, name := range sortedKeys(t.Outputs) {
		o := t.Outputs[name]
		if o.Export == nil {
			continue
		}
		if n, ok := o.Export.Name.(string); ok {
			r.exports[n] = export{stack: stack, value: o.Value}
		}
	}
	return nil
}

func (r *reader) readAssets(file string) error {
	var am assetManifest
	if err := readJSON(filepath.Join(r.dir, file), &am); err != nil {
		return err
	}
	for hash, img := range am.DockerImages {
		if len(img.Source.Executable) > 0 || img.Source.Directory == "" {
			continue // made by a command, not from a directory of the assembly
		}
		df := img.Source.DockerFile
		if df == "" {
			df = "Dockerfile"
		}
		r.assets[hash] = &ImageAsset{Hash: hash, Dir: filepath.Join(r.dir, img.Source.Directory), Dockerfile: df}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// resolve turns a reference to a resource ({"Ref": ID} in stack, or
// {"Fn::ImportValue": NAME} of an export whose value is such a Ref) into its
// ResourceID.
func (r *reader) resolve(stack string, v any) (ResourceID, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ResourceID{}, fmt.Errorf("%v is not a reference to a resource of the assembly", v)
	}
	if ref, ok := m["Ref"].(string); ok {
		if _, ok := r.templates[stack].Resources[ref]; !ok {
			return ResourceID{}, fmt.Errorf("Ref %s: no such resource in stack %s", ref, stack)
		}
		return ResourceID{stack, ref}, nil
	}
	if name, ok := m["Fn::ImportValue"].(string); ok {
		e, ok := r.exports[name]
		if !ok {
			return ResourceID{}, fmt.Errorf("Fn::ImportValue %s: no stack of the assembly exports it", name)
		}
		return r.resolve(e.stack, e.value)
	}
	return ResourceID{}, fmt.Errorf("%v is not a Ref or an Fn::ImportValue", v)
}

// lookup resolves a reference in stack to one of the resources in m, which
// what names in the error when it is another resource.
func lookup[T any](r *reader, stack string, ref any, m map[ResourceID]T, what string) (T, ResourceID, error) {
	var zero T
	id, err := r.resolve(stack, ref)
	if err != nil {
		return zero, id, err
	}
	v, ok := m[id]
	if !ok {
		return zero, id, fmt.Errorf("%s is not a %s", id, what)
	}
	return v, id, nil
}

func (r *reader) resource(id ResourceID) resource {
	return r.templates[id.Stack].Resources[id.LogicalID]
}

// ofType lists the resources of a type, in stack and logical id order.
func (r *reader) ofType(typ string) []ResourceID {
	var ids []ResourceID
	for _, stack := range sortedKeys(r.templates) {
		for _, name := range sortedKeys(r.templates[stack].Resources) {
			if r.templates[stack].Resources[name].Type == typ {
				ids = append(ids, ResourceID{stack, name})
			}
		}
	}
	return ids
}

// intValue reads a number that CloudFormation accepts as a JSON number or a
// numeric string.
func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), x == float64(int(x))
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

func stringList(v any) ([]string, error) {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a literal string", x)
		}
		out = append(out, s)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// CompareIDs orders resource ids by stack, then logical id.
func CompareIDs(a, b ResourceID) int {
	return strings.Compare(a.String(), b.String())
}
