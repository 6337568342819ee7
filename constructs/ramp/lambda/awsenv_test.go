package lambda

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

func TestNewClients(t *testing.T) {
	env := map[string]string{
		"AWS_REGION":                  "eu-west-1",
		"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "token",
		"AWS_ENDPOINT_URL":            "http://127.0.0.1:4566",
		"AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:4567",
	}
	c, err := newClients(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	o := c.ramp.ELBV2.(*elbv2.Client).Options()
	if o.Region != "eu-west-1" || aws.ToString(o.BaseEndpoint) != "http://127.0.0.1:4566" {
		t.Errorf("ELBv2 region %s endpoint %s", o.Region, aws.ToString(o.BaseEndpoint))
	}
	if e := c.ramp.CloudWatch.(*cloudwatch.Client).Options().BaseEndpoint; aws.ToString(e) != "http://127.0.0.1:4567" {
		t.Errorf("CloudWatch endpoint %s, want its own", aws.ToString(e))
	}
	if e := c.stacks.Options().BaseEndpoint; aws.ToString(e) != "http://127.0.0.1:4566" {
		t.Errorf("CloudFormation endpoint %s", aws.ToString(e))
	}
	creds, err := o.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Errorf("credentials = %+v, %v", creds, err)
	}

	delete(env, "AWS_SECRET_ACCESS_KEY")
	if _, err := o.Credentials.Retrieve(context.Background()); err == nil {
		t.Error("credentials without a secret key: no error")
	}
	delete(env, "AWS_REGION")
	if _, err := newClients(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("newClients without a region = %v", err)
	}
}
