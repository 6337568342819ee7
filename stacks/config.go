// Package stacks is the ecsplit app: the forum's migration table
// (forum.go) and the two stacks that carry it, the platform (VPC, cluster,
// shared ALB and listener), the same in every stage, and the services,
// which follow the migration state. Build wires them from the app's
// context, for main.go and the tests alike.
package stacks

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
)

// Context keys the app reads (cdk synth -c KEY=VALUE, or cdk.json).
const (
	// StageKey selects the migration state: "monolith", "split", or
	// SERVICE:PERCENT pairs such as "users:100,threads:10" (see
	// migration.ParseState).
	StageKey = "stage"
	// CapacityKey selects the cluster capacity: "fargate" or "ec2".
	CapacityKey = "capacity"
	// CertificateKey is an optional ACM certificate ARN: it turns on HTTPS.
	CertificateKey = "certificateArn"
	// StickinessKey is an optional duration, such as "10m", for which a
	// client that keeps the ALB's cookie stays on the side of a weighted
	// rule (monolith or service) it first reached.
	StickinessKey = "stickiness"
	// ServerAccessLogsBucketKey is an optional S3 bucket name: the ALB's
	// access logs bucket sends its S3 server access logs there instead of
	// to a new bucket. It must be in the same account and Region, without
	// Object Lock (alb.Props.ServerAccessLogsBucket).
	ServerAccessLogsBucketKey = "serverAccessLogsBucket"
	// DeletionProtectionKey turns the shared ALB's deletion protection on
	// (true, the default) or off (false), such as for a first deploy that
	// must be able to roll back.
	DeletionProtectionKey = "deletionProtection"
	// AlarmEmailKey is an optional email address that the migration's
	// alarm topic notifies.
	AlarmEmailKey = "alarmEmail"
	// AlarmTopicKey is an optional SNS topic ARN for the alarms to notify
	// instead of a new topic.
	AlarmTopicKey = "alarmTopicArn"
	// NagKey turns the cdk-nag AwsSolutions checks off: -c nag=false.
	NagKey = "nag"
	// ServicesDirKey is the Docker build context of the service images,
	// relative to the app's working directory.
	ServicesDirKey = "servicesDir"
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
	DefaultCapacity    = Fargate
	DefaultServicesDir = "services"
)

// Config is what the app builds, read from its context.
type Config struct {
	// Stage is the migration state. Default: the monolith.
	Stage migration.State
	// Capacity is the cluster's capacity. Default: DefaultCapacity.
	Capacity Capacity
	// CertificateArn turns on HTTPS on the shared ALB. Default: "" (HTTP).
	CertificateArn string
	// Stickiness keeps a client on one side of a weighted rule for this
	// long. Default: 0, no stickiness.
	Stickiness time.Duration
	// ServicesDir is the Docker build context of the service images,
	// relative to the working directory. Default: DefaultServicesDir.
	ServicesDir string
	// DeletionProtection keeps the shared ALB from being deleted.
	// Default: true.
	DeletionProtection bool
	// ServerAccessLogsBucket names the bucket of the access logs bucket's
	// S3 server access logs. Default: "" (a new bucket).
	ServerAccessLogsBucket string
	// Nag applies the cdk-nag AwsSolutions checks. Default: true.
	Nag bool
	// AlarmEmail is subscribed to the alarm topic. Default: "" (none).
	AlarmEmail string
	// AlarmTopicArn is an existing topic for the alarms. Default: "" (a
	// new topic).
	AlarmTopicArn string
}

// ConfigFromContext reads Config from the app's context. Its error names
// every key whose value is not valid, one a line, each with the value and
// the allowed values.
func ConfigFromContext(app awscdk.App) (Config, error) {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	get := func(key string) string {
		switch v := app.Node().TryGetContext(jsii.String(key)).(type) {
		case nil:
			return ""
		case string:
			return strings.TrimSpace(v)
		default:
			keep(fmt.Errorf("context %s must be a string, got %v", key, v))
			return ""
		}
	}
	c := Config{
		CertificateArn:         get(CertificateKey),
		ServerAccessLogsBucket: get(ServerAccessLogsBucketKey),
		ServicesDir:            get(ServicesDirKey),
		AlarmEmail:             get(AlarmEmailKey),
		AlarmTopicArn:          get(AlarmTopicKey),
	}
	if e := c.AlarmEmail; e != "" && !migration.ValidEmail(e) {
		keep(fmt.Errorf("context %s=%q is not valid: use an email address", AlarmEmailKey, e))
	}
	if a := c.AlarmTopicArn; a != "" && !topicArnRE.MatchString(a) {
		keep(fmt.Errorf("context %s=%q is not valid: use an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", AlarmTopicKey, a))
	}
	c.ServicesDir = cmp.Or(c.ServicesDir, DefaultServicesDir)
	if b := c.ServerAccessLogsBucket; b != "" && !bucketNameRE.MatchString(b) {
		keep(fmt.Errorf("context %s=%q is not valid: use an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)", ServerAccessLogsBucketKey, b))
	}
	var err error
	c.Stage, err = ParseStage(get(StageKey))
	keep(err)
	c.Capacity, err = ParseCapacity(get(CapacityKey))
	keep(err)
	c.Stickiness, err = ParseStickiness(get(StickinessKey))
	keep(err)
	c.DeletionProtection, err = parseBool(app, DeletionProtectionKey, true)
	keep(err)
	c.Nag, err = parseBool(app, NagKey, true)
	keep(err)
	return c, errors.Join(errs...)
}

// ParseStage parses the stage context value with migration.ParseState,
// against the forum's services.
func ParseStage(s string) (migration.State, error) {
	st, err := migration.ParseState(s, ForumServiceNames())
	if err != nil {
		return st, fmt.Errorf("context %s=%q is not valid: %w", StageKey, s, err)
	}
	return st, nil
}

var (
	bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	topicArnRE   = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
)

// parseBool reads a boolean context value: true or false, as a JSON
// boolean or a string (-c KEY=false); def when the key is unset.
func parseBool(app awscdk.App, key string, def bool) (bool, error) {
	raw := app.Node().TryGetContext(jsii.String(key))
	switch v := raw.(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			return b, nil
		}
		return false, fmt.Errorf("context %s=%q is not valid: use true or false", key, v)
	}
	return false, fmt.Errorf("context %s=%v is not valid: use true or false", key, raw)
}

// ParseStickiness parses the stickiness context value, a Go duration of
// whole seconds from 1s to 168h (7 days); "" or "0" is no stickiness.
func ParseStickiness(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d == 0 || !microservice.ValidStickiness(d) {
		return 0, fmt.Errorf("context %s=%q is not valid: use a duration of whole seconds from 1s to 168h, such as 10m, or 0 for none", StickinessKey, s)
	}
	return d, nil
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
