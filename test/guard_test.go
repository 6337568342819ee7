package test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsplit/ecsplit/stacks"
)

// guardDir is where scripts/install-cfnguard.sh unpacks
// @cdklabs/cdk-validator-cfnguard.
var guardDir = filepath.Join(repoRoot, ".tools", "cfnguard", "package")

// controlTowerRemainder is every AWS Control Tower proactive control that an
// ecsplit template fails, by stack. Each needs something ecsplit cannot
// choose for its user (docs/security.md):
//
//   - CT.ELASTICLOADBALANCING.PR.1 (HTTP redirects to HTTPS): HTTPS needs a
//     certificate for the user's domain; with -c certificateArn=... it
//     passes (TestControlTowerWithCertificate).
//   - CT.LAMBDA.PR.3 (Lambda functions in a VPC): the one function is CDK's
//     custom resource that removes every rule of the new VPC's default
//     security group; it calls only the EC2 API, once per deployment.
//   - CT.S3.PR.10 (SSE-KMS on S3 buckets): ALB access logs and S3 server
//     access logs can only be written to buckets encrypted with SSE-S3.
//   - CT.S3.PR.2 (S3 server access logging) and CT.S3.PR.9 (S3 Object
//     Lock): the new bucket that receives the access logs bucket's server
//     access logs keeps none of its own, as S3 recommends for a log target,
//     and has no Object Lock, which S3 does not deliver server access logs
//     to; with -c serverAccessLogsBucket=NAME (an existing bucket of the
//     account) it is not created and both pass
//     (TestControlTowerWithCertificate).
//
// A deploy with a ramp (-c ramp=...) adds, in the services stack,
// CT.LAMBDA.PR.3 for the ramp's function (rampRemainder): it calls only
// AWS's APIs and CloudFormation's response URL, during deploys.
var controlTowerRemainder = map[string][]string{
	stacks.PlatformStackName: {"CT.ELASTICLOADBALANCING.PR.1", "CT.LAMBDA.PR.3", "CT.S3.PR.10", "CT.S3.PR.2", "CT.S3.PR.9"},
	stacks.ServicesStackName: nil,
}

// rampRemainder is what a ramp adds to the services stack's remainder.
var rampRemainder = []string{"CT.LAMBDA.PR.3"}

// remainderOf is the Control Tower remainder of a stack synthesized with
// ctx.
func remainderOf(stack string, ctx map[string]string) []string {
	if stack == stacks.ServicesStackName && ctx[stacks.RampKey] != "" {
		return rampRemainder
	}
	return controlTowerRemainder[stack]
}

// guardRuleRE matches a rule's declaration in a rule file, such as
// "rule alb_http_to_https_redirection_check when ...".
var guardRuleRE = regexp.MustCompile(`(?m)^rule\s+([A-Za-z0-9_]+)`)

// controlTowerFailures runs the Control Tower rules on one template and
// returns the ids (CT.S3.PR.10) of the controls it fails, sorted.
func controlTowerFailures(t *testing.T, template string) []string {
	t.Helper()
	return controlTowerFailuresOf(t, template)[template]
}

