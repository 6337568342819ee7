package alb

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
)

// newAccessLogsBucket creates the default bucket of the load balancer's
// access logs, whose S3 server access logs go to serverLogs.
func newAccessLogsBucket(scope constructs.Construct, serverLogs awss3.IBucket, p *Props) awss3.Bucket {
	return newLogBucket(scope, "AccessLogs", serverLogs, true, p)
}

// newServerAccessLogsBucket creates the default bucket of the access logs
// bucket's S3 server access logs. It has no Object Lock: S3 does not
// deliver server access logs to a bucket with Object Lock ("Object Lock
// considerations", S3 User Guide). It keeps no server access logs itself:
// S3 recommends that a log target not log (into itself that loops, and
// into another bucket the chain never ends); reads of these logs show in
// CloudTrail.
func newServerAccessLogsBucket(scope constructs.Construct, p *Props) awss3.Bucket {
	b := newLogBucket(scope, "ServerAccessLogs", nil, false, p)
	suppress.On(b, suppress.Rule{
		ID: "AwsSolutions-S1",
		Reason: "This bucket is the target of the access logs bucket's S3 server access logs; S3 recommends " +
			"that a log target keep no server access logs of its own (logging into itself loops).",
	})
	return b
}

// newLogBucket creates a bucket for logs that AWS services deliver: it
// blocks public access, enforces TLS 1.2 or later, encrypts with SSE-S3
// (the only encryption that ALB access logs and S3 server access logs
// support), disables ACLs, keeps versions (with Object Lock available but
// no default retention, when objectLock is set), sends its events to
// EventBridge, expires logs after p.AccessLogsExpirationDays, and is kept
// when its stack is deleted. With serverLogs set, its S3 server access logs
// go there, under p.ServerAccessLogsPrefix, and a statement of serverLogs'
// bucket policy lets the S3 logging service write them for this bucket
// only.
func newLogBucket(scope constructs.Construct, id string, serverLogs awss3.IBucket, objectLock bool, p *Props) awss3.Bucket {
	props := &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(true),
		ObjectLockEnabled: jsii.Bool(objectLock),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireLogs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(p.AccessLogsExpirationDays)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(1)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	}
	b := awss3.NewBucket(scope, jsii.String(id), props)
	cfn := b.Node().DefaultChild().(awss3.CfnBucket)
	// EventBridge notifications set on the bucket itself: CDK's
	// EventBridgeEnabled would add a custom-resource Lambda function.
	cfn.SetNotificationConfiguration(&awss3.CfnBucket_NotificationConfigurationProperty{
		EventBridgeConfiguration: &awss3.CfnBucket_EventBridgeConfigurationProperty{EventBridgeEnabled: jsii.Bool(true)},
	})
	if serverLogs != nil {
		// Set here rather than with CDK's ServerAccessLogsBucket, which
		// without the serverAccessLogsUseBucketPolicy feature flag grants
		// through an ACL, and ACLs are off.
		cfn.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
			DestinationBucketName: serverLogs.BucketName(),
			LogFilePrefix:         jsii.String(p.ServerAccessLogsPrefix),
		})
		// A bucket given by the user (imported) keeps its own policy: this
		// adds nothing to it, and an info message says what it must allow.
		res := serverLogs.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("S3ServerAccessLogs"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*serverLogs.ArnForObjects(jsii.String(p.ServerAccessLogsPrefix + "*"))),
			Conditions: &map[string]any{
				"ArnLike":      map[string]any{"aws:SourceArn": b.BucketArn()},
				"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(scope).Account()},
			},
		}))
		if res.StatementAdded == nil || !*res.StatementAdded {
			invalid.Info(scope, "ecsplit: the S3 server access logs of the access logs bucket go to a bucket this app does not manage: "+
				"its bucket policy must allow the service principal logging.s3.amazonaws.com s3:PutObject on "+p.ServerAccessLogsPrefix+
				"* with aws:SourceArn the access logs bucket and aws:SourceAccount this account, and it must use SSE-S3 and have no Object Lock "+
				"(S3 User Guide, Enabling Amazon S3 server access logging)")
		}
	}
	return b
}
