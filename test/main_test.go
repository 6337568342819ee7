// Package test holds the CDK tests of the ecsplit app: assertions on the
// synthesized CloudFormation of every stage and capacity mode, validation of
// bad input, and the validators that read the templates. They live in one
// package so that one jsii kernel (one Node process) serves them all.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
	"github.com/ecsplit/ecsplit/stacks"
)

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := m.Run()
	jsii.Close()
	if os.Getenv("ECSPLIT_KEEP_SYNTH") == "" {
		for _, d := range []string{synthRoot, binDir} {
			if d != "" {
				os.RemoveAll(d)
			}
		}
	} else if synthRoot != "" {
		fmt.Fprintln(os.Stderr, "synthesized assemblies kept in", synthRoot, "and binaries in", binDir)
	}
	os.Exit(code)
}

// repoRoot is the repository root, relative to this package's directory.
const repoRoot = ".."

// cdkJSONContext returns the context of cdk.json (feature flags and the
// default stage), so that tests synthesize what `cdk synth` synthesizes.
func cdkJSONContext(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Context map[string]any }
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	return c.Context
}

// cliContext is the context the CDK CLI adds when it runs the app (read
// from CDK_CONTEXT_JSON under `cdk synth`), so that the tests synthesize
// byte for byte what `cdk synth` writes: resource path metadata, asset
// metadata, and the CDKMetadata resource of version reporting, whose
// analytics string records construct types and method calls.
var cliContext = map[string]any{
	"aws:cdk:enable-path-metadata":  true,
	"aws:cdk:enable-asset-metadata": true,
	"aws:cdk:version-reporting":     true,
	"aws:cdk:bundling-stacks":       []any{"**"},
}

// synthesis is one synthesized app: its cloud assembly on disk and its two
// templates.
type synthesis struct {
	// Dir is the cloud assembly directory (what cdk.out would hold).
	Dir string
	// App is the app's stacks.
	App *stacks.App
	// Assembly is the synthesized cloud assembly.
	Assembly cxapi.CloudAssembly
	// Platform and Services are the two stacks' templates.
	Platform, Services assertions.Template
}

// TemplateJSON returns the raw template of a stack as written to Dir.
func (s *synthesis) TemplateJSON(t testing.TB, stackName string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, stackName+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TemplateMap returns a stack's template as parsed JSON.
func (s *synthesis) TemplateMap(t testing.TB, stackName string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(s.TemplateJSON(t, stackName), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

var (
	synthMu    sync.Mutex
	synthCache = map[string]*synthesis{}
	synthRoot  string
)

// synth synthesizes the ecsplit app the way `cdk synth -c KEY=VALUE` does:
// built by stacks.Build, as main.go builds it (cdk-nag checks included), with the context of cdk.json and
// the CLI's (cliContext), overridden by ctx (for example "stage": "split"). Each distinct ctx is
// synthesized once per test binary and shared.
func synth(t testing.TB, ctx map[string]string) *synthesis {
	t.Helper()
	keys := make([]string, 0, len(ctx))
	for k, v := range ctx {
		keys = append(keys, k+"="+v)
	}
	slices.Sort(keys)
	key := strings.Join(keys, ",")

	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthCache[key]; ok {
		return s
	}
	if synthRoot == "" {
		d, err := os.MkdirTemp("", "ecsplit-test-synth-")
		if err != nil {
			t.Fatal(err)
		}
		synthRoot = d // removed after the tests unless ECSPLIT_KEEP_SYNTH is set
	}
	context := cdkJSONContext(t)
	for k, v := range cliContext {
		context[k] = v
	}
	for k, v := range ctx {
		context[k] = v
	}
	dir := filepath.Join(synthRoot, fmt.Sprintf("assembly-%d", len(synthCache)))
	context[stacks.ServicesDirKey] = filepath.Join(repoRoot, stacks.DefaultServicesDir)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context, Outdir: jsii.String(dir)})
	a, _, err := stacks.Build(app)
	if err != nil {
		t.Fatalf("context %v: %v", ctx, err)
	}
	s := &synthesis{
		Dir:      dir,
		App:      a,
		Assembly: app.Synth(nil),
		Platform: assertions.Template_FromStack(a.Platform.Stack, nil),
		Services: assertions.Template_FromStack(a.Services.Stack, nil),
	}
	synthCache[key] = s
	return s
}

// dirCache holds what was read from each synthesized assembly directory,
// read once: an assembly is not written to after it is synthesized (a
// planted fault is a copy in a directory of its own), and several tests
// read each one many times. Callers must not modify what it returns.
type dirCache[T any] struct {
	mu   sync.Mutex
	read map[string]T
}

// get returns what load reads from dir, reading it the first time only.
func (c *dirCache[T]) get(t testing.TB, dir string, load func(string) (T, error)) T {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.read[dir]; ok {
		return v
	}
	v, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.read == nil {
		c.read = map[string]T{}
	}
	c.read[dir] = v
	return v
}

var (
	assemblies dirCache[*cfn.Assembly]
	routings   dirCache[*albemu.Assembly]
)

// loadAssembly reads a synthesized assembly's templates, once per
// directory.
func loadAssembly(t testing.TB, dir string) *cfn.Assembly {
	t.Helper()
	return assemblies.get(t, dir, cfn.LoadAssembly)
}

// loadRouting reads a synthesized assembly's routing and templates
// (albemu.Load), once per directory.
func loadRouting(t testing.TB, dir string) *albemu.Assembly {
	t.Helper()
	return routings.get(t, dir, albemu.Load)
}

// parallel lets a test run beside the others once the package's sequential
// tests are done (go test's -parallel, GOMAXPROCS by default), so that the
// validators and local runs, which wait on their own processes, use the
// second core. Only a test whose sole use of the jsii kernel is synth
// (serialized by synthMu) may call it: the kernel serves one call at a
// time, so the assertions on construct trees and Templates stay sequential.
func parallel(t *testing.T) { t.Parallel() }

// check runs an assertion that panics on failure (every assertions.Template
// method does) and reports the panic as a test error, so that one failed
// assertion does not hide the rest.
func check(t testing.TB, what string, assert func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assert()
}

// stagesAndCapacities lists every combination the templates are proved in.
var stagesAndCapacities = []map[string]string{
	{"stage": "monolith", "capacity": "fargate"},
	{"stage": "split", "capacity": "fargate"},
	{"stage": "monolith", "capacity": "ec2"},
	{"stage": "split", "capacity": "ec2"},
}

// cutoverStates are the intermediate migration states (see
// migration.ParseState) proved besides the two ends.
var cutoverStates = []string{"users:100", "users:100,threads:10", "users:50,threads:50,posts:50"}

// allStates is every stage and migration state in both capacity modes: what
// the validators (cfn-lint, cdk-nag, Control Tower) run on.
var allStates = func() []map[string]string {
	all := slices.Clone(stagesAndCapacities)
	for _, capacity := range []string{"fargate", "ec2"} {
		for _, st := range cutoverStates {
			all = append(all, map[string]string{"stage": st, "capacity": capacity})
		}
	}
	return all
}()

// resourcesOfType returns the resources of one type in a parsed template.
func resourcesOfType(template map[string]any, typ string) []map[string]any {
	var out []map[string]any
	res, _ := template["Resources"].(map[string]any)
	names := make([]string, 0, len(res))
	for name := range res {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		r := res[name].(map[string]any)
		if r["Type"] == typ {
			out = append(out, r)
		}
	}
	return out
}
