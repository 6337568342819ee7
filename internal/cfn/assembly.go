package cfn

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Artifact types of manifest.json.
const (
	artifactStack  = "aws:cloudformation:stack"
	artifactAssets = "cdk:asset-manifest"
)

// Assembly is a synthesized cloud assembly as `cdk deploy` and
// CloudFormation see it: its stacks, their templates, and the Docker
// image assets they deploy.
//
// A stack is named by its artifact id (its key in manifest.json, such as
// "EcsplitServices"), everywhere: in Stacks, in Stack.DependsOn, and in the
// resource ids of the packages that read the assembly. Its CloudFormation
// stack name, which may differ, is Stack.Name.
type Assembly struct {
	// Stacks holds each stack's template by the stack's artifact id.
	Stacks map[string]*Template
	// Artifacts are the stacks as manifest.json lists them, in artifact
	// id order.
	Artifacts []Stack
	// Images holds the Docker image assets that are built from a
	// directory of the assembly, by asset hash. An image built by a
	// command (an asset's executable) is not one.
	Images map[string]*ImageAsset
}

// Stack is a stack artifact of the assembly.
type Stack struct {
	// ID is the stack's artifact id, its key in Assembly.Stacks.
	ID string
	// Name is its CloudFormation stack name: the artifact's stackName, or
	// ID when the manifest gives none.
	Name string
	// DependsOn are the artifact ids of the stacks it depends on, which
	// `cdk deploy` deploys before it (the artifact's dependencies, asset
	// manifests left out).
	DependsOn []string
	// ExecutionRole is the role CloudFormation deploys the stack with
	// (the artifact's cloudFormationExecutionRoleArn, CDK's bootstrap
	// role), with the placeholders ${AWS::Partition}, ${AWS::AccountId}
	// and ${AWS::Region} as the manifest writes them; "" when the
	// manifest names none, and CloudFormation acts with the deployer's
	// credentials.
	ExecutionRole string
}

// ImageAsset is a Docker image asset of the assembly: what `cdk deploy`
// would build with docker build.
type ImageAsset struct {
	// Hash is the asset hash, the image tag.
	Hash string
	// Dir is the absolute path of the asset's build context, a directory
	// of the assembly.
	Dir string
	// Dockerfile is the Dockerfile, relative to Dir.
	Dockerfile string
}

type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile string `json:"templateFile"`
			File         string `json:"file"`
			StackName    string `json:"stackName"`
			// ExecutionRole is cloudFormationExecutionRoleArn.
			ExecutionRole string `json:"cloudFormationExecutionRoleArn"`
		} `json:"properties"`
	} `json:"artifacts"`
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

// LoadAssembly reads the cloud assembly in dir: manifest.json, the
// template of every stack it lists, and the Docker image assets of its
// asset manifests.
func LoadAssembly(dir string) (*Assembly, error) {
	a, err := loadAssembly(dir)
	if err != nil {
		return nil, fmt.Errorf("cloud assembly %s: %w", dir, err)
	}
	return a, nil
}

func loadAssembly(dir string) (*Assembly, error) {
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return nil, err
	}
	a := &Assembly{Stacks: map[string]*Template{}, Images: map[string]*ImageAsset{}}
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		art := m.Artifacts[id]
		switch art.Type {
		case artifactStack:
			t, err := Load(filepath.Join(dir, art.Properties.TemplateFile))
			if err != nil {
				return nil, err
			}
			a.Stacks[id] = t
			a.Artifacts = append(a.Artifacts, Stack{ID: id, Name: cmp.Or(art.Properties.StackName, id), DependsOn: art.Dependencies,
				ExecutionRole: art.Properties.ExecutionRole})
		case artifactAssets:
			if err := a.readAssets(dir, art.Properties.File); err != nil {
				return nil, err
			}
		}
	}
	if len(a.Stacks) == 0 {
		return nil, errors.New("manifest.json lists no stack")
	}
	for i, st := range a.Artifacts {
		// Dependencies name asset manifests too: keep the stacks.
		a.Artifacts[i].DependsOn = slices.DeleteFunc(slices.Clone(st.DependsOn), func(d string) bool { return a.Stacks[d] == nil })
	}
	return a, nil
}

// readAssets reads the Docker image assets of an asset manifest.
func (a *Assembly) readAssets(dir, file string) error {
	var am assetManifest
	if err := readJSON(filepath.Join(dir, file), &am); err != nil {
		return err
	}
	for hash, img := range am.DockerImages {
		if len(img.Source.Executable) > 0 || img.Source.Directory == "" {
			continue // made by a command, not from a directory of the assembly
		}
		ctx, err := filepath.Abs(filepath.Join(dir, img.Source.Directory))
		if err != nil {
			return err
		}
		a.Images[hash] = &ImageAsset{Hash: hash, Dir: ctx, Dockerfile: cmp.Or(img.Source.DockerFile, "Dockerfile")}
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
