package test

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// nameRule is what a service accepts as the physical name of one resource
// type, from that service's documentation. CloudFormation does not check
// these at validation: a bad name fails the deploy.
type nameRule struct {
	// Property is the resource's name property.
	Property string
	// Max is the longest name.
	Max int
	// Pattern is the characters and shape allowed.
	Pattern *regexp.Regexp
	// Reserved are beginnings the service rejects, in any letter case.
	Reserved []string
	// Lower: CloudFormation lowercases the name it derives (S3).
	Lower bool
	// Source names the documentation the rule comes from.
	Source string
}

// nameRules are the name rules of every resource type ecsplit creates that
// has a name, set by ecsplit or derived by CloudFormation from the stack
// name ("STACK-LOGICALID-SUFFIX", shortened to the limit) when unset.
var nameRules = map[string]nameRule{
	"AWS::ECS::CapacityProvider": {"Name", 255, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), []string{"aws", "ecs", "fargate"}, false,
		"ECS CreateCapacityProvider: up to 255 letters, numbers, underscores and hyphens; cannot be prefixed with aws, ecs or fargate"},
	"AWS::ECS::Cluster": {"ClusterName", 255, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), nil, false,
		"ECS CreateCluster: up to 255 letters, numbers, underscores and hyphens"},
	"AWS::ECS::Service": {"ServiceName", 255, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), nil, false,
		"ECS CreateService: up to 255 letters, numbers, underscores and hyphens"},
	"AWS::ElasticLoadBalancingV2::TargetGroup": {"Name", 32, regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`), []string{"internal-"}, false,
		"ELB CreateTargetGroup: up to 32 alphanumerics and hyphens, not beginning or ending with a hyphen"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {"Name", 32, regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`), []string{"internal-"}, false,
		"ELB CreateLoadBalancer: up to 32 alphanumerics and hyphens, not beginning or ending with a hyphen, not beginning with internal-"},
	"AWS::Logs::LogGroup": {"LogGroupName", 512, regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`), []string{"aws/"}, false,
		"CloudWatch Logs CreateLogGroup: up to 512 of a-z A-Z 0-9 _ - / . #; aws/ is reserved for AWS services"},
	"AWS::IAM::Role": {"RoleName", 64, regexp.MustCompile(`^[\w+=,.@-]+$`), nil, false,
		"IAM CreateRole: up to 64 alphanumerics and +=,.@-_"},
	"AWS::IAM::Policy": {"PolicyName", 128, regexp.MustCompile(`^[\w+=,.@-]+$`), nil, false,
		"IAM PutRolePolicy: up to 128 alphanumerics and +=,.@-_"},
	"AWS::EC2::LaunchTemplate": {"LaunchTemplateName", 128, regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,}$`), nil, false,
		"EC2 CreateLaunchTemplate: 3 to 128 of a-z A-Z 0-9 ( ) . - / _"},
	"AWS::S3::Bucket": {"BucketName", 63, regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`), []string{"xn--", "sthree-", "amzn-s3-demo-"}, true,
		"S3 bucket naming rules: 3 to 63 lower-case letters, numbers, dots and hyphens, beginning and ending with a letter or number"},
	"AWS::CloudWatch::Alarm": {"AlarmName", 255, regexp.MustCompile(`^[\x20-\x7e]+$`), nil, false,
		"CloudWatch PutMetricAlarm: up to 255 ASCII characters"},
	"AWS::CloudWatch::Dashboard": {"DashboardName", 255, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), nil, false,
		"CloudWatch PutDashboard: up to 255 of A-Z a-z 0-9 - _"},
	"AWS::SNS::Topic": {"TopicName", 256, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), nil, false,
		"SNS CreateTopic: up to 256 alphanumerics, hyphens and underscores"},
}

// stackNameRE is CloudFormation's rule for stack names.
var stackNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)

// physicalName returns the name a resource will have: its name property
// when it is a literal string, or the name CloudFormation derives from the
// stack name and the logical id (with a random suffix, shortened to the
// limit but always beginning with the stack name's start). derived tells
// which. A name built at deploy time (an intrinsic function) is not
// checked: ok is false.
func physicalName(stack, logicalID string, r *cfn.Resource, rule nameRule) (name string, derived, ok bool) {
	switch v := r.Properties[rule.Property].(type) {
	case string:
		return v, false, true
	case nil:
		name = stack + "-" + logicalID + "-1A2B3C4D5E6F"
		if len(name) > rule.Max {
			name = name[:rule.Max]
		}
		if rule.Lower {
			name = strings.ToLower(name)
		}
		return name, true, true
	}
	return "", false, false
}

// nameProblems checks every named resource of an assembly against
// nameRules, and the stack names themselves.
func nameProblems(a *cfn.Assembly) []string {
	var problems []string
	for _, st := range a.Artifacts {
		stack := st.Name
		if !stackNameRE.MatchString(stack) {
			problems = append(problems, fmt.Sprintf("stack name %q: CloudFormation allows letters, digits and hyphens, beginning with a letter, up to 128", stack))
		}
		tpl := a.Stacks[st.ID]
		for _, id := range slices.Sorted(maps.Keys(tpl.Resources)) {
			r := tpl.Resources[id]
			rule, ok := nameRules[r.Type]
			if !ok {
				continue
			}
			name, derived, ok := physicalName(stack, id, r, rule)
			if !ok {
				continue
			}
			how := "set"
			if derived {
				how = "derived by CloudFormation"
			}
			var bad []string
			if len(name) > rule.Max {
				bad = append(bad, fmt.Sprintf("longer than %d", rule.Max))
			}
			if !rule.Pattern.MatchString(name) {
				bad = append(bad, "characters or shape not allowed")
			}
			for _, p := range rule.Reserved {
				if strings.HasPrefix(strings.ToLower(name), p) {
					bad = append(bad, fmt.Sprintf("begins with reserved %q", p))
				}
			}
			if len(bad) > 0 {
				problems = append(problems, fmt.Sprintf("%s %s (%s) %s name %q: %s (%s)",
					stack, id, r.Type, how, name, strings.Join(bad, ", "), rule.Source))
			}
		}
	}
	return problems
}

// TestDeployNames: every physical name ecsplit sets or CloudFormation
// derives from the stack name obeys the rules of its service, in every
// stage, migration state and capacity mode, and with HTTPS.
func TestDeployNames(t *testing.T) {
	parallel(t)
	ctxs := append(slices.Clone(allStates), map[string]string{"stage": "split", "capacity": "ec2", "certificateArn": testCertificateArn})
	for _, ctx := range ctxs {
		for _, p := range nameProblems(loadAssembly(t, synth(t, ctx).Dir)) {
			t.Errorf("%s: %s", name(ctx), p)
		}
	}
}

// TestDeployNamesCatchPlantedFaults: a capacity provider left unnamed (its
// derived name begins with the stack's "Ecs") and a target group named with
// an underscore are both reported.
func TestDeployNamesCatchPlantedFaults(t *testing.T) {
	parallel(t)
	dir := plantFault(t, synth(t, map[string]string{"stage": "split", "capacity": "ec2"}).Dir, func(dir string) {
		editTemplate(t, dir, "EcsplitPlatform", func(tpl map[string]any) {
			cps := resourcesOfType(tpl, "AWS::ECS::CapacityProvider")
			if len(cps) != 1 {
				t.Fatalf("%d capacity providers to plant the fault in", len(cps))
			}
			delete(cps[0]["Properties"].(map[string]any), "Name")
		})
		editTemplate(t, dir, "EcsplitServices", func(tpl map[string]any) {
			resourcesOfType(tpl, typeTargetGroup)[0]["Properties"].(map[string]any)["Name"] = "users_tg"
		})
	})
	problems := strings.Join(nameProblems(loadAssembly(t, dir)), "\n")
	for _, want := range []string{`derived by CloudFormation name "EcsplitPlatform-ClusterCapacityProvider`, `begins with reserved "ecs"`, `set name "users_tg"`} {
		if !strings.Contains(problems, want) {
			t.Errorf("planted fault not reported: want %q in:\n%s", want, problems)
		}
	}
	t.Logf("planted faults caught:\n%s", problems)
}
