package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// cfnLintIgnored are the cfn-lint rules the validation ignores, each with
// the reason.
var cfnLintIgnored = []string{
	// W3005: DependsOn on a resource that is already a dependency through
	// Ref or Fn::GetAtt. CDK emits such redundant DependsOn (an ECS service
	// on its listener rule and task role); it is harmless.
	"W3005",
}

// cfnLintFinding is one result of cfn-lint --format json.
type cfnLintFinding struct {
	Rule struct {
		ID string `json:"Id"`
	} `json:"Rule"`
	Level    string `json:"Level"`
	Message  string `json:"Message"`
	Filename string `json:"Filename"`
	Location struct {
		Path []any `json:"Path"`
	} `json:"Location"`
}

func (f cfnLintFinding) String() string {
	return fmt.Sprintf("%s %s %s at %v: %s", f.Level, f.Rule.ID, filepath.Base(f.Filename), f.Location.Path, f.Message)
}

// requireTool returns the path of a command the validators need, and fails
// the test with install instructions when it is missing.
func requireTool(t *testing.T, path, install string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err != nil {
		t.Fatalf("%s is required by this test and was not found (%v): %s", path, err, install)
	}
	return p
}

// cfnLint runs cfn-lint on templates and returns its findings, minus the
// ignored rules.
func cfnLint(t *testing.T, templates ...string) []cfnLintFinding {
	t.Helper()
	bin := filepath.Join(repoRoot, ".tools", "cfnlint", "bin", "cfn-lint") // scripts/install-cfnlint.sh
	if _, err := os.Stat(bin); err != nil {
		bin = requireTool(t, "cfn-lint", "make test-deps (scripts/install-cfnlint.sh) installs cfn-lint 1.51.0 from PyPI; or `pip install cfn-lint==1.51.0` (the npm package named cfn-lint is a different tool)")
	}
	args := []string{"--format", "json", "--ignore-checks", strings.Join(cfnLintIgnored, ","), "--"}
	cmd := exec.Command(bin, append(args, templates...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("cfn-lint: %v\n%s", err, stderr.String())
	}
	var findings []cfnLintFinding
	if jerr := json.Unmarshal(out, &findings); jerr != nil {
		t.Fatalf("cfn-lint exited %v without a JSON report: %v\n%s%s", err, jerr, out, stderr.String())
	}
	return findings
}

// allTemplates synthesizes every stage and migration state in both
// capacity modes and returns the paths of all their templates, each
// content once (the platform's is the same in every state): a validator
// gives the same findings for the same bytes.
func allTemplates(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, ctx := range allStates {
		m, err := filepath.Glob(filepath.Join(synth(t, ctx).Dir, "*.template.json"))
		if err != nil || len(m) != 2 {
			t.Fatalf("%s: want 2 templates, got %v (%v)", name(ctx), m, err)
		}
		paths = append(paths, m...)
	}
	unique, _ := uniqueByContent(t, paths)
	return unique
}

// uniqueByContent returns the first of paths with each content, in order,
// and for every path the first path with its content.
func uniqueByContent(t testing.TB, paths []string) (unique []string, first map[string]string) {
	t.Helper()
	first = map[string]string{}
	byContent := map[string]string{}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := byContent[string(b)]; ok {
			first[path] = f
			continue
		}
		byContent[string(b)] = path
		first[path] = path
		unique = append(unique, path)
	}
	return unique, first
}

// lintRun is the package's one cfn-lint run: every template of every
// stage and migration state (allTemplates) and the planted fault's, in one
// process, for cfn-lint takes a second to start.
var lintRun struct {
	once      sync.Once
	done      bool // the run finished; if not, the test that ran it failed
	templates []string
	planted   string
	findings  []cfnLintFinding
}

// lintAll returns lintRun's templates, the planted fault's template and
// the findings on each, running cfn-lint the first time.
func lintAll(t *testing.T) (templates []string, findings []cfnLintFinding, planted string, plantedFindings []cfnLintFinding) {
	t.Helper()
	lintRun.once.Do(func() {
		all := allTemplates(t)
		plantedPath := filepath.Join(plantFault(t, synth(t, splitFargate).Dir, func(dir string) {
			editTemplate(t, dir, "EcsplitServices", func(tpl map[string]any) {
				tds := resourcesOfType(tpl, "AWS::ECS::TaskDefinition")
				if len(tds) == 0 {
					t.Fatal("no task definition to plant the fault in")
				}
				tds[0]["Properties"].(map[string]any)["Cpu"] = "300"
			})
		}), "EcsplitServices.template.json")
		lintRun.findings = cfnLint(t, append(slices.Clone(all), plantedPath)...)
		lintRun.templates, lintRun.planted, lintRun.done = all, plantedPath, true
	})
	if !lintRun.done {
		t.Fatal("the package's cfn-lint run failed: see the test that ran it")
	}
	for _, f := range lintRun.findings {
		if f.Filename == lintRun.planted {
			plantedFindings = append(plantedFindings, f)
		} else {
			findings = append(findings, f)
		}
	}
	return lintRun.templates, findings, lintRun.planted, plantedFindings
}

