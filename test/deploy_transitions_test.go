package test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// configChange is a change a user deploys to a running app.
type configChange struct {
	name     string
	from, to map[string]string
	// servicesFirst: the change removes an export that the deployed
	// services import, so it takes two deploys: the services stack alone
	// first (cdk deploy EcsplitServices --exclusively), then every stack.
	// In one `cdk deploy --all` CloudFormation refuses it.
	servicesFirst bool
}

// otherCertificateArn is a second certificate, for a certificate change.
const otherCertificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/ffffffff-4e5f-6789-abcd-ef0123456789"

// with returns a copy of ctx with more keys.
func with(ctx map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range ctx {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// transitions are the changes users make to the configuration, as the
// README lists them. Stage and migration-state changes are
// TestDeployStateChanges.
var transitions = func() []configChange {
	splitF := splitFargate
	splitE := with(splitFargate, "capacity", "ec2")
	midF := map[string]string{"stage": "users:100,threads:10", "capacity": "fargate"}
	return []configChange{
		{name: "stickiness on", from: midF, to: with(midF, "stickiness", "10m")},
		{name: "stickiness off", from: with(midF, "stickiness", "10m"), to: midF},
		{name: "HTTPS on", from: splitF, to: with(splitF, "certificateArn", testCertificateArn)},
		{name: "HTTPS on (ec2)", from: splitE, to: with(splitE, "certificateArn", testCertificateArn)},
		{name: "HTTPS certificate change", from: with(splitF, "certificateArn", testCertificateArn), to: with(splitF, "certificateArn", otherCertificateArn)},
		{name: "HTTPS off", from: with(splitF, "certificateArn", testCertificateArn), to: splitF, servicesFirst: true},
		{name: "capacity fargate -> ec2", from: splitF, to: splitE},
		{name: "capacity ec2 -> fargate", from: splitE, to: splitF, servicesFirst: true},
		{name: "deletion protection off", from: splitF, to: with(splitF, "deletionProtection", "false")},
		{name: "deletion protection on", from: with(splitF, "deletionProtection", "false"), to: splitF},
	}
}()

// exportProblems returns what CloudFormation refuses when the platform
// stack is updated from one template to the next while a services stack
// that imports `imported` is deployed: deleting an export in use, or
// changing its value ("Export ... cannot be updated as it is in use").
func exportProblems(imported []string, from, to *cfn.Template) []string {
	var problems []string
	before, after := from.Exports(), to.Exports()
	for _, name := range imported {
		v, ok := after[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("removes export %s, which the deployed services stack imports", name))
		case !reflect.DeepEqual(v, before[name]):
			problems = append(problems, fmt.Sprintf("changes the value of export %s, which the deployed services stack imports", name))
		}
	}
	return problems
}

// unresolved returns the imports that no export of the platform provides:
// CloudFormation fails a stack that imports them.
func unresolved(imported []string, platform *cfn.Template) []string {
	var problems []string
	exports := platform.Exports()
	for _, name := range imported {
		if _, ok := exports[name]; !ok {
			problems = append(problems, fmt.Sprintf("imports %s, which the deployed platform does not export", name))
		}
	}
	return problems
}

// replaceRE matches a resource that cdk diff says is replaced.
var replaceRE = regexp.MustCompile(`(?m)^\[~\] (\S+) (.+) (replace|may be replaced)$`)

// replacements runs cdk diff of the platform from one assembly's template
// to another's and returns the resources it replaces. Identical templates
// need no diff.
func replacements(t *testing.T, from, to *synthesis) []string {
	t.Helper()
	if bytes.Equal(from.TemplateJSON(t, "EcsplitPlatform"), to.TemplateJSON(t, "EcsplitPlatform")) {
		return nil
	}
	// With --fail, as TestValidateCdkDiffCatchesPlantedFault runs the same
	// pair: cdkDiff runs it once. The exit code does not matter here.
	out, _ := cdkDiff(t, filepath.Join(from.Dir, "EcsplitPlatform.template.json"), to.Dir, "EcsplitPlatform", true)
	var found []string
	for _, m := range replaceRE.FindAllStringSubmatch(out, -1) {
		found = append(found, fmt.Sprintf("replaces %s %s", m[1], m[2]))
	}
	return found
}

// transitionProblems returns what would fail or replace a platform
// resource when a user deploys the change from one synthesis to the next,
// in one `cdk deploy --all` (the platform stack first), or with the
// services stack deployed first.
func transitionProblems(t *testing.T, from, to *synthesis, servicesFirst bool) []string {
	t.Helper()
	fromA, toA := loadAssembly(t, from.Dir), loadAssembly(t, to.Dir)
	platformFrom, platformTo := fromA.Stacks["EcsplitPlatform"], toA.Stacks["EcsplitPlatform"]
	servicesTo := toA.Stacks["EcsplitServices"]
	var problems []string
	deployed := fromA.Stacks["EcsplitServices"].Imports()
	if servicesFirst {
		// Step 1: the new services stack, against the old platform.
		for _, p := range unresolved(servicesTo.Imports(), platformFrom) {
			problems = append(problems, "services first: "+p)
		}
		deployed = servicesTo.Imports()
	}
	for _, p := range exportProblems(deployed, platformFrom, platformTo) {
		problems = append(problems, "platform: "+p)
	}
	for _, p := range unresolved(servicesTo.Imports(), platformTo) {
		problems = append(problems, "services: "+p)
	}
	for _, p := range replacements(t, from, to) {
		problems = append(problems, "platform: "+p)
	}
	return problems
}

// TestDeployTransitions: every change a user makes deploys. A change that
// removes an export the deployed services import is refused in one deploy
// and deploys with the services stack first, as the README says.
func TestDeployTransitions(t *testing.T) {
	parallel(t)
	for _, tr := range transitions {
		t.Run(tr.name, func(t *testing.T) {
			from, to := synth(t, tr.from), synth(t, tr.to)
			for _, p := range transitionProblems(t, from, to, tr.servicesFirst) {
				t.Error(p)
			}
			if tr.servicesFirst {
				refused := transitionProblems(t, from, to, false)
				if !strings.Contains(strings.Join(refused, "\n"), "removes export") {
					t.Errorf("in one deploy CloudFormation would accept it (the README says it refuses): %v", refused)
				}
			}
		})
	}
}

// TestDeployStateChanges: every stage and migration-state change deploys
// in one `cdk deploy --all`. In each state of transitionStates (every
// runbook step among them), in both capacity modes, the platform template
// is byte-identical to the monolith's, so a change between any two of them
// leaves every export and every platform resource as it is; and every
// import of the services stack is an export of that platform.
func TestDeployStateChanges(t *testing.T) {
	parallel(t)
	for _, capacity := range []string{"fargate", "ec2"} {
		mono := synth(t, map[string]string{"stage": "monolith", "capacity": capacity})
		for _, state := range transitionStates {
			s := synth(t, map[string]string{"stage": state, "capacity": capacity})
			if !bytes.Equal(s.TemplateJSON(t, "EcsplitPlatform"), mono.TemplateJSON(t, "EcsplitPlatform")) {
				t.Errorf("%s (%s): the platform template differs from the monolith's: a state change would update the platform", state, capacity)
			}
			a := loadAssembly(t, s.Dir)
			for _, p := range unresolved(a.Stacks["EcsplitServices"].Imports(), a.Stacks["EcsplitPlatform"]) {
				t.Errorf("%s (%s): services: %s", state, capacity, p)
			}
		}
	}
}

// TestDeployTransitionsCatchPlantedFaults: a platform that drops the HTTP
// listener's export when HTTPS comes on, one that changes an export's
// value, one whose load balancer security group changes description (a
// replacement), and a services stack that imports what the platform does
// not export are each reported.
func TestDeployTransitionsCatchPlantedFaults(t *testing.T) {
	parallel(t)
	from := synth(t, splitFargate)
	to := synth(t, map[string]string{"stage": "split", "capacity": "fargate", "certificateArn": testCertificateArn})
	plant := func(edit func(tpl map[string]any)) *synthesis {
		dir := plantFault(t, to.Dir, func(dir string) { editTemplate(t, dir, "EcsplitPlatform", edit) })
		return &synthesis{Dir: dir}
	}
	httpExport := func(tpl map[string]any) (string, map[string]any) {
		for name, o := range tpl["Outputs"].(map[string]any) {
			if strings.Contains(name, "LoadBalancerHTTP") && !strings.Contains(name, "HTTPS") {
				return name, o.(map[string]any)
			}
		}
		t.Fatal("no HTTP listener export to plant the fault in")
		return "", nil
	}
	cases := []struct {
		name, want string
		diff       bool // a replacement, found by cdk diff; else an export problem
		edit       func(tpl map[string]any)
	}{
		{"export removed", "removes export", false, func(tpl map[string]any) {
			n, _ := httpExport(tpl)
			delete(tpl["Outputs"].(map[string]any), n)
		}},
		{"export value changed", "changes the value of export", false, func(tpl map[string]any) {
			_, o := httpExport(tpl)
			o["Value"] = map[string]any{"Ref": "SharedAlbLoadBalancerHTTPS"}
		}},
		{"security group replaced", "replaces AWS::EC2::SecurityGroup", true, func(tpl map[string]any) {
			albGroupProperties(t, tpl)["GroupDescription"] = "ecsplit shared ALB: open on 80 and 443 only"
		}},
	}
	for _, c := range cases {
		planted := plant(c.edit)
		var found []string
		if c.diff {
			found = replacements(t, from, planted)
		} else {
			found = exportProblems(loadAssembly(t, from.Dir).Stacks["EcsplitServices"].Imports(),
				loadAssembly(t, from.Dir).Stacks["EcsplitPlatform"], loadAssembly(t, planted.Dir).Stacks["EcsplitPlatform"])
		}
		problems := strings.Join(found, "\n")
		if !strings.Contains(problems, c.want) {
			t.Errorf("%s: not reported (want %q), got:\n%s", c.name, c.want, problems)
			continue
		}
		t.Logf("planted fault %q caught: %s", c.name, problems)
	}
	// A services stack that imports what the platform does not export.
	missing := plantFault(t, from.Dir, func(dir string) {
		editTemplate(t, dir, "EcsplitServices", func(tpl map[string]any) {
			tpl["Resources"].(map[string]any)["PlantedImport"] = map[string]any{
				"Type":       "AWS::SSM::Parameter",
				"Properties": map[string]any{"Type": "String", "Value": map[string]any{"Fn::ImportValue": "EcsplitPlatform:NoSuchExport"}},
			}
		})
	})
	a := loadAssembly(t, missing)
	if p := unresolved(a.Stacks["EcsplitServices"].Imports(), a.Stacks["EcsplitPlatform"]); len(p) != 1 || !strings.Contains(p[0], "NoSuchExport") {
		t.Errorf("an import the platform does not export: got %v, want it reported", p)
	}
}
