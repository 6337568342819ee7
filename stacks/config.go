// Package stacks is the ecsplit app: the forum's migration table
// (forum.go) and the two stacks that carry it, the platform (VPC, cluster,
// shared ALB and listener), the same in every stage, and the services,
// which follow the migration state. Build wires them from the app's
// context, for main.go and the tests alike.
package stacks

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
)

// Context keys the app reads (cdk synth -c KEY=VALUE, or cdk.json). Any
// other key is an error, unless it is the CDK's (CDKContextKey); an empty
// value is an unset key, which takes its default.
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
	// RampKey is an optional ramp, STEP[,STEP...][:BAKE] such as
	// "5,25,50:5m": the deploy moves each extracted service from its live
	// share to the stage's through those steps, baking at each
	// (migration.Ramp).
	RampKey = "ramp"
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
	// new alarm topic notifies; not with AlarmTopicKey.
	AlarmEmailKey = "alarmEmail"
	// AlarmTopicKey is an optional SNS topic ARN for the alarms to notify
	// instead of a new topic; not with AlarmEmailKey (subscribe to your
	// own topic yourself).
	AlarmTopicKey = "alarmTopicArn"
	// NagKey turns the cdk-nag AwsSolutions checks off: -c nag=false.
	NagKey = "nag"
	// ServicesDirKey is the Docker build context of the service images,
	// relative to the app's working directory: it holds NAME/Dockerfile
	// for each of the forum's services (CheckServicesDir).
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
	// Ramp moves the services' shares step by step in one deploy.
	// Default: none (the stage's shares at once).
	Ramp migration.Ramp
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

// contextKeys are the app's context keys, in the README's order.
var contextKeys = []string{StageKey, RampKey, CapacityKey, CertificateKey, StickinessKey, AlarmEmailKey, AlarmTopicKey,
	DeletionProtectionKey, ServerAccessLogsBucketKey, NagKey, ServicesDirKey}

// ContextKeys returns the app's context keys, in the README's order.
func ContextKeys() []string { return slices.Clone(contextKeys) }

// ConfigFromContext reads Config from the whole of the app's context, as
// ParseContext does.
func ConfigFromContext(app awscdk.App) (Config, error) {
	all, _ := app.Node().GetAllContext(nil).(map[string]any)
	return ParseContext(all)
}

// ParseContext reads Config from an app's context (cdk.json's, the CLI's
// and -c KEY=VALUE, as CDK_CONTEXT_JSON carries them). A value is text:
// a string, trimmed of spaces, or a JSON boolean or number as text; an
// empty value, like a null one, is unset: the key's default. Each value is
// checked against the rules of the construct, the CDK or the AWS service
// that takes it, so that no bad value reaches them (servicesDir when it is
// set: DefaultServicesDir, relative to wherever the app runs, is left to
// microservice.ImageFromDirectory, which names the directory). Its error has
// one line per problem: a key that is neither the app's (ContextKeys) nor
// the CDK's (CDKContextKey), naming the nearest of the app's keys; a bad
// value, as `context KEY="VALUE" is not valid: ...` with what is allowed;
// alarmEmail together with alarmTopicArn.
func ParseContext(ctx map[string]any) (Config, error) {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ctx)) {
		keep(checkKey(k))
	}
	text := map[string]string{}
	for _, k := range contextKeys {
		v, err := contextText(k, ctx[k])
		keep(err)
		text[k] = v
	}
	c := Config{
		CertificateArn:         text[CertificateKey],
		AlarmEmail:             text[AlarmEmailKey],
		AlarmTopicArn:          text[AlarmTopicKey],
		ServerAccessLogsBucket: text[ServerAccessLogsBucketKey],
		ServicesDir:            cmp.Or(text[ServicesDirKey], DefaultServicesDir),
	}
	var err error
	c.Stage, err = ParseStage(text[StageKey])
	keep(err)
	c.Capacity, err = ParseCapacity(text[CapacityKey])
	keep(err)
	keep(CheckCertificateArn(c.CertificateArn))
	c.Stickiness, err = ParseStickiness(text[StickinessKey])
	keep(err)
	c.Ramp, err = ParseRamp(text[RampKey])
	keep(err)
	keep(checkAlarms(c.AlarmEmail, c.AlarmTopicArn))
	c.DeletionProtection, err = parseBool(DeletionProtectionKey, text[DeletionProtectionKey], true)
	keep(err)
	keep(CheckServerAccessLogsBucket(c.ServerAccessLogsBucket))
	c.Nag, err = parseBool(NagKey, text[NagKey], true)
	keep(err)
	if text[ServicesDirKey] != "" {
		keep(CheckServicesDir(c.ServicesDir))
	}
	return c, errors.Join(errs...)
}

