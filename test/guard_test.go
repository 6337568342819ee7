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
var controlTowerRemainder = map[string][]string{
	stacks.PlatformStackName: {"CT.ELASTICLOADBALANCING.PR.1", "CT.LAMBDA.PR.3", "CT.S3.PR.10", "CT.S3.PR.2", "CT.S3.PR.9"},
	stacks.ServicesStackName: nil,
}

// guardFileRE matches the line that opens a data file's report in
// cfn-guard's output, such as "/x/EcsplitPlatform.template.json Status = FAIL".
var guardFileRE = regexp.MustCompile(`^(\S+) Status = [A-Z]+$`)

// guardFailureRE matches a failed rule in cfn-guard's summary, such as
// "ct-s3-pr-10.guard/s3_bucket_default_encryption_kms_check    FAIL".
var guardFailureRE = regexp.MustCompile(`^(ct-[a-z0-9-]+)\.guard/\S+\s+FAIL$`)

// controlTowerFailures runs the Control Tower rules on one template and
// returns the ids (CT.S3.PR.10) of the controls it fails, sorted.
func controlTowerFailures(t *testing.T, template string) []string {
	t.Helper()
	return controlTowerFailuresOf(t, template)[template]
}

// controlTowerFailuresOf runs the Control Tower rules on templates and
// returns, by template, the ids of the controls it fails, sorted. cfn-guard
// takes seconds per file, so identical templates (the platform is the same
// in every stage) are checked once, in two cfn-guard processes at a time.
func controlTowerFailuresOf(t *testing.T, templates ...string) map[string][]string {
	t.Helper()
	bin := filepath.Join(guardDir, "bin", "ubuntu", "x86_64", "cfn-guard")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("cfn-guard not installed (%v): run scripts/install-cfnguard.sh", err)
	}
	unique, sameAs := uniqueByContent(t, templates)
	rules := relevantRules(t, unique)
	half := (len(unique) + 1) / 2
	batches := [][]string{unique[:half], unique[half:]}
	results := make([]map[string][]string, len(batches))
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	for i, batch := range batches {
		if len(batch) == 0 {
			continue
		}
		wg.Go(func() { results[i], errs[i] = runGuard(bin, rules, batch) })
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

// guardTypeRE matches a CloudFormation resource type in a rule file.
var guardTypeRE = regexp.MustCompile(`AWS::[A-Za-z0-9]+::[A-Za-z0-9]+`)

// relevantRules copies into a temporary directory the Control Tower rule
// files that can fail on templates: those naming a resource type the
// templates hold (or naming none). A rule about a type that no template
// has passes vacuously; skipping it saves cfn-guard seconds per template.
func relevantRules(t *testing.T, templates []string) string {
	t.Helper()
	present := map[string]bool{}
	for _, tpl := range templates {
		b, err := os.ReadFile(tpl)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Resources map[string]struct{ Type string }
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", tpl, err)
		}
		for _, r := range doc.Resources {
			present[r.Type] = true
		}
	}
	src := filepath.Join(guardDir, "rules", "control-tower", "cfn-guard")
	dst := t.TempDir()
	kept := 0
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".guard") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		types := guardTypeRE.FindAllString(string(b), -1)
		if len(types) > 0 && !slices.ContainsFunc(types, func(typ string) bool { return present[typ] }) {
			return nil
		}
		kept++
		return os.WriteFile(filepath.Join(dst, filepath.Base(path)), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if kept == 0 {
		t.Fatalf("no Control Tower rule in %s applies to the templates", src)
	}
	return dst
}

// runGuard runs cfn-guard with the rules directory on templates in one
// process and returns, by template, the ids of the controls it fails.
func runGuard(bin, rules string, templates []string) (map[string][]string, error) {
	args := []string{"validate", "-r", rules, "-S", "fail"}
	byAbs := map[string]string{}
	for _, tpl := range templates {
		abs, err := filepath.Abs(tpl)
		if err != nil {
			return nil, err
		}
		byAbs[abs] = tpl
		args = append(args, "-d", abs)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 19) {
		return nil, fmt.Errorf("cfn-guard on %v: %v\n%s", templates, err, out)
	}
	failures := map[string][]string{}
	current := ""
	for _, line := range strings.Split(string(out), "\n") {
		if m := guardFileRE.FindStringSubmatch(line); m != nil {
			current = byAbs[m[1]]
			continue
		}
		m := guardFailureRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if current == "" {
			return nil, fmt.Errorf("cfn-guard reported %s before naming a data file:\n%s", m[1], out)
		}
		id := "CT." + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(m[1], "ct-"), "-", "."))
		if !slices.Contains(failures[current], id) {
			failures[current] = append(failures[current], id)
		}
	}
	if err != nil && len(failures) == 0 {
		return nil, fmt.Errorf("cfn-guard on %v failed without a rule in its summary:\n%s", templates, out)
	}
	for _, ids := range failures {
		slices.Sort(ids)
	}
	return failures, nil
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
		for stack, want := range controlTowerRemainder {
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
		stacks.ServerAccessLogsBucketKey: "example-s3-access-logs-123456789012-eu-west-1"})
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