// controlTowerFailuresOf runs the Control Tower rules on templates and
// returns, by template, the ids of the controls it fails, sorted. cfn-guard
// takes about a second per template, most of it per rule, so identical
// templates (the platform is the same in every stage) are checked once,
// each with only the rules that can fail on it (relevantRules), in at
// most two cfn-guard processes at a time.
func controlTowerFailuresOf(t *testing.T, templates ...string) map[string][]string {
	t.Helper()
	bin := filepath.Join(guardDir, "bin", "ubuntu", "x86_64", "cfn-guard")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("cfn-guard not installed (%v): run scripts/install-cfnguard.sh", err)
	}
	unique, sameAs := uniqueByContent(t, templates)
	all := readRules(t)
	// One batch per distinct rule set, each of more than two templates split
	// in two, so that both cores stay busy.
	byRules := map[string][]string{}
	for _, tpl := range unique {
		rules := relevantRules(t, all, tpl)
		key := strings.Join(rules, "\x00")
		byRules[key] = append(byRules[key], tpl)
	}
	type batch struct {
		dir       string
		control   map[string]string
		templates []string
	}
	var batches []batch
	for _, key := range slices.Sorted(maps.Keys(byRules)) {
		dir := t.TempDir()
		names := strings.Split(key, "\x00")
		for _, name := range names {
			if err := os.WriteFile(filepath.Join(dir, name), all[name].body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		control := guardControls(all, names)
		tpls := byRules[key]
		if len(tpls) > 2 {
			half := (len(tpls) + 1) / 2
			batches = append(batches, batch{dir, control, tpls[:half]}, batch{dir, control, tpls[half:]})
			continue
		}
		batches = append(batches, batch{dir, control, tpls})
	}
	results := make([]map[string][]string, len(batches))
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	for i, b := range batches {
		wg.Go(func() {
			guardSlots <- struct{}{}
			defer func() { <-guardSlots }()
			results[i], errs[i] = runGuard(bin, b.dir, b.control, b.templates)
		})
	}
	wg.Wait()
	found := map[string][]string{}
	for i := range batches {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		maps.Copy(found, results[i])
	}
	failures := map[string][]string{}
	for _, tpl := range templates {
		if ids := found[sameAs[tpl]]; ids != nil {
			failures[tpl] = ids
		}
	}
	return failures
}

// guardSlots lets two cfn-guard processes run at a time, across the tests.
var guardSlots = make(chan struct{}, 2)

// guardTypeRE matches a CloudFormation resource type in a rule file.
var guardTypeRE = regexp.MustCompile(`AWS::[A-Za-z0-9]+::[A-Za-z0-9]+`)

// guardRule is one Control Tower rule file, read once per test binary.
type guardRule struct {
	body []byte
	// types are the resource types the file names; rules, the rules it
	// declares; control, its control's id (ct-s3-pr-10.guard: CT.S3.PR.10).
	types, rules []string
	control      string
}

// guardRules holds the rule files under guardDir, by file name.
var guardRules struct {
	once   sync.Once
	byName map[string]*guardRule
	err    error
}

// readRules returns the Control Tower rule files, by file name, reading
// and scanning them the first time only.
func readRules(t *testing.T) map[string]*guardRule {
	t.Helper()
	guardRules.once.Do(func() {
		src := filepath.Join(guardDir, "rules", "control-tower", "cfn-guard")
		rules := map[string]*guardRule{}
		err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".guard") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if _, dup := rules[d.Name()]; dup {
				return fmt.Errorf("two rule files named %s under %s", d.Name(), src)
			}
			r := &guardRule{body: b, types: guardTypeRE.FindAllString(string(b), -1)}
			for _, m := range guardRuleRE.FindAllStringSubmatch(string(b), -1) {
				r.rules = append(r.rules, m[1])
			}
			base := strings.TrimSuffix(d.Name(), ".guard")
			r.control = "CT." + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(base, "ct-"), "-", "."))
			rules[d.Name()] = r
			return nil
		})
		if err == nil && len(rules) == 0 {
			err = fmt.Errorf("no Control Tower rule files under %s", src)
		}
		guardRules.byName, guardRules.err = rules, err
	})
	if guardRules.err != nil {
		t.Fatal(guardRules.err)
	}
	return guardRules.byName
}

// relevantRules returns the names, sorted, of the rules that can fail on
// template: those naming a resource type the template holds (or naming
// none). A rule about a type that the template does not have passes
// vacuously; leaving it out saves cfn-guard most of a second per
// template (a services template needs 43 of the 79 rules that apply to
// the platform's and services' types together).
func relevantRules(t *testing.T, rules map[string]*guardRule, template string) []string {
	t.Helper()
	b, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", template, err)
	}
	present := map[string]bool{}
	for _, r := range doc.Resources {
		present[r.Type] = true
	}
	var kept []string
	for name, rule := range rules {
		if len(rule.types) == 0 || slices.ContainsFunc(rule.types, func(typ string) bool { return present[typ] }) {
			kept = append(kept, name)
		}
	}
	if len(kept) == 0 {
		t.Fatalf("no Control Tower rule applies to %s", template)
	}
	slices.Sort(kept)
	return kept
}

// guardReport is one data file's entry in cfn-guard's structured JSON
// report.
type guardReport struct {
	Name         string `json:"name"`
	Status       string `json:"status"`
	NotCompliant []struct {
		Rule struct {
			Name string `json:"name"`
		} `json:"Rule"`
	} `json:"not_compliant"`
}

