package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/internal/cfn"
)

// egressRule is one egress rule of a security group, as EC2 applies it.
type egressRule struct {
	Protocol string
	Ports    string
	To       string
}

// allowAll is the egress rule CloudFormation gives a security group created
// without SecurityGroupEgress (the EC2 default): all traffic anywhere.
var allowAll = egressRule{Protocol: "-1", Ports: "all", To: "0.0.0.0/0"}

// effectiveEgress returns, for each security group of an assembly (by
// "STACK/LOGICALID"), the egress rules it has once deployed: its own
// SecurityGroupEgress, or CloudFormation's default allow-all when it has
// none, plus every AWS::EC2::SecurityGroupEgress of any stack that names it,
// directly or through an export.
func effectiveEgress(a *cfn.Assembly) map[string][]egressRule {
	out := map[string][]egressRule{}
	exported := map[string]string{} // export name -> "STACK/ID" of a group id
	for _, stack := range slices.Sorted(maps.Keys(a.Stacks)) {
		tpl := a.Stacks[stack]
		for name, v := range tpl.Exports() {
			if id := groupRef(v); id != "" {
				exported[name] = stack + "/" + id
			}
		}
		for _, id := range tpl.OfType(typeSG) {
			key := stack + "/" + id
			rules, ok := tpl.Resources[id].Properties["SecurityGroupEgress"].([]any)
			if !ok {
				out[key] = []egressRule{allowAll}
				continue
			}
			out[key] = []egressRule{}
			for _, r := range rules {
				out[key] = append(out[key], toEgressRule(r.(map[string]any)))
			}
		}
	}
	for _, stack := range slices.Sorted(maps.Keys(a.Stacks)) {
		tpl := a.Stacks[stack]
		for _, id := range tpl.OfType("AWS::EC2::SecurityGroupEgress") {
			p := tpl.Resources[id].Properties
			key := ""
			if gid := groupRef(p["GroupId"]); gid != "" {
				key = stack + "/" + gid
			} else if m, ok := p["GroupId"].(map[string]any); ok {
				key = exported[fmt.Sprint(m["Fn::ImportValue"])]
			}
			out[key] = append(out[key], toEgressRule(p))
		}
	}
	return out
}

// groupRef returns the logical id of a security group named by
// {"Fn::GetAtt": [ID, "GroupId"]} or {"Ref": ID}, or "".
func groupRef(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 && ga[1] == "GroupId" {
		return fmt.Sprint(ga[0])
	}
	if ref, ok := m["Ref"].(string); ok {
		return ref
	}
	return ""
}

func toEgressRule(m map[string]any) egressRule {
	r := egressRule{Protocol: fmt.Sprint(m["IpProtocol"]), Ports: "all"}
	if m["FromPort"] != nil {
		r.Ports = fmt.Sprintf("%v-%v", m["FromPort"], m["ToPort"])
	}
	for _, k := range []string{"CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId"} {
		if v, ok := m[k]; ok {
			b, _ := json.Marshal(v)
			r.To = string(b)
			if s, ok := v.(string); ok {
				r.To = s
			}
		}
	}
	return r
}

// albGroup returns the key of the shared ALB's security group.
func albGroup(t *testing.T, a *cfn.Assembly) string {
	t.Helper()
	tpl := a.Stacks["EcsplitPlatform"]
	for _, id := range tpl.OfType(typeSG) {
		if tpl.Resources[id].Properties["GroupDescription"] == alb.SecurityGroupDescription {
			return "EcsplitPlatform/" + id
		}
	}
	t.Fatal("no shared ALB security group")
	return ""
}

// albGroupProperties returns the properties of the shared ALB's security
// group in a platform template being edited, to plant a fault in.
func albGroupProperties(t testing.TB, tpl map[string]any) map[string]any {
	t.Helper()
	for _, sg := range resourcesOfType(tpl, typeSG) {
		if p := sg["Properties"].(map[string]any); p["GroupDescription"] == alb.SecurityGroupDescription {
			return p
		}
	}
	t.Fatal("no ALB security group to plant the fault in")
	return nil
}

// wantALBEgress is the README's claim: the ALB's egress goes only to the
// services' container port, in the VPC.
var wantALBEgress = []egressRule{{Protocol: "tcp", Ports: "8080-8080", To: `{"Fn::GetAtt":["ClusterVpcFAA3CEDF","CidrBlock"]}`}}

// autoscaledServiceProblems returns the ECS services whose task count an
// Application Auto Scaling target owns but that set DesiredCount: each
// update of such a service (a new image) sets the running count back to it
// (containers-roadmap#493); without it, an update keeps the current count.
func autoscaledServiceProblems(a *cfn.Assembly) []string {
	var problems []string
	for _, stack := range slices.Sorted(maps.Keys(a.Stacks)) {
		tpl := a.Stacks[stack]
		scaled := map[string]bool{}
		for _, id := range tpl.OfType("AWS::ApplicationAutoScaling::ScalableTarget") {
			for _, dep := range tpl.Dependencies(id) {
				if tpl.Resources[dep].Type == typeService {
					scaled[dep] = true
				}
			}
		}
		for _, id := range tpl.OfType(typeService) {
			_, set := tpl.Resources[id].Properties["DesiredCount"]
			if scaled[id] && set {
				problems = append(problems, fmt.Sprintf("%s %s: DesiredCount is set on an autoscaled service: every deploy resets its running count", stack, id))
			}
			if !scaled[id] {
				problems = append(problems, fmt.Sprintf("%s %s: no scalable target owns its count", stack, id))
			}
		}
	}
	return problems
}

