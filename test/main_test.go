// Package test holds the CDK tests of the ecsplit app: assertions on the
// synthesized CloudFormation of every stage and capacity mode, validation of
// bad input, and the validators that read the templates. They live in one
// package so that one jsii kernel (one Node process) serves them all.
package test

import (
	"cmp"
	"encoding/json"
	"flag"
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

// defaultParallel is this package's -parallel unless the command line sets
// it: most tests wait on the jsii kernel or on processes of their own, so
// more of them than the machine's cores (go test's default) keep the cores
// busy.
const defaultParallel = "16"

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", defaultParallel) //nolint:errcheck // a valid value of a flag testing defines
	}
	code := m.Run()
	jsii.Close()
	worker.close()
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
	synthMu    sync.Mutex // guards synthCache and synthRoot
	synthCache = map[string]*synthesis{}
	synthRoot  string
)

// synth synthesizes the ecsplit app the way `cdk synth -c KEY=VALUE` does:
// built by stacks.Build, as main.go builds it (cdk-nag checks included), with the context of cdk.json and
// the CLI's (cliContext), overridden by ctx (for example "stage": "split"). Each distinct ctx is
// synthesized once per test binary and shared.
func synth(t testing.TB, ctx map[string]string) *synthesis {
	t.Helper()
	key := contextKey(ctx)

	if s := cachedSynthesis(key); s != nil {
		return s
	}
	defer holdJSII(t)()
	return synthesize(t, key, ctx)
}

// synthesize is synth for a caller that holds the kernel.
func synthesize(t testing.TB, key string, ctx map[string]string) *synthesis {
	t.Helper()
	if s := cachedSynthesis(key); s != nil { // synthesized while t waited
		return s
	}
	synthMu.Lock()
	if synthRoot == "" {
		d, err := os.MkdirTemp("", "ecsplit-test-synth-")
		if err != nil {
			synthMu.Unlock()
			t.Fatal(err)
		}
		synthRoot = d // removed after the tests unless ECSPLIT_KEEP_SYNTH is set
	}
	dir := filepath.Join(synthRoot, fmt.Sprintf("assembly-%d", len(synthCache)))
	synthMu.Unlock()
	context := cdkJSONContext(t)
	for k, v := range cliContext {
		context[k] = v
	}
	for k, v := range ctx {
		context[k] = v
	}
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
	synthMu.Lock()
	synthCache[key] = s
	synthMu.Unlock()
	return s
}

