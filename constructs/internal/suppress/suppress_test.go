package suppress_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// TestSuppressWritesWhatCdkNagWrites: constructs/internal/suppress, which
// the library uses instead of cdk-nag, leaves on every resource the
// metadata that cdk-nag's NagSuppressions.addResourceSuppressions leaves,
// for the same calls on twin stacks: one resource, a tree (a role and its
// default policy), a rule with AppliesTo, a reason beyond Latin-1 (which
// cdk-nag base64-encodes), a repeated call (no duplicate) and metadata
// already there (kept, then merged). cdk-nag is a dependency of this test
// only, not of the library.
func TestSuppressWritesWhatCdkNagWrites(t *testing.T) {
	ec23 := suppress.Rule{ID: "AwsSolutions-EC23", Reason: "a planted reason for an open security group"}
	iam5 := suppress.Rule{ID: "AwsSolutions-IAM5", Reason: "a planted reason — with a dash beyond Latin-1", AppliesTo: []string{"Resource::*"}}
	evalFailure := suppress.Rule{ID: "CdkNagValidationFailure", Reason: "a planted reason for a rule that cannot evaluate", AppliesTo: []string{"AwsSolutions-EC26", "AwsSolutions-EC23"}}
	type calls struct {
		on, onTree func(c constructs.IConstruct, rules ...suppress.Rule)
	}
	viaNag := func(children bool) func(c constructs.IConstruct, rules ...suppress.Rule) {
		return func(c constructs.IConstruct, rules ...suppress.Rule) {
			var s []*cdknag.NagPackSuppression
			for _, r := range rules {
				n := &cdknag.NagPackSuppression{Id: jsii.String(r.ID), Reason: jsii.String(r.Reason)}
				if r.AppliesTo != nil {
					applies := []any{}
					for _, a := range r.AppliesTo {
						applies = append(applies, a)
					}
					n.AppliesTo = &applies
				}
				s = append(s, n)
			}
			cdknag.NagSuppressions_AddResourceSuppressions(c, &s, jsii.Bool(children))
		}
	}
	build := func(c calls) map[string]any {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Twin"), nil)
		vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{NatGateways: jsii.Number(0), MaxAzs: jsii.Number(1)})
		sg := awsec2.NewSecurityGroup(stack, jsii.String("Sg"), &awsec2.SecurityGroupProps{Vpc: vpc})
		sg.Node().DefaultChild().(awsec2.CfnSecurityGroup).AddMetadata(jsii.String(suppress.MetadataKey), map[string]any{
			"rules_to_suppress": []any{map[string]any{"id": "AwsSolutions-EC27", "reason": "a reason that was there before"}},
		})
		c.on(sg, ec23)
		c.on(sg, ec23, evalFailure) // ec23 again: kept once
		role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)})
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("ecr:GetAuthorizationToken"), Resources: jsii.Strings("*"),
		}))
		c.onTree(role, iam5)
		c.on(role.Node().DefaultChild(), evalFailure) // a CfnResource itself
		metadata := map[string]any{}
		tpl := assertions.Template_FromStack(stack, nil).ToJSON()
		for id, r := range (*tpl)["Resources"].(map[string]any) {
			if md, ok := r.(map[string]any)["Metadata"].(map[string]any); ok {
				metadata[id] = md[suppress.MetadataKey]
			}
		}
		return metadata
	}
	want := build(calls{viaNag(false), viaNag(true)})
	got := build(calls{suppress.On, suppress.OnTree})
	if len(want) != 3 {
		t.Fatalf("cdk-nag left suppressions on %d resources, want 3 (security group, role, default policy): %v", len(want), want)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("suppress wrote\n%s\ncdk-nag writes\n%s", g, w)
	}
}
