package test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the golden templates under "+goldenDir)

// goldenDir holds the synthesized templates of goldenContexts, normalized by
// normalizeTemplate: what a refactor must not change unless it means to.
const goldenDir = "testdata/golden"

// goldenContexts are the contexts whose templates are kept as golden files:
// both ends of the migration and a state between them, in both capacity
// modes, and the split with HTTPS.
var goldenContexts = []map[string]string{
	{"stage": "monolith", "capacity": "fargate"},
	{"stage": "users:100,threads:10", "capacity": "fargate"},
	{"stage": "split", "capacity": "fargate"},
	{"stage": "monolith", "capacity": "ec2"},
	{"stage": "users:100,threads:10", "capacity": "ec2"},
	{"stage": "split", "capacity": "ec2"},
	{"stage": "split", "capacity": "fargate", "certificateArn": testCertificateArn},
}

// testCertificateArn is a well-formed ACM certificate ARN for tests.
const testCertificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"

// goldenName names a context's golden directory, such as
// "users-100-threads-10.fargate" or "split.fargate.https".
func goldenName(ctx map[string]string) string {
	n := strings.NewReplacer(":", "-", ",", "-").Replace(ctx["stage"]) + "." + ctx["capacity"]
	if ctx["certificateArn"] != "" {
		n += ".https"
	}
	return n
}

// TestGoldenTemplates compares the templates of goldenContexts with the
// golden files, which record what `cdk synth` writes, normalized. With
// -update-golden it rewrites them; review the change with git diff:
//
//	go test ./test/ -run TestGoldenTemplates -update-golden
func TestGoldenTemplates(t *testing.T) {
	parallel(t)
	for _, ctx := range goldenContexts {
		s := synth(t, ctx)
		for _, stack := range []string{"EcsplitPlatform", "EcsplitServices"} {
			got, err := normalizeTemplate(s.TemplateJSON(t, stack))
			if err != nil {
				t.Fatalf("%s %s: %v", goldenName(ctx), stack, err)
			}
			path := filepath.Join(goldenDir, goldenName(ctx), stack+".template.json")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (write the golden files with -update-golden)", err)
			}
			if d := firstDifference(string(want), string(got)); d != "" {
				t.Errorf("%s differs from its golden file (regenerate with -update-golden if the change is meant):\n%s", path, d)
			}
		}
	}
}

// TestGoldenCatchesPlantedFault: a template that differs from its golden
// file in one property is reported, with the line.
func TestGoldenCatchesPlantedFault(t *testing.T) {
	parallel(t)
	ctx := goldenContexts[0]
	normal, err := normalizeTemplate(synth(t, ctx).TemplateJSON(t, "EcsplitServices"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Replace(string(normal), `"/healthz"`, `"/health"`, 1)
	if got == string(normal) {
		t.Fatal("no health check path to plant the fault in")
	}
	want, err := os.ReadFile(filepath.Join(goldenDir, goldenName(ctx), "EcsplitServices.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	d := firstDifference(string(want), got)
	if !strings.Contains(d, `"/health"`) {
		t.Fatalf("the planted health check path was not reported; difference: %q", d)
	}
	t.Logf("planted fault caught:\n%s", d)
}

// normalizeTemplate returns a template in the golden files' form: indented
// JSON with sorted keys; asset hashes masked (they change with every edit
// of a service's sources); the CDKMetadata analytics string decoded, with
// the Go runtime version masked; and without the resources' aws:cdk:path
// metadata, which the CLI adds for the CloudFormation console and which no
// resource depends on, so that moving a construct under a "Default" id (which
// keeps every logical id) shows as no change.
func normalizeTemplate(b []byte) ([]byte, error) {
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		return nil, err
	}
	res, _ := tpl["Resources"].(map[string]any)
	for _, r := range res {
		r := r.(map[string]any)
		if md, ok := r["Metadata"].(map[string]any); ok {
			delete(md, "aws:cdk:path")
			if len(md) == 0 {
				delete(r, "Metadata")
			}
		}
		if r["Type"] == "AWS::CDK::Metadata" {
			props := r["Properties"].(map[string]any)
			text, err := decodeAnalytics(props["Analytics"].(string))
			if err != nil {
				return nil, fmt.Errorf("CDKMetadata: %w", err)
			}
			props["Analytics"] = "decoded: " + goRuntimeRE.ReplaceAllString(text, "go<version>")
		}
	}
	out, err := json.MarshalIndent(tpl, "", " ")
	if err != nil {
		return nil, err
	}
	return []byte(maskHashes(string(out)) + "\n"), nil
}

// goRuntimeRE matches the Go runtime in CDKMetadata, such as
// "go1.26.8/linux/amd64".
var goRuntimeRE = regexp.MustCompile(`go[0-9][0-9.]*/[a-z0-9]+/[a-z0-9]+`)

// decodeAnalytics decodes the Analytics string of a CDKMetadata resource:
// "v2:deflate64:" followed by base64 of gzip.
func decodeAnalytics(s string) (string, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return "", fmt.Errorf("analytics %q is not VERSION:ENCODING:DATA", s)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return "", err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	text, err := io.ReadAll(zr)
	return string(text), err
}

// firstDifference describes the first line where got differs from want,
// with a little context, or returns "" when they are equal.
func firstDifference(want, got string) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	line := func(lines []string, i int) string {
		if i < len(lines) {
			return lines[i]
		}
		return "<end of file>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (%d lines in the golden file, %d now):\n", i+1, len(w), len(g))
	for j := max(0, i-3); j < i; j++ {
		fmt.Fprintf(&b, "   %s\n", w[j])
	}
	fmt.Fprintf(&b, " - %s\n + %s", line(w, i), line(g, i))
	return b.String()
}

// TestSynthMatchesCLI: the tests' synth writes, byte for byte, the
// templates that `cdk synth` through the pinned CLI writes, so that what
// the tests prove of templates (golden files, identical platforms) holds for
// what users deploy. The CLI runs the app as cdk.json says (go build, then
// the binary).
func TestSynthMatchesCLI(t *testing.T) {
	parallel(t)
	// One context with EC2 capacity, HTTPS, a weighted rule and the
	// monolith: what each feature adds to a template is there.
	ctx := map[string]string{"stage": "users:100,threads:10", "capacity": "ec2", "certificateArn": testCertificateArn}
	out := t.TempDir()
	args := []string{"synth", "--quiet", "-o", out}
	for k, v := range ctx {
		args = append(args, "-c", k+"="+v)
	}
	cmd := exec.Command(cdkCLI(t), args...)
	cmd.Dir = repoRoot
	cmd.Env = slices.Concat(os.Environ(), cliEnv, []string{"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20"})
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cdk %v: %v\n%s", args, err, b)
	}
	s := synth(t, ctx)
	for _, stack := range []string{"EcsplitPlatform", "EcsplitServices"} {
		cli, err := os.ReadFile(filepath.Join(out, stack+".template.json"))
		if err != nil {
			t.Fatal(err)
		}
		if d := firstDifference(string(cli), string(s.TemplateJSON(t, stack))); d != "" {
			t.Errorf("%s %s: the tests' synth differs from cdk synth's:\n%s", goldenName(ctx), stack, d)
		}
	}
}
