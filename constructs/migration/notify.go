package migration

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/internal/kmskey"
)

// newAlarmTopic creates the SNS topic that the alarms notify, with email
// (unless "") subscribed to it: encrypted with a KMS key that CloudWatch
// may use (cdk-nag AwsSolutions-SNS2), and refusing requests without TLS
// (AwsSolutions-SNS3). Without an email it warns that nobody is told.
func newAlarmTopic(scope constructs.Construct, email string) awssns.Topic {
	topic := awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("ecsplit migration alarms"),
		MasterKey:   kmskey.ForAlarms(scope, "AlarmTopicKey", "ecsplit: encrypts the migration's alarm notifications"),
		EnforceSSL:  jsii.Bool(true),
	})
	if email != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	} else {
		invalid.Warn(topic, NoSubscriberWarning, "ecsplit: the alarm topic has no subscriber, so an alarm reaches nobody: set Alarms.Email "+
			"(the app's -c alarmEmail=ADDRESS), or subscribe to the topic (Migration.AlarmTopic) and acknowledge this warning")
	}
	return topic
}

// NoSubscriberWarning is the id of the warning that the alarm topic the
// migration made has no subscriber. An app that subscribes to the topic
// itself acknowledges it:
// awscdk.Annotations_Of(m.AlarmTopic).AcknowledgeWarning(jsii.String(migration.NoSubscriberWarning), jsii.String("paged through SQS")).
const NoSubscriberWarning = "ecsplit:alarm-topic-without-subscriber"

// letAlarmsPublish lets the alarms named names publish to topic: a
// statement of the topic's policy allows CloudWatch sns:Publish when
// aws:SourceArn is one of these alarms. (A topic policy replaces SNS's
// default policy, which is what lets the account's own services publish;
// without this statement, CloudWatch may not.) The alarm's ARN names its
// account; aws:SourceAccount, which no AWS page documents on this call, is
// not relied on. A topic that the app does not manage (imported) keeps its
// own policy: an info message says what it must allow.
func letAlarmsPublish(scope constructs.Construct, topic awssns.ITopic, names []string) {
	stack := awscdk.Stack_Of(scope)
	var arns []*string
	for _, name := range slices.Sorted(slices.Values(names)) {
		arns = append(arns, stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("cloudwatch"),
			Resource:     jsii.String("alarm"),
			ResourceName: jsii.String(name),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		}))
	}
	res := topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsOfThisMigration"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{"ArnLike": map[string]any{"aws:SourceArn": arns}},
	}))
	if res.StatementAdded != nil && *res.StatementAdded {
		return
	}
	invalid.Info(scope, ImportedTopicRequirements(names))
}

// ImportedTopicRequirements is what a topic that the app does not manage
// must allow for the alarms named names to reach it, as the info message
// of the synth gives it: the topic policy statement, with ${Partition},
// ${Region}, ${Account} and ${TopicArn} standing for the topic's, and,
// for an encrypted topic, the key policy statement.
func ImportedTopicRequirements(names []string) string {
	var arns []string
	for _, name := range slices.Sorted(slices.Values(names)) {
		arns = append(arns, "arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:"+name)
	}
	topicStatement, _ := json.Marshal(map[string]any{
		"Sid":       "CloudWatchAlarmsOfThisMigration",
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
		"Action":    "sns:Publish",
		"Resource":  "${TopicArn}",
		"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": arns}},
	})
	keyStatement, _ := json.Marshal(kmskey.CloudWatchAlarmsStatement())
	return fmt.Sprintf("ecsplit: the alarms notify a topic this app does not manage; for them to reach it, its access policy must hold %s "+
		"and, if it is encrypted with a KMS key, the key policy must hold %s (README: Alarms and dashboard)", topicStatement, keyStatement)
}