// TestValidateCfnLint: cfn-lint, an independent validator with the
// CloudFormation resource schemas, finds nothing in any template of any
// stage, migration state and capacity mode.
func TestValidateCfnLint(t *testing.T) {
	parallel(t)
	paths, findings, _, _ := lintAll(t)
	for _, f := range findings {
		t.Errorf("cfn-lint: %s", f)
	}
	t.Logf("cfn-lint checked %d templates", len(paths))
}

// TestValidateCfnLintCatchesPlantedFault: a Fargate task definition with
// 300 CPU units, which Fargate does not offer, is rejected by cfn-lint, in
// the same run as TestValidateCfnLint's templates.
func TestValidateCfnLintCatchesPlantedFault(t *testing.T) {
	parallel(t)
	_, _, planted, findings := lintAll(t)
	if !slices.ContainsFunc(findings, func(f cfnLintFinding) bool { return f.Level == "Error" && f.Rule.ID == "E3048" }) {
		t.Fatalf("cfn-lint did not reject Cpu 300 in %s with E3048; findings: %v", planted, findings)
	}
	for _, f := range findings {
		t.Logf("planted fault caught: %s", f)
	}
}

// TestValidatePlatformUnchangedBySplit: the CDK CLI's own diff finds no
// difference between the monolith's platform stack and the split's, in each
// capacity mode: the split changes only the services stack.
func TestValidatePlatformUnchangedBySplit(t *testing.T) {
	parallel(t)
	for _, capacity := range []string{"fargate", "ec2"} {
		mono := synth(t, map[string]string{"stage": "monolith", "capacity": capacity})
		split := synth(t, map[string]string{"stage": "split", "capacity": capacity})
		out, code := cdkDiff(t, filepath.Join(mono.Dir, "EcsplitPlatform.template.json"), split.Dir, "EcsplitPlatform", true)
		if code != 0 {
			t.Errorf("%s: cdk diff --fail of the platform from monolith to split exited %d:\n%s", capacity, code, out)
		}
	}
}

// TestValidateCdkDiffCatchesPlantedFault: the same diff fails when the
// platform does change (Fargate monolith to EC2 split), so the test above
// can fail.
func TestValidateCdkDiffCatchesPlantedFault(t *testing.T) {
	parallel(t)
	mono := synth(t, monolithFargate)
	splitEC2 := synth(t, map[string]string{"stage": "split", "capacity": "ec2"})
	out, code := cdkDiff(t, filepath.Join(mono.Dir, "EcsplitPlatform.template.json"), splitEC2.Dir, "EcsplitPlatform", true)
	if code == 0 {
		t.Fatalf("cdk diff --fail found no difference between a Fargate and an EC2 platform:\n%s", out)
	}
	t.Logf("planted fault caught: cdk diff --fail exited %d", code)
}

var updateDiff = flag.Bool("update-diff", false, "rewrite the generated documents rather than compare them: "+diffFile+", "+migrationFile+", "+migrationSummary+", the README's alarm table and the dashboard picture")

// diffFile is the services stack diff from monolith to split, for the
// README.
const diffFile = "test/testdata/diffs/monolith-to-split.txt"

// TestValidateServicesDiff produces the CDK CLI's diff of the services stack
// from the monolith to the split stage (Fargate): the monolith's resources
// go, each microservice's come. With -update-diff it writes the text to
// test/testdata/diffs/monolith-to-split.txt:
//
//	go test ./test/ -run TestValidateServicesDiff -update-diff
func TestValidateServicesDiff(t *testing.T) {
	parallel(t)
	mono := synth(t, monolithFargate)
	split := synth(t, splitFargate)
	out, code := cdkDiff(t, filepath.Join(mono.Dir, "EcsplitServices.template.json"), split.Dir, "EcsplitServices", false)
	if code != 0 {
		t.Fatalf("cdk diff exited %d:\n%s", code, out)
	}
	for _, want := range []string{
		"[-] AWS::ECS::Service Default/monolith/Service/Service",
		"[-] AWS::ElasticLoadBalancingV2::ListenerRule Default/monolith/Rule",
		"[+] AWS::ECS::Service Default/users/Service",
		"[+] AWS::ECS::Service Default/threads/Service",
		"[+] AWS::ECS::Service Default/posts/Service",
		"[+] AWS::ElasticLoadBalancingV2::ListenerRule Default/users/Rule",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the services diff from monolith to split lacks %q:\n%s", want, out)
		}
	}
	text := "# cdk diff of EcsplitServices from the monolith stage to the split stage (Fargate).\n" +
		"# Regenerate: go test ./test/ -run TestValidateServicesDiff -update-diff\n\n" + out
	// The README shows it as what a user sees before cdk deploy.
	checkGolden(t, diffFile, text, "TestValidateServicesDiff")
}

// checkGolden compares text with the golden file at path (relative to the
// repository root), masking asset hashes, which change with every service
// edit; with -update-diff it writes the file instead.
func checkGolden(t *testing.T, path, text, test string) {
	t.Helper()
	full := filepath.Join(repoRoot, path)
	if *updateDiff {
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	golden, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	if maskHashes(string(golden)) != maskHashes(text) {
		t.Errorf("%s is stale: regenerate it with go test ./test/ -run %s -update-diff", path, test)
	}
}

var assetHashRE = regexp.MustCompile(`[0-9a-f]{64}`)

// maskHashes replaces asset hashes with a placeholder.
func maskHashes(s string) string { return assetHashRE.ReplaceAllString(s, "<hash>") }
