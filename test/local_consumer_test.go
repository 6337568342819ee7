package test

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/constructs/ramp/lambda"
)

// consumerEnv is the environment of the go commands run in a consumer
// module such as the shop's (examples/shop), as its own team would run
// them: no workspace (the repository's go.work is not the shop's), its
// go.mod and go.sum as committed, and offline, from the module cache,
// which holds every dependency.
var consumerEnv = []string{"GOWORK=off", "GOFLAGS=-mod=readonly", "GOPROXY=off"}

// inShop returns the command name with args, to run in the shop's module,
// with the environment of a consumer module and of the tests' CLI runs.
func inShop(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = shopDir
	cmd.Env = slices.Concat(os.Environ(), consumerEnv, cliEnv)
	return cmd
}

// shopLocal runs ecsplit-local in the shop's module as docs/local-runner.md
// says, `go run github.com/ecsplit/ecsplit/cmd/ecsplit-local`, and returns
// its exit code, stdout and stderr.
func shopLocal(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runLogged(t, inShop("go", append([]string{"run", "github.com/ecsplit/ecsplit/cmd/ecsplit-local"}, args...)...))
}

// cartCreated matches the transition's event of the cart service's task
// registered in its target group.
var cartCreated = regexp.MustCompile(`(?m)^transition \+[0-9.]+s Shop \S*cart\S*Service\S* create: task healthy, registered in `)

// shopNoSubscriber is the warning the pinned CLI prints for the shop's
// alarm topic, which has no subscriber, whole: the message without its
// acknowledgement tag, the construct's path, and the id to acknowledge.
const shopNoSubscriber = "WARNING ecsplit: the alarm topic has no subscriber, so an alarm reaches nobody: " +
	"set Alarms.Email (the app's -c alarmEmail=ADDRESS), or subscribe to the topic (Migration.AlarmTopic) " +
	"and acknowledge this warning (Construct Annotations)\n" +
	"   Shop/Shop/AlarmTopic\n" +
	"   Acknowledge with 'Annotation::ecsplit:alarm-topic-without-subscriber'\n"

// shopRetireRefused is what the pinned CLI prints when the shop's state
// split retires legacy, whose /shop and /shop/items no service owns.
const shopRetireRefused = `ERROR ecsplit migration "Shop": State.Retired: retiring the monolith drops the paths ` +
	`its pattern "/shop" matches and no service's pattern does, such as "/shop": they would get the listener's ` +
	`default action; compare the states with your clients' requests (ecsplit-local compare), then set ` +
	"RetireUnownedPaths, or give those paths to a service (Construct Annotations)\n" +
	"   Shop/Shop\n"

// shopRamp is the ramp the shop is synthesized with, from its own context
// key.
const shopRamp = "ramp=10,50:5m"

// checkShopRamp asserts that the shop's synthesis with a ramp, in its own
// module, holds the ramp's function, built at synth from the shop's
// module for provided.al2023 on arm64 (a Linux ELF for AArch64 named
// bootstrap in its asset), and cart's ramp with the ramp's steps.
func checkShopRamp(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "Shop.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	var fns []map[string]any // the ramp's: the VPC's custom resource (CDK's, Node.js) is the other
	for _, fn := range resourcesOfType(tpl, "AWS::Lambda::Function") {
		if fn["Properties"].(map[string]any)["Runtime"] == "provided.al2023" {
			fns = append(fns, fn)
		}
	}
	ramps := resourcesOfType(tpl, migration.RampResourceType)
	if len(fns) != 1 || len(ramps) != 1 {
		t.Fatalf("the shop with %s has %d provided.al2023 functions and %d ramps, want 1 and 1", shopRamp, len(fns), len(ramps))
	}
	if p := ramps[0]["Properties"].(map[string]any); p[lambda.PropService] != "cart" || p[lambda.PropSteps] != "10,50" || p[lambda.PropPercent] != "100" {
		t.Errorf("cart's ramp: %v", p)
	}
	key, _ := fns[0]["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"].(string)
	f, err := elf.Open(filepath.Join(dir, "asset."+strings.TrimSuffix(key, ".zip"), "bootstrap"))
	if err != nil {
		t.Fatalf("the ramp's function asset: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("the ramp's bootstrap is %s %s, want a Linux AArch64 executable", f.Machine, f.OSABI)
	}
}

// TestShopMigratesFromItsOwnModule migrates the tiny shop, another team's
// module in examples/shop, through its states with the tools its README
// names, all run from its module, outside the library's:
//   - `cdk synth` through the pinned CLI, with the shop's own default
//     cdk.json (no feature flags) and its own key state: monolith and
//     cart:100 synthesize with no warning but that the alarm topic has no
//     subscriber, and so does cart:100 with a ramp, whose function the
//     synth builds from the shop's module (checkShopRamp), and split, which would retire legacy and drop /shop, fails
//     with one line that names the construct, the prop and a path;
//   - `go run github.com/ecsplit/ecsplit/cmd/ecsplit-local compare` of the
//     two assemblies the CLI wrote, with the shop's services started by
//     command: its corpus answered alike;
//   - `ecsplit-local transition` from the CLI's monolith to state=cart:50,
//     which it synthesizes through the shop's cdk.json: the cart service is
//     created (the key reached the app), no ordering problem, no
//     unexpected answer under load.
//
// The CLI's syntheses are shared with the other shop tests (shopSyntheses).
//
// (The warning for a key the app does not read, and the planted faults of
// compare and transition, are the tests of cmd/ecsplit-local and
// local_shop_*_test.go.)
func TestShopMigratesFromItsOwnModule(t *testing.T) {
	parallel(t)
	states := []string{"monolith", "cart:100", "split", "cart:100 " + shopRamp}
	results := shopSyntheses(t, states...)
	for _, i := range []int{0, 1, 3} {
		state := states[i]
		r := results[i]
		if r.code != 0 {
			t.Fatalf("cdk synth -c state=%s: exit %d, want 0:\n%s", state, r.code, r.stderr)
		}
		if strings.Count(r.stderr, "WARNING") != 1 || !strings.Contains(r.stderr, shopNoSubscriber) {
			t.Errorf("cdk synth -c state=%s: stderr\n%s\nwant one warning, exactly:\n%s", state, r.stderr, shopNoSubscriber)
		}
	}
	if r := results[2]; r.code != 1 || !strings.Contains(r.stderr, shopRetireRefused) ||
		strings.Count(r.stderr, "ERROR") != 1 || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("cdk synth -c state=split: exit %d, stderr\n%s\nwant exit 1 and one error, exactly:\n%s", r.code, r.stderr, shopRetireRefused)
	}

	checkShopRamp(t, results[3].dir)

	code, report, _ := shopLocal(t, "compare", "-a-assembly", results[0].dir, "-b-assembly", results[1].dir,
		"-services", "services.json", "-corpus", "corpus.txt")
	if code != 0 || !strings.HasSuffix(report, "\n21 requests, 0 differ\n") {
		t.Errorf("compare monolith with cart:100: exit %d, report:\n%s\nwant exit 0 and 21 requests, 0 differ", code, report)
	}

	code, report, stderr := shopLocal(t, "transition", "-a-assembly", results[0].dir, "-b", "state=cart:50",
		"-services", "services.json", "-corpus", "corpus.txt", "-scale", "0.01")
	for _, want := range []string{
		"a: assembly " + results[0].dir + "\nb: state=cart:50\n",
		"ordering: no rule sends a share to a service before it is stable or after it is deleted\n",
		", complete\n",
		" 0 unexpected answers\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("transition: the report lacks %q", want)
		}
	}
	if !cartCreated.MatchString(stderr) {
		t.Error("transition: the cart service was not created: did state=cart:50 reach the app?")
	}
	if code != 0 {
		t.Errorf("transition: exit %d, want 0", code)
	}
}

