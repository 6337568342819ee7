package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

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
//   - CT.S3.PR.10 (SSE-KMS on S3 buckets): ALB access logs can only be
//     written to buckets encrypted with SSE-S3.
var controlTowerRemainder = map[string][]string{
	stacks.PlatformStackName: {"CT.ELASTICLOADBALANCING.PR.1", "CT.LAMBDA.PR.3", "CT.S3.PR.10"},
	stacks.ServicesStackName: nil,
}

// guardFailureRE matches a failed rule in cfn-guard's summary, such as
// "ct-s3-pr-10.guard/s3_bucket_default_encryption_kms_check    FAIL".
var guardFailureRE = regexp.MustCompile(`(?m)^(ct-[a-z0-9-]+)\.guard/\S+\s+FAIL$`)

// controlTowerFailures runs the Control Tower rules on one template and
// returns the ids (CT.S3.PR.10) of the controls it fails, sorted.
func controlTowerFailures(t *testing.T, template string) []string {
	t.Helper()
	bin := filepath.Join(guardDir, "bin", "ubuntu", "x86_64", "cfn-guard")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("cfn-guard not installed (%v): run scripts/install-cfnguard.sh", err)
	}
	rules := filepath.Join(guardDir, "rules", "control-tower", "cfn-guard")
	out, err := exec.Command(bin, "validate", "-r", rules, "-d", template, "-S", "fail").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 19) {
		t.Fatalf("cfn-guard on %s: %v\n%s", template, err, out)
	}
	var ids []string
	for _, m := range guardFailureRE.FindAllStringSubmatch(string(out), -1) {
		id := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(m[1], "ct-"), "-", "."))
		if id = "CT." + id; !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if err != nil && len(ids) == 0 {
		t.Fatalf("cfn-guard on %s failed without a rule in its summary:\n%s", template, out)
	}
	slices.Sort(ids)
	return ids
}

// TestControlTower: every template of both stages and both capacity modes
// fails exactly the documented Control Tower remainder, so that a new
// failure, or a fixed one, changes this test.
func TestControlTower(t *testing.T) {
	for _, ctx := range stagesAndCapacities {
		t.Run(name(ctx), func(t *testing.T) {
			s := synth(t, ctx)
			for stack, want := range controlTowerRemainder {
				got := controlTowerFailures(t, filepath.Join(s.Dir, stack+".template.json"))
				if !slices.Equal(got, want) {
					t.Errorf("%s fails Control Tower controls %v, want exactly %v", stack, got, want)
				}
			}
		})
	}
}

// TestControlTowerWithCertificate: with a certificate the HTTP listener
// redirects to HTTPS and CT.ELASTICLOADBALANCING.PR.1 passes too.
func TestControlTowerWithCertificate(t *testing.T) {
	s := synth(t, map[string]string{"stage": "monolith", "capacity": "fargate",
		stacks.CertificateKey: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"})
	got := controlTowerFailures(t, filepath.Join(s.Dir, stacks.PlatformStackName+".template.json"))
	want := []string{"CT.LAMBDA.PR.3", "CT.S3.PR.10"}
	if !slices.Equal(got, want) {
		t.Errorf("with a certificate the platform fails %v, want exactly %v", got, want)
	}
}

// TestControlTowerCatchesPlantedFault proves the harness: a log group
// without a KMS key and with a 30-day retention fails two controls.
func TestControlTowerCatchesPlantedFault(t *testing.T) {
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
