package test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// migrationFile is a full migration's walk, step by step: the cdk diff of
// every step; migrationSummary is its summary, what each step adds,
// changes and removes, which the README links to.
const (
	migrationFile    = "test/testdata/diffs/migration.md"
	migrationSummary = "docs/migration-steps.md"
)

// migrationSteps are the stages a user deploys, one after the other: the
// runbook's first steps for users, then larger ones.
var migrationSteps = []string{"monolith", "users:0", "users:10", "users:100", "users:100,threads:10", "users:100,threads:100,posts:50", "split"}

// TestMigrationDiffs computes, offline, the cdk diff a user sees before
// each deploy of a full migration (against the previous step's template,
// which is what cdk diff compares with once that step is deployed). The
// platform stack never changes; the services stack changes as the README
// says. migrationFile is a golden file of these diffs, and
// migrationSummary of their summary: with -update-diff the test writes
// them, otherwise they must be current.
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
	var summary strings.Builder
	summary.WriteString(`# A full migration, step by step: the summary

What each ` + "`cdk deploy`" + ` of a full migration of the forum changes, once
the previous step is deployed: the ` + "`cdk diff`" + ` of the services stack
(` + "`EcsplitServices`" + `, Fargate), summarized; the platform stack
(` + "`EcsplitPlatform`" + `) changes at no step. Every diff, whole, is in
[test/testdata/diffs/migration.md](../test/testdata/diffs/migration.md);
` + "`TestMigrationDiffs`" + ` keeps both current
(` + "`go test ./test/ -run TestMigrationDiffs -update-diff`" + ` rewrites them).

| step | added | changed | removed |
|---|---|---|---|
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
		fmt.Fprintf(&summary, "| `%s` | %s |\n", step, summarizeDiff(res))
		prev = cur
	}
	checkGolden(t, migrationFile, doc.String(), "TestMigrationDiffs")
	checkGolden(t, migrationSummary, summary.String(), "TestMigrationDiffs")
}

// summarizeDiff summarizes the Resources section of a cdk diff as three
// table cells: the resources added, changed and removed. Added and removed
// resources are counted per construct below the migration (a service's
// 20), changed ones named by type and path. Only the resources' own lines
// count, not the property changes indented below them.
func summarizeDiff(res string) string {
	counts := map[string]map[string]int{"[+]": {}, "[-]": {}}
	var order = map[string][]string{}
	var changed []string
	for _, l := range strings.Split(res, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || !strings.HasPrefix(l, "[") { // a resource's line, not a property's below it
			continue
		}
		switch f[0] {
		case "[+]", "[-]":
			parts := strings.SplitN(f[2], "/", 3)
			owner := f[2]
			if len(parts) >= 2 {
				owner = parts[0] + "/" + parts[1]
			}
			if counts[f[0]][owner] == 0 {
				order[f[0]] = append(order[f[0]], owner)
			}
			counts[f[0]][owner]++
		case "[~]":
			changed = append(changed, fmt.Sprintf("%s `%s`", f[1], f[2]))
		}
	}
	cell := func(sign string) string {
		var out []string
		for _, owner := range order[sign] {
			out = append(out, fmt.Sprintf("`%s`: %d resources", owner, counts[sign][owner]))
		}
		return strings.Join(out, "<br>")
	}
	return cell("[+]") + " | " + strings.Join(changed, "<br>") + " | " + cell("[-]")
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
