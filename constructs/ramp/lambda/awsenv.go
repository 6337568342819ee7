package lambda

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/ecsplit/ecsplit/constructs/ramp"
)

// clients are the AWS clients a ramp function calls.
type clients struct {
	ramp   ramp.Clients
	stacks *cloudformation.Client
	lambda *awslambda.Client
}

// newClients makes the clients from the environment Lambda gives a
// function: AWS_REGION, and the role's credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. AWS_ENDPOINT_URL, and
// AWS_ENDPOINT_URL_<SERVICE> for one service (ELASTIC_LOAD_BALANCING_V2,
// CLOUDWATCH, CLOUDFORMATION, LAMBDA), send the calls elsewhere, to a
// local emulator for example. It does without the SDK's config module,
// which would read shared files a function does not have.
func newClients(getenv func(string) string) (clients, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return clients{}, errors.New("AWS_REGION is not set")
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			c := aws.Credentials{
				AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
				SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
				SessionToken:    getenv("AWS_SESSION_TOKEN"),
				Source:          "environment",
			}
			if c.AccessKeyID == "" || c.SecretAccessKey == "" {
				return aws.Credentials{}, errors.New("AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set")
			}
			return c, nil
		}),
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	endpoint := func(service string) *string {
		if u := getenv("AWS_ENDPOINT_URL_" + service); u != "" {
			return aws.String(u)
		}
		return cfg.BaseEndpoint
	}
	return clients{
		ramp: ramp.Clients{
			ELBV2: elbv2.NewFromConfig(cfg, func(o *elbv2.Options) {
				o.BaseEndpoint = endpoint("ELASTIC_LOAD_BALANCING_V2")
			}),
			CloudWatch: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
				o.BaseEndpoint = endpoint("CLOUDWATCH")
			}),
		},
		stacks: cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) {
			o.BaseEndpoint = endpoint("CLOUDFORMATION")
		}),
		lambda: awslambda.NewFromConfig(cfg, func(o *awslambda.Options) {
			o.BaseEndpoint = endpoint("LAMBDA")
		}),
	}, nil
}