// logTargetProblems returns the buckets of an assembly that receive S3
// server access logs but that S3 does not deliver them to: a bucket with
// Object Lock ("S3 buckets with Object Lock can't be used as destination
// buckets for server access logs", S3 User Guide), or the logged bucket
// itself (delivery into itself loops). A bucket without ObjectLockEnabled
// has none (CloudFormation's default).
func logTargetProblems(a *cfn.Assembly) []string {
	var problems []string
	for _, stack := range slices.Sorted(maps.Keys(a.Stacks)) {
		tpl := a.Stacks[stack]
		for _, id := range tpl.OfType("AWS::S3::Bucket") {
			logging, _ := tpl.Resources[id].Properties["LoggingConfiguration"].(map[string]any)
			dest, _ := logging["DestinationBucketName"].(map[string]any)
			target, _ := dest["Ref"].(string)
			switch {
			case logging == nil:
			case target == "":
				// A bucket given by name: the user's; not in this template.
			case target == id:
				problems = append(problems, fmt.Sprintf("%s %s: sends its server access logs to itself", stack, id))
			case tpl.Resources[target].Properties["ObjectLockEnabled"] == true:
				problems = append(problems, fmt.Sprintf("%s %s: sends its server access logs to %s, which has Object Lock: S3 does not deliver them", stack, id, target))
			}
		}
	}
	return problems
}

// TestDeployCloudFormationDefaults asserts what CloudFormation fills in
// where a property is absent, where it matters: the ALB's security group has
// exactly its one egress rule once deployed (not CloudFormation's default
// allow-all, nor rules other stacks add), no autoscaled service sets
// DesiredCount, and S3 server access logs go to a bucket S3 delivers to.
func TestDeployCloudFormationDefaults(t *testing.T) {
	parallel(t)
	for _, ctx := range append(slices.Clone(allStates), map[string]string{"stage": "split", "capacity": "fargate", "certificateArn": testCertificateArn}) {
		a := loadAssembly(t, synth(t, ctx).Dir)
		if got := effectiveEgress(a)[albGroup(t, a)]; !slices.Equal(got, wantALBEgress) {
			t.Errorf("%s: the ALB's security group's egress once deployed is %v, want %v", name(ctx), got, wantALBEgress)
		}
		for _, p := range autoscaledServiceProblems(a) {
			t.Errorf("%s: %s", name(ctx), p)
		}
		for _, p := range logTargetProblems(a) {
			t.Errorf("%s: %s", name(ctx), p)
		}
	}
}

// TestDeployCloudFormationDefaultsCatchPlantedFaults: an ALB security group
// without SecurityGroupEgress (CloudFormation then allows all), an egress
// rule another stack adds to it, a DesiredCount on an autoscaled service,
// and server access logs sent to a bucket with Object Lock are each
// reported.
func TestDeployCloudFormationDefaultsCatchPlantedFaults(t *testing.T) {
	parallel(t)
	src := synth(t, splitFargate).Dir
	t.Run("default allow-all egress", func(t *testing.T) {
		dir := plantFault(t, src, func(dir string) {
			editTemplate(t, dir, "EcsplitPlatform", func(tpl map[string]any) { delete(albGroupProperties(t, tpl), "SecurityGroupEgress") })
		})
		a := loadAssembly(t, dir)
		if got := effectiveEgress(a)[albGroup(t, a)]; !slices.Contains(got, allowAll) {
			t.Errorf("egress of a group without SecurityGroupEgress is %v, want CloudFormation's allow-all", got)
		}
	})
	t.Run("egress added by the services stack", func(t *testing.T) {
		dir := plantFault(t, src, func(dir string) {
			editTemplate(t, dir, "EcsplitServices", func(tpl map[string]any) {
				var export string
				for _, name := range loadAssembly(t, src).Stacks["EcsplitServices"].Imports() {
					if strings.Contains(name, "SharedAlbSecurityGroup") {
						export = name
					}
				}
				tpl["Resources"].(map[string]any)["PlantedEgress"] = map[string]any{
					"Type": "AWS::EC2::SecurityGroupEgress",
					"Properties": map[string]any{"GroupId": map[string]any{"Fn::ImportValue": export},
						"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000, "CidrIp": "0.0.0.0/0"},
				}
			})
		})
		a := loadAssembly(t, dir)
		if got := effectiveEgress(a)[albGroup(t, a)]; len(got) != 2 {
			t.Errorf("egress with a rule from the services stack is %v, want both rules", got)
		}
	})
	t.Run("DesiredCount on an autoscaled service", func(t *testing.T) {
		dir := plantFault(t, src, func(dir string) {
			editTemplate(t, dir, "EcsplitServices", func(tpl map[string]any) {
				resourcesOfType(tpl, typeService)[0]["Properties"].(map[string]any)["DesiredCount"] = 2
			})
		})
		if p := autoscaledServiceProblems(loadAssembly(t, dir)); len(p) != 1 || !strings.Contains(p[0], "resets its running count") {
			t.Errorf("DesiredCount on an autoscaled service: got %v, want one problem", p)
		}
	})
	t.Run("server access logs to a bucket with Object Lock", func(t *testing.T) {
		dir := plantFault(t, src, func(dir string) {
			editTemplate(t, dir, "EcsplitPlatform", func(tpl map[string]any) {
				for _, b := range resourcesOfType(tpl, "AWS::S3::Bucket") {
					if _, logs := b["Properties"].(map[string]any)["LoggingConfiguration"]; !logs {
						b["Properties"].(map[string]any)["ObjectLockEnabled"] = true
					}
				}
			})
		})
		if p := logTargetProblems(loadAssembly(t, dir)); len(p) != 1 || !strings.Contains(p[0], "Object Lock") {
			t.Errorf("server access logs to a bucket with Object Lock: got %v, want one problem", p)
		}
	})
}
