package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
)

// TestNoSubscriberWarning: a migration whose alarm topic has no subscriber
// warns, with the acknowledgement tag that addWarningV2 writes (the CLI
// prints the id to acknowledge); an email subscriber, or the app's
// acknowledgement of the id, leaves no warning.
func TestNoSubscriberWarning(t *testing.T) {
	jsiiTest(t)
	build := func(email string, ack bool) []string {
		f := newFixture()
		img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
		m := migration.New(f.stack, "Migration", &migration.Props{
			Platform: microservice.PlatformOf(f.c, f.lb),
			Monolith: microservice.Props{Name: "monolith", Paths: []string{"/api", "/api/*"}, Image: img},
			Services: []microservice.Props{{Name: "users", Paths: []string{"/api/users", "/api/users/*"}, Image: img}},
			Alarms:   migration.Alarms{Email: email},
		})
		if ack {
			awscdk.Annotations_Of(m.AlarmTopic).AcknowledgeWarning(jsii.String(migration.NoSubscriberWarning), jsii.String("subscribed by the app"))
		}
		return annotations(f.stack, "aws:cdk:warning")
	}
	tag := "[ack: " + migration.NoSubscriberWarning + "]"
	got := build("", false)
	if len(got) != 1 || !strings.Contains(got[0], "the alarm topic has no subscriber") || !strings.HasSuffix(got[0], tag) {
		t.Errorf("no email: warnings %q, want one that the topic has no subscriber, ending in %q", got, tag)
	}
	if got := build("ops@example.com", false); len(got) != 0 {
		t.Errorf("with an email subscriber: warnings %q, want none", got)
	}
	if got := build("", true); len(got) != 0 {
		t.Errorf("acknowledged: warnings %q, want none", got)
	}
}
