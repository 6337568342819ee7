// Package stacks composes the ecsplit constructs into the two stacks of the
// ecsplit app: the platform (VPC, cluster, shared ALB and listener), which is
// the same in every stage, and the services, which follow the stage's table
// of path ownership.
package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Context keys the app reads (cdk synth -c KEY=VALUE, or cdk.json).
const (
	// StageKey selects the stage: "monolith" or "split".
	StageKey = "stage"
	// CapacityKey selects the cluster capacity: "fargate" or "ec2".
	CapacityKey = "capacity"
	// CertificateKey is an optional ACM certificate ARN: it turns on HTTPS.
	CertificateKey = "certificateArn"
)

// Stack names, the same in every stage so that a stage change is an update
// of the same stacks.
const (
	PlatformStackName = "EcsplitPlatform"
	ServicesStackName = "EcsplitServices"
)

// Capacity is where the cluster runs tasks.
type Capacity string

// Capacities.
const (
	Fargate Capacity = "fargate"
	EC2     Capacity = "ec2"
)

// Defaults of Config.
const (
	DefaultStage       = Monolith
	DefaultCapacity    = Fargate
	DefaultServicesDir = "services"
)

// Config is what the app builds.
type Config struct {
	// Stage is the stage to synthesize. Default: DefaultStage.
	Stage Stage
	// Capacity is the cluster's capacity. Default: DefaultCapacity.
	Capacity Capacity
	// CertificateArn turns on HTTPS on the shared ALB. Default: "" (HTTP).
	CertificateArn string
	// ServicesDir is the Docker build context of the service images,
	// relative to the working directory. Default: DefaultServicesDir.
	ServicesDir string
}

// ConfigFromContext reads Config from the app's context. It returns an
// error naming the key, the value and the allowed values when a value is
// not valid.
func ConfigFromContext(app awscdk.App) (Config, error) {
	get := func(key string) (string, error) {
		v := app.Node().TryGetContext(jsii.String(key))
		if v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("context %s must be a string, got %v", key, v)
		}
		return strings.TrimSpace(s), nil
	}
	var c Config
	stage, err := get(StageKey)
	if err != nil {
		return c, err
	}
	if c.Stage, err = ParseStage(stage); err != nil {
		return c, err
	}
	capacity, err := get(CapacityKey)
	if err != nil {
		return c, err
	}
	if c.Capacity, err = ParseCapacity(capacity); err != nil {
		return c, err
	}
	if c.CertificateArn, err = get(CertificateKey); err != nil {
		return c, err
	}
	return c, nil
}

// ParseCapacity parses the capacity context value; "" is DefaultCapacity.
func ParseCapacity(s string) (Capacity, error) {
	if s == "" {
		return DefaultCapacity, nil
	}
	all := []Capacity{Fargate, EC2}
	if slices.Contains(all, Capacity(s)) {
		return Capacity(s), nil
	}
	return "", fmt.Errorf("context %s=%q is not valid: use one of fargate, ec2", CapacityKey, s)
}
