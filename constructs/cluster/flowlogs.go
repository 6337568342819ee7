package cluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
)

// allowFlowLogDelivery gives the flow log's role what AWS's page "IAM role
// for publishing flow logs to CloudWatch Logs" says it "must include at
// least": logs:CreateLogGroup, CreateLogStream, PutLogEvents,
// DescribeLogGroups and DescribeLogStreams. The CDK's role holds three of
// them, on the log group's ARN with ":*" (its streams): this adds the log
// group's own ARN, which CreateLogGroup and DescribeLogStreams name, and
// DescribeLogGroups, which takes no resource.
//
// The role's trust policy lets VPC Flow Logs assume it for this account's
// flow logs only, as the same page recommends against the confused deputy
// problem: "aws:SourceAccount" the account and "aws:SourceArn" a flow log
// of the account and Region (arn:PARTITION:ec2:REGION:ACCOUNT:vpc-flow-log/*:
// the flow log's id is not known before it exists).
func allowFlowLogDelivery(role awsiam.IRole, group awslogs.LogGroup) {
	stack := awscdk.Stack_Of(group)
	var trust awscdk.CfnResource
	jsii.UnsafeCast(role.Node().DefaultChild(), &trust)
	trust.AddPropertyOverride(jsii.String("AssumeRolePolicyDocument.Statement.0.Condition"), map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("ec2"),
			Resource:     jsii.String("vpc-flow-log"),
			ResourceName: jsii.String("*"),
		})},
	})
	groupArn := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("logs"),
		Resource:     jsii.String("log-group"),
		ResourceName: group.LogGroupName(),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PublishToTheFlowLogGroup"),
		Actions:   jsii.Strings("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
		Resources: &[]*string{groupArn, group.LogGroupArn()},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeLogGroupsHasNoResource"),
		Actions:   jsii.Strings("logs:DescribeLogGroups"),
		Resources: jsii.Strings("*"),
	}))
	suppress.OnTree(role, suppress.Rule{
		ID: "AwsSolutions-IAM5",
		Reason: "logs:DescribeLogGroups has no resource-level permissions, and AWS's page on the flow log role says the role " +
			"must include it; the role's other actions name the flow log group only (its ARN, and its streams with :*).",
		AppliesTo: []string{"Resource::*"},
	})
}
