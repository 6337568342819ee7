// Package kmskey provides the customer-managed KMS keys of the ecsplit
// constructs: rotation on (Control Tower CT.KMS.PR.1, cdk-nag
// AwsSolutions-KMS5), grants limited to AWS services (CT.KMS.PR.3), kept
// when their stack is deleted, like what they decrypt; each usable by one
// AWS service of the account: CloudWatch Logs for log groups (CT.CLOUDWATCH.PR.3),
// CloudWatch alarms for an encrypted SNS topic.
package kmskey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ForLogs creates a key that CloudWatch Logs may use for the log groups of
// this account and Region only.
func ForLogs(scope constructs.Construct, id, description string) awskms.Key {
	key := newKey(scope, id, description)
	stack := awscdk.Stack_Of(scope)
	// The condition names every log group of the account and Region rather
	// than one log group: naming the log group's ARN would make the key
	// depend on the log group that depends on the key.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsOfThisAccountAndRegion"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs.amazonaws.com"), nil)},
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

// ForAlarms creates a key for an SNS topic that the CloudWatch alarms of
// this account publish to: CloudWatch needs to make and use data keys.
func ForAlarms(scope constructs.Construct, id, description string) awskms.Key {
	key := newKey(scope, id, description)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(scope).Account()},
		},
	}), jsii.Bool(false))
	denyOtherGrants(key)
	return key
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
