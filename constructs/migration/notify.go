package migration

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/kmskey"
)

// newAlarmTopic creates the SNS topic that the alarms notify, with email
// (unless "") subscribed to it: encrypted with a KMS key that CloudWatch alarms may
// use (cdk-nag AwsSolutions-SNS2), and refusing requests without TLS
// (AwsSolutions-SNS3).
func newAlarmTopic(scope constructs.Construct, email string) awssns.Topic {
	topic := awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("ecsplit migration alarms"),
		MasterKey:   kmskey.ForAlarms(scope, "AlarmTopicKey", "ecsplit: encrypts the migration's alarm notifications"),
		EnforceSSL:  jsii.Bool(true),
	})
	if email != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return topic
}