// TestShopFlagsChangeNoBehaviour: the constructs need no feature flag.
// The tiny shop synthesized with none (its own cdk.json) and under the
// sample app's (cdk.json: cdk init's recommended set) has the same
// resources with the same properties, but for the two differences the
// README names, which change no behaviour: the order of a policy
// statement's actions and resources, and the ECS deployment controller named
// explicitly. Anything else that differs fails it.
func TestShopFlagsChangeNoBehaviour(t *testing.T) {
	parallel(t)
	shop, err := filepath.Abs(shopDir)
	if err != nil {
		t.Fatal(err)
	}
	// The shop's app under the sample's cdk.json flags, through the CLI as
	// the shop's own synthesis is.
	flagged := t.TempDir()
	cfg, err := json.Marshal(map[string]any{"app": "cd '" + shop + "' && go run .", "context": cdkJSONContext(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(flagged, "cdk.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(flagged, "out")
	cmd := inShop(cdkCLI(t), "synth", "--quiet", "-c", "state=cart:50", "-o", out)
	cmd.Dir = flagged
	if code, _, stderr := runLogged(t, cmd); code != 0 {
		t.Fatalf("cdk synth under the sample's flags: exit %d\n%s", code, stderr)
	}
	read := func(dir string) map[string]any {
		b, err := os.ReadFile(filepath.Join(dir, "Shop.template.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tmpl map[string]any
		if err := json.Unmarshal(b, &tmpl); err != nil {
			t.Fatal(err)
		}
		res := tmpl["Resources"].(map[string]any)
		delete(res, "CDKMetadata")
		return res
	}
	with, without := read(out), read(synthShop(t, "cart:50"))
	sortActions(with)
	sortActions(without)
	controllers := 0
	for _, r := range without {
		r := r.(map[string]any)
		if props, ok := r["Properties"].(map[string]any); ok && r["Type"] == "AWS::ECS::Service" {
			if c, ok := props["DeploymentController"].(map[string]any); ok && c["Type"] == "ECS" && len(c) == 1 {
				delete(props, "DeploymentController")
				controllers++
			}
		}
	}
	if controllers != 2 {
		t.Errorf("without flags, %d services name the ECS deployment controller, want both (legacy and cart): is the README's difference still true?", controllers)
	}
	if len(with) != len(without) {
		t.Errorf("%d resources under the sample's flags, %d without", len(with), len(without))
	}
	for id, r := range with {
		if !reflect.DeepEqual(r, without[id]) {
			a, _ := json.Marshal(r)
			b, _ := json.Marshal(without[id])
			t.Errorf("%s differs beyond the README's two differences:\nflags:    %s\nno flags: %s", id, a, b)
		}
	}
}

// sortActions sorts, in place, the Action and Resource lists of every
// statement of the policies below v (by their JSON).
func sortActions(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if a, ok := x.([]any); ok && (k == "Action" || k == "Resource") {
				slices.SortFunc(a, func(x, y any) int { return strings.Compare(jsonText(x), jsonText(y)) })
			}
			sortActions(x)
		}
	case []any:
		for _, x := range v {
			sortActions(x)
		}
	}
}