// runGuard runs cfn-guard with the rules directory on templates in one
// process and returns, by template, the ids of the controls it fails. It
// asks for the structured JSON report, which takes cfn-guard a third less
// time than the summary table, and maps each failed rule to its control
// with control (guardControls of the directory's files).
func runGuard(bin, rules string, control map[string]string, templates []string) (map[string][]string, error) {
	args := []string{"validate", "-r", rules, "--structured", "-o", "json", "-S", "none"}
	byAbs := map[string]string{}
	for _, tpl := range templates {
		abs, err := filepath.Abs(tpl)
		if err != nil {
			return nil, err
		}
		byAbs[abs] = tpl
		args = append(args, "-d", abs)
	}
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 19) {
		return nil, fmt.Errorf("cfn-guard on %v: %v\n%s%s", templates, err, out, stderr.String())
	}
	var reports []guardReport
	if jerr := json.Unmarshal(out, &reports); jerr != nil {
		return nil, fmt.Errorf("cfn-guard on %v exited %v without a JSON report: %v\n%s%s", templates, err, jerr, out, stderr.String())
	}
	failures := map[string][]string{}
	for _, r := range reports {
		tpl, ok := byAbs[r.Name]
		if !ok {
			return nil, fmt.Errorf("cfn-guard reported on %s, which it was not given", r.Name)
		}
		for _, nc := range r.NotCompliant {
			id, ok := control[nc.Rule.Name]
			if !ok {
				return nil, fmt.Errorf("cfn-guard: rule %s failed on %s, and no one rule file of %s declares it", nc.Rule.Name, tpl, rules)
			}
			if !slices.Contains(failures[tpl], id) {
				failures[tpl] = append(failures[tpl], id)
			}
		}
		if r.Status == "FAIL" && len(failures[tpl]) == 0 {
			return nil, fmt.Errorf("cfn-guard reports %s as FAIL without a failed rule:\n%s", tpl, out)
		}
	}
	if err != nil && len(failures) == 0 {
		return nil, fmt.Errorf("cfn-guard on %v failed without a failed rule in its report:\n%s%s", templates, out, stderr.String())
	}
	for _, ids := range failures {
		slices.Sort(ids)
	}
	return failures, nil
}

// guardControls maps each rule declared in the rule files names to the
// control of its file (ct-s3-pr-10.guard declares the rules of
// CT.S3.PR.10). A name that two of the files declare, such as a helper
// rule, is left out: a failure of it could not be told apart.
func guardControls(rules map[string]*guardRule, names []string) map[string]string {
	control := map[string]string{}
	shared := map[string]bool{}
	for _, name := range names {
		r := rules[name]
		for _, rule := range r.rules {
			if other, ok := control[rule]; ok && other != r.control {
				shared[rule] = true
			}
			control[rule] = r.control
		}
	}
	for name := range shared {
		delete(control, name)
	}
	return control
}

// TestControlTower: every template of both stages, every migration state
// and both capacity modes fails exactly the documented Control Tower
// remainder, so that a new failure, or a fixed one, changes this test.
func TestControlTower(t *testing.T) {
	parallel(t)
	var templates []string
	for _, ctx := range allStates {
		for stack := range controlTowerRemainder {
			templates = append(templates, filepath.Join(synth(t, ctx).Dir, stack+".template.json"))
		}
	}
	start := time.Now()
	failures := controlTowerFailuresOf(t, templates...)
	t.Logf("cfn-guard checked %d templates in %s", len(templates), time.Since(start).Round(time.Second))
	for _, ctx := range allStates {
		for stack := range controlTowerRemainder {
			want := remainderOf(stack, ctx)
			got := failures[filepath.Join(synth(t, ctx).Dir, stack+".template.json")]
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s fails Control Tower controls %v, want exactly %v", name(ctx), stack, got, want)
			}
		}
	}
}

// TestControlTowerWithCertificate: with a certificate the HTTP listener
// redirects to HTTPS and CT.ELASTICLOADBALANCING.PR.1 passes too; with an
// existing bucket for the server access logs, CT.S3.PR.2 passes.
func TestControlTowerWithCertificate(t *testing.T) {
	parallel(t)
	s := synth(t, map[string]string{"stage": "monolith", "capacity": "fargate",
		stacks.CertificateKey:            testCertificateArn,
		stacks.ServerAccessLogsBucketKey: testServerLogsBucket})
	got := controlTowerFailures(t, filepath.Join(s.Dir, stacks.PlatformStackName+".template.json"))
	want := []string{"CT.LAMBDA.PR.3", "CT.S3.PR.10"}
	if !slices.Equal(got, want) {
		t.Errorf("with a certificate the platform fails %v, want exactly %v", got, want)
	}
}

// TestControlTowerCatchesPlantedFault proves the harness: a log group
// without a KMS key and with a 30-day retention fails two controls.
func TestControlTowerCatchesPlantedFault(t *testing.T) {
	parallel(t)
	tpl := filepath.Join(t.TempDir(), "planted.template.json")
	body := `{"Resources":{"Logs":{"Type":"AWS::Logs::LogGroup","Properties":{"RetentionInDays":30}}}}`
	if err := os.WriteFile(tpl, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got := controlTowerFailures(t, tpl)
	want := []string{"CT.CLOUDWATCH.PR.2", "CT.CLOUDWATCH.PR.3"}
	if !slices.Equal(got, want) {
		t.Errorf("planted log group fails %v, want %v", got, want)
	}
}