// contextKey is ctx as sorted KEY=VALUE pairs, the key of synthCache.
func contextKey(ctx map[string]string) string {
	keys := make([]string, 0, len(ctx))
	for k, v := range ctx {
		keys = append(keys, k+"="+v)
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// cachedSynthesis returns the synthesis of key, or nil if there is none yet.
func cachedSynthesis(key string) *synthesis {
	synthMu.Lock()
	defer synthMu.Unlock()
	return synthCache[key]
}

// dirCache holds what was read from each synthesized assembly directory,
// read once: an assembly is not written to after it is synthesized (a
// planted fault is a copy in a directory of its own), and several tests
// read each one many times. Callers must not modify what it returns.
type dirCache[T any] struct {
	mu   sync.Mutex
	read map[string]*dirEntry[T]
}

// get returns what load reads from dir, reading it the first time only,
// and fails t if it could not.
func (c *dirCache[T]) get(t testing.TB, dir string, load func(string) (T, error)) T {
	t.Helper()
	v, err := c.load(dir, load)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// load returns what load reads from dir, or its error, reading it the
// first time only: for goroutines of a test, which must not fail it.
func (c *dirCache[T]) load(dir string, load func(string) (T, error)) (T, error) {
	c.mu.Lock()
	if c.read == nil {
		c.read = map[string]*dirEntry[T]{}
	}
	e := c.read[dir]
	if e == nil {
		e = &dirEntry[T]{}
		c.read[dir] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = load(dir) }) // other directories load meanwhile
	return e.v, e.err
}

// dirEntry is one directory's entry in a dirCache, read once.
type dirEntry[T any] struct {
	once sync.Once
	v    T
	err  error
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

// The tests share one jsii kernel, which serves one call at a time (the
// Go runtime sends a request and reads its answer without a lock of its
// own). Every test runs in parallel with the others (go test's -parallel),
// so that validators and local runs, which mostly wait on processes of
// their own, use the second core while other tests synthesize; jsiiMu
// hands the kernel to one test at a time.
var (
	jsiiMu     sync.Mutex
	holderMu   sync.Mutex
	jsiiHolder string // the name of the test holding jsiiMu for its whole run, if any
)

// parallel runs a test beside the others. Its only use of the jsii kernel
// may be synth (and synthShop), which take the kernel for each synthesis.
func parallel(t *testing.T) {
	t.Helper()
	if holdsJSII(t) {
		t.Fatal("a subtest of a jsiiTest shares its hold on the kernel and cannot run in parallel")
	}
	declareSubprocessInputs()
	t.Parallel()
}

// jsiiTest runs a test that calls the jsii kernel itself (it builds
// constructs or asserts through assertions.Template) beside the others,
// holding the kernel from its start to its end, subtests included. Its
// subtests run one at a time (none calls t.Parallel): they share the hold.
func jsiiTest(t *testing.T) {
	declareSubprocessInputs()
	t.Parallel()
	jsiiMu.Lock()
	t.Cleanup(func() { // registered first: a failed warm-up must not keep the kernel
		holderMu.Lock()
		jsiiHolder = ""
		holderMu.Unlock()
		jsiiMu.Unlock()
	})
	warmUp(t)
	holderMu.Lock()
	jsiiHolder = t.Name()
	holderMu.Unlock()
}

// holdJSII takes the kernel for t, unless t (or the test it is a subtest
// of) holds it already through jsiiTest, and returns the function that
// gives it back.
func holdJSII(t testing.TB) (release func()) {
	if holdsJSII(t) {
		return func() {}
	}
	jsiiMu.Lock()
	warmed := false
	defer func() {
		if !warmed { // t.Fatal in the warm-up: give the kernel back
			jsiiMu.Unlock()
		}
	}()
	warmUp(t)
	warmed = true
	return jsiiMu.Unlock
}

// holdsJSII reports whether t, or the test it is a subtest of, holds the
// kernel through jsiiTest.
func holdsJSII(t testing.TB) bool {
	holderMu.Lock()
	h := jsiiHolder
	holderMu.Unlock()
	return h != "" && (t.Name() == h || strings.HasPrefix(t.Name(), h+"/"))
}

// warmUpOnce makes warmUp synthesize allStates once per test binary.
var warmUpOnce sync.Once

// warmUp synthesizes allStates, in a run of the whole package, the first
// time a test takes the kernel: the longest tests, the validators, need
// them all before they can start, and would otherwise wait for the kernel
// behind every other test. A run of chosen tests (-run) skips it.
func warmUp(t testing.TB) {
	warmUpOnce.Do(func() {
		if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
			return
		}
		// EC2 first: CDK's template validation (cdk.json's
		// validateAgainstDefaultRules) keeps its engine while each new
		// app's resource types are a subset of those it was made for, and
		// an EC2 app has every type a Fargate app has, and more.
		ec2First := slices.Clone(allStates)
		rank := func(ctx map[string]string) int {
			if ctx["capacity"] == "ec2" {
				return 0
			}
			return 1
		}
		slices.SortStableFunc(ec2First, func(a, b map[string]string) int { return cmp.Compare(rank(a), rank(b)) })
		for _, ctx := range ec2First {
			synthesize(t, contextKey(ctx), ctx)
		}
	})
}

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
	// A deploy with a ramp adds its function and custom resources.
	all = append(all, map[string]string{"stage": "users:100,threads:10", "ramp": "5,25,50:5m", "capacity": "fargate"})
	return all
}()

// resourceWithPrefix returns the one resource of type typ whose logical id
// starts with prefix, and its id; it fails the test unless exactly one
// does.
func resourceWithPrefix(t testing.TB, template map[string]any, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var ids []string
	res, _ := template["Resources"].(map[string]any)
	for id, r := range res {
		if r.(map[string]any)["Type"] == typ && strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		slices.Sort(ids)
		t.Fatalf("want one %s whose logical id starts with %s, got %v", typ, prefix, ids)
	}
	return ids[0], res[ids[0]].(map[string]any)
}

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
