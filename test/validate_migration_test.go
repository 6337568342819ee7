package test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// migrationFile is the README's walk through a full migration: the cdk
// diff of every step.
const migrationFile = "docs/migration.md"

// migrationSteps are the stages a user deploys, one after the other: the
// runbook's first steps for users, then larger ones.
var migrationSteps = []string{"monolith", "users:0", "users:10", "users:100", "users:100,threads:10", "users:100,threads:100,posts:50", "split"}

// TestMigrationDiffs computes, offline, the cdk diff a user sees before
// each deploy of a full migration (against the previous step's template,
// which is what cdk diff compares with once that step is deployed). The
// platform stack never changes; the services stack changes as the README
// says. docs/migration.md is a golden file of these diffs: with
// -update-diff the test writes it, otherwise it must be current.
func TestMigrationDiffs(t *testing.T) {
	parallel(t)
	var doc strings.Builder
	doc.WriteString(`# A full migration, step by step

Each step is the ` + "`cdk diff`" + ` a user sees before ` + "`cdk deploy`" + ` once the
previous step is deployed, computed offline with ` + "`cdk diff --template`" + `
against the previous step's template (Fargate). Only the Resources section
is shown; the full output also lists the IAM statement and security group
changes. The platform stack (` + "`EcsplitPlatform`" + `) shows no difference at any
step. Regenerate: ` + "`go test ./test/ -run TestMigrationDiffs -update-diff`" + `.
`)
	prev := synth(t, map[string]string{"stage": migrationSteps[0], "capacity": "fargate"})
	for _, step := range migrationSteps[1:] {
		cur := synth(t, map[string]string{"stage": step, "capacity": "fargate"})
		// The platform's template is the same bytes at every step (so cdk
		// diff, given the same input, finds no difference: see
		// TestValidatePlatformUnchangedBySplit for the CLI's own word).
		if !bytes.Equal(prev.TemplateJSON(t, "EcsplitPlatform"), cur.TemplateJSON(t, "EcsplitPlatform")) {
			out, _ := cdkDiff(t, filepath.Join(prev.Dir, "EcsplitPlatform.template.json"), cur.Dir, "EcsplitPlatform", true)
			t.Errorf("%s: the platform stack changes:\n%s", step, out)
		}
		out, code := cdkDiff(t, filepath.Join(prev.Dir, "EcsplitServices.template.json"), cur.Dir, "EcsplitServices", false)
		if code != 0 {
			t.Fatalf("cdk diff for %s exited %d:\n%s", step, code, out)
		}
		res := resourcesSection(out)
		if res == "" {
			t.Errorf("%s: the services diff has no Resources section:\n%s", step, out)
		}
		fmt.Fprintf(&doc, "\n## `-c stage=%s`\n\n```\n$ npx cdk diff -c stage=%s\n%s\n```\n", step, step, res)
		prev = cur
	}
	checkGolden(t, migrationFile, doc.String(), "TestMigrationDiffs")
}

// resourcesSection returns the Resources section of cdk diff's output,
// without trailing blank lines or the summary line.
func resourcesSection(out string) string {
	i := strings.Index(out, "\nResources\n")
	if i < 0 {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(out[i+1:], "\n") {
		if strings.HasPrefix(l, "✨") || strings.Contains(l, "Number of stacks with differences") {
			break
		}
		lines = append(lines, strings.TrimRight(l, " \t"))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}