// contextText returns a context value as text: a string trimmed of spaces,
// a boolean or a number formatted, "" for null. A list or an object is not
// valid for any key.
func contextText(key string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	case bool, float64, int:
		return fmt.Sprint(v), nil
	}
	b, _ := json.Marshal(v)
	return "", fmt.Errorf("context %s=%s is not valid: use a string", key, b)
}

// invalid is the error of a bad value: `context KEY="VALUE" is not valid:
// ...`.
func invalid(key, value, format string, args ...any) error {
	return fmt.Errorf("context %s=%q is not valid: %s", key, value, fmt.Sprintf(format, args...))
}

// checkKey returns the error of a key that is neither the app's nor the
// CDK's: a misspelt key would otherwise be ignored, and its default used.
func checkKey(key string) error {
	if slices.Contains(contextKeys, key) || CDKContextKey(key) {
		return nil
	}
	if near := nearestKey(key); near != "" {
		return fmt.Errorf("context key %q is not known: did you mean %q?", key, near)
	}
	return fmt.Errorf("context key %q is not known: use one of %s", key, strings.Join(contextKeys, ", "))
}

// nearestKey returns the app's key nearest to key, ignoring case, within
// an edit distance of a third of its length (at least 1); "" when none is
// that near. Of two as near, the first in contextKeys wins.
func nearestKey(key string) string {
	best, bestDist := "", -1
	for _, k := range contextKeys {
		d := editDistance(strings.ToLower(key), strings.ToLower(k))
		if d <= max(1, len(k)/3) && (bestDist < 0 || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b: the
// fewest insertions, deletions, substitutions and transpositions of two
// adjacent characters that turn one into the other.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// The context keys of the AWS CDK and of its CLI, which the app leaves to
// them. Found in aws-cdk-lib (the Go module's jsii bundle) and in the
// pinned CLI (node_modules/aws-cdk/lib/index.js bundles its toolkit-lib
// and cx-api), where the CLI writes context to cdk.json or
// cdk.context.json, reads it from there, or sends it to the app.
var (
	// cdkContextKeyPrefixes begin families of keys.
	cdkContextKeyPrefixes = []string{
		// Feature flags and the CDK's other settings (cx-api's
		// features.ts, "@aws-cdk/aws-ecs:..."), as cdk.json holds them;
		// the CLI also sets @aws-cdk/core:failSynthOnValidationErrors
		// (toolkit-lib's contextFromSettings) and reads
		// @aws-cdk/core:bootstrapQualifier.
		"@",
		// cx-api's keys: the CLI sets aws:cdk:enable-path-metadata,
		// aws:cdk:enable-asset-metadata, aws:cdk:version-reporting or
		// aws:cdk:disable-version-reporting, aws:cdk:disable-asset-staging
		// and aws:cdk:bundling-stacks (contextFromSettings); aws-cdk-lib's
		// App sets aws:cdk:disable-stack-trace and
		// aws:cdk:version-reporting; aws:cdk:availability-zones:fallback.
		"aws:cdk:",
		// aws-cdk-lib's App, for a default stack synthesizer
		// (core/lib/private/private-context.ts).
		"aws-cdk-private:",
	}
	// cdkContextProviders are the context providers of the cloud assembly
	// schema (its ContextProvider enum). A lookup's result is cached in
	// cdk.context.json under "PROVIDER:PROPS" (aws-cdk-lib's
	// ContextProvider.getKey), such as
	// "availability-zones:account=123456789012:region=eu-west-1".
	cdkContextProviders = []string{"ami", "availability-zones", "hosted-zone", "ssm", "vpc-provider",
		"endpoint-service-availability-zones", "load-balancer", "load-balancer-listener", "security-group",
		"key-provider", "cc-api-provider", "plugin"}
	// cdkContextKeyNames are single keys.
	cdkContextKeyNames = []string{
		// cdk acknowledge writes it to cdk.context.json; notices read it.
		"acknowledged-issue-numbers",
		// cdk cli-telemetry --enable/--disable writes it to
		// cdk.context.json; the CLI reads it before sending telemetry.
		"cli-telemetry",
		// cx-api's ENABLE_DIFF_NO_FAIL_CONTEXT, which cdk diff reads.
		"aws-cdk:enableDiffNoFail",
		// cdk migrate writes it to the new project's cdk.json
		// (addMigrateContext).
		"cdk-migrate",
	}
)

// CDKContextKey reports whether key is one that the AWS CDK or its CLI
// (the pinned version) writes or reads, rather than the app: a feature
// flag (@...), a cx-api key (aws:cdk:...), a context provider's cached
// lookup (PROVIDER:...), or one of the CLI's own keys, such as
// acknowledged-issue-numbers and cli-telemetry.
func CDKContextKey(key string) bool {
	for _, p := range cdkContextKeyPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	for _, p := range cdkContextProviders {
		if strings.HasPrefix(key, p+":") {
			return true
		}
	}
	return slices.Contains(cdkContextKeyNames, key)
}

// ParseStage parses the stage context value with migration.ParseState,
// against the forum's services; "" is the monolith.
func ParseStage(s string) (migration.State, error) {
	st, err := migration.ParseState(s, ForumServiceNames())
	if err != nil {
		return st, invalid(StageKey, s, "%v", err)
	}
	return st, nil
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
	return "", invalid(CapacityKey, s, "use one of fargate, ec2")
}

// ParseRamp parses the ramp context value (migration.ParseRamp): ""
// is no ramp.
func ParseRamp(s string) (migration.Ramp, error) {
	r, err := migration.ParseRamp(s)
	if err != nil {
		return migration.Ramp{}, fmt.Errorf("context %s=%q is not valid: %w", RampKey, s, err)
	}
	return r, nil
}

// ParseStickiness parses the stickiness context value, a Go duration of
// whole seconds from 1s to 168h (7 days), as microservice.ValidStickiness
// allows; "" or "0" is no stickiness.
func ParseStickiness(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d == 0 || !microservice.ValidStickiness(d) {
		return 0, invalid(StickinessKey, s, "use a duration of whole seconds from 1s to 168h, such as 10m, or 0 for none")
	}
	return d, nil
}

// parseBool parses a boolean context value: true or false (or another
// spelling strconv.ParseBool reads: 1, 0, TRUE, ...); def when s is "".
func parseBool(key, s string, def bool) (bool, error) {
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return def, invalid(key, s, "use true or false")
	}
	return b, nil
}

// CheckCertificateArn checks the certificateArn context value as the alb
// construct checks Props.CertificateArn (alb.ValidCertificateArn); ""
// (HTTP only) is valid.
func CheckCertificateArn(arn string) error {
	if arn != "" && !alb.ValidCertificateArn(arn) {
		return invalid(CertificateKey, arn, "use an ACM certificate ARN (%s)", alb.CertificateArnFormat)
	}
	return nil
}

// topicArnRE matches the ARN of a standard SNS topic, whose name is 1 to
// 256 letters, digits, hyphens and underscores (a FIFO topic's name, which
// ends in ".fifo", does not match). It is stricter than the CDK's
// Topic_FromTopicArn, which only splits the ARN into its six parts.
var topicArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)

// checkAlarms checks the alarmEmail and alarmTopicArn context values: an
// email address the migration construct accepts (migration.ValidEmail),
// an SNS topic ARN, and not both: the migration subscribes the address to
// the topic it makes, and to no topic of yours.
func checkAlarms(email, topicArn string) error {
	var errs []error
	if email != "" && !migration.ValidEmail(email) {
		errs = append(errs, invalid(AlarmEmailKey, email, "use an email address"))
	}
	if topicArn != "" && !topicArnRE.MatchString(topicArn) {
		errs = append(errs, invalid(AlarmTopicKey, topicArn, "use an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"))
	}
	if email != "" && topicArn != "" {
		errs = append(errs, fmt.Errorf("context %s=%q is not valid with %s=%q: the app subscribes an address to the alarm topic it makes, not to yours; "+
			"leave out %s and subscribe the address to your topic yourself", AlarmEmailKey, email, AlarmTopicKey, topicArn, AlarmEmailKey))
	}
	return errors.Join(errs...)
}

// CheckServerAccessLogsBucket checks the serverAccessLogsBucket context
// value, the name of an existing bucket, against S3's naming rules for
// general purpose buckets (S3 User Guide, "General purpose bucket naming
// rules") and the AWS CDK's check of an imported bucket's name (which also
// refuses a hyphen next to a period); "" (a new bucket) is valid.
func CheckServerAccessLogsBucket(name string) error {
	if p := bucketNameProblems(name); len(p) > 0 {
		return invalid(ServerAccessLogsBucketKey, name, "an S3 bucket name %s; use the name of an existing general purpose bucket", strings.Join(p, " and "))
	}
	return nil
}

// Reserved beginnings and endings of S3 bucket names.
var (
	bucketNamePrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	// -s3alias: access point aliases; --ol-s3: Object Lambda access point
	// aliases; .mrap: Multi-Region Access Points; --x-s3: directory
	// buckets; --table-s3: table buckets.
	bucketNameSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
	bucketNameCharsRE  = regexp.MustCompile(`^[a-z0-9.-]*$`)
	bucketNameIPRE     = regexp.MustCompile(`^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$`)
)

// bucketNameProblems returns what is wrong with name as an S3 bucket name,
// each as "must ...", "must not ...", or nothing; "" has no problem.
func bucketNameProblems(name string) []string {
	if name == "" {
		return nil
	}
	var p []string
	if n := len(name); n < 3 || n > 63 {
		p = append(p, fmt.Sprintf("must be 3 to 63 characters long (%d)", n))
	}
	if !bucketNameCharsRE.MatchString(name) {
		p = append(p, "must hold only lower-case letters, digits, periods and hyphens")
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		p = append(p, "must begin and end with a lower-case letter or a digit")
	}
	if strings.Contains(name, "..") {
		p = append(p, "must not hold two adjacent periods")
	}
	if strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		p = append(p, "must not hold a hyphen next to a period (the AWS CDK refuses it)")
	}
	if bucketNameIPRE.MatchString(name) {
		p = append(p, "must not be formatted as an IP address")
	}
	for _, pre := range bucketNamePrefixes {
		if strings.HasPrefix(name, pre) {
			p = append(p, fmt.Sprintf("must not begin with %q (reserved)", pre))
		}
	}
	for _, suf := range bucketNameSuffixes {
		if strings.HasSuffix(name, suf) {
			p = append(p, fmt.Sprintf("must not end with %q (reserved)", suf))
		}
	}
	return p
}

// CheckServicesDir checks the servicesDir context value, relative to the
// working directory: it must be a directory holding NAME/Dockerfile for
// the monolith and each of ForumServices, the build context and the
// Dockerfiles of their images (forum.go), as microservice.ImageFromDirectory
// and the CDK's image asset need them.
func CheckServicesDir(dir string) error {
	var names []string
	for _, s := range append([]ForumService{ForumMonolith}, ForumServices...) {
		names = append(names, s.Name)
	}
	use := fmt.Sprintf("use the directory that holds NAME/Dockerfile for %s, relative to where the app runs", strings.Join(names, ", "))
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return invalid(ServicesDirKey, dir, "%s is not a directory; %s", abs, use)
	}
	var missing []string
	for _, n := range names {
		f := filepath.Join(n, "Dockerfile")
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || !fi.Mode().IsRegular() {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return invalid(ServicesDirKey, dir, "%s has no %s; %s", abs, strings.Join(missing, ", "), use)
	}
	return nil
}
