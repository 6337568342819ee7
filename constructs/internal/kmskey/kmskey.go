// Package kmskey provides the customer-managed KMS keys of the ecsplit
// constructs: rotation on (Control Tower CT.KMS.PR.1, cdk-nag
// AwsSolutions-KMS5), grants limited to AWS services (CT.KMS.PR.3), kept
// when their stack is deleted, like what they decrypt; each usable by one
// AWS service: CloudWatch Logs for the log groups of the account and
// Region (CT.CLOUDWATCH.PR.3), CloudWatch alarms for an encrypted SNS
// topic. What each allows is proved from the templates by
// internal/permission.
package kmskey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ForLogs creates a key that CloudWatch Logs may use for the log groups of
// this account and Region only. AWS's page "Encrypt log data in CloudWatch
// Logs using AWS KMS" names the principal logs.REGION.amazonaws.com (in the
// key's Region), and every request carries the log group's ARN as
// kms:EncryptionContext:aws:logs:arn.
func ForLogs(scope constructs.Construct, id, description string) awskms.Key {
	key := newKey(scope, id, description)
	stack := awscdk.Stack_Of(scope)
	// The condition names every log group of the account and Region rather
	// than one log group: naming the log group's ARN would make the key
	// depend on the log group that depends on the key.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("CloudWatchLogsOfThisAccountAndRegion"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(
			awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("logs."), stack.Region(), jsii.String(".amazonaws.com")}), nil)},
		Actions: jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
			"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"),
		Resources: jsii.Strings("*"),
		Conditions: &map[string]any{
			"ArnLike": map[string]any{
				"kms:EncryptionContext:aws:logs:arn": stack.FormatArn(&awscdk.ArnComponents{
					Service:      jsii.String("logs"),
					Resource:     jsii.String("log-group"),
					ResourceName: jsii.String("*"),
					ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
				}),
			},
		},
	}), jsii.Bool(false))
	denyOtherGrants(key)
	return key
}

// ForAlarms creates a key for an SNS topic that CloudWatch alarms publish
// to (CloudWatchAlarmsStatement).
func ForAlarms(scope constructs.Construct, id, description string) awskms.Key {
	key := newKey(scope, id, description)
	key.AddToResourcePolicy(awsiam.PolicyStatement_FromJson(CloudWatchAlarmsStatement()), jsii.Bool(false))
	denyOtherGrants(key)
	return key
}

// CloudWatchAlarmsStatement is the key policy statement that lets
// CloudWatch alarms publish to a topic encrypted with the key: AWS's
// guidance ("Enable compatibility between event sources from AWS services
// and encrypted topics", SNS Developer Guide) grants the service principal
// kms:GenerateDataKey* and kms:Decrypt, without a condition: no AWS page
// documents a request context key (aws:SourceAccount, aws:SourceArn, an
// encryption context) on these calls, so none is relied on. The key is
// the topic's alone; CloudWatch can use it only for a topic encrypted with
// it, which only this account can make.
func CloudWatchAlarmsStatement() map[string]any {
	return map[string]any{
		"Sid":       "CloudWatchAlarms",
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
		"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey*"},
		"Resource":  "*",
	}
}

// newKey creates a key with rotation, retained on stack deletion.
func newKey(scope constructs.Construct, id, description string) awskms.Key {
	return awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
}

// denyOtherGrants lets only AWS services create grants on the key.
func denyOtherGrants(key awskms.Key) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GrantsOnlyForAwsServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"BoolIfExists": map[string]any{
				"kms:GrantIsForAWSResource": "false",
				"aws:PrincipalIsAWSService": "false",
			},
		},
	}), jsii.Bool(false))
}
