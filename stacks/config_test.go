package stacks

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestParseStage: the stage key is migration.ParseState against the
// forum's services, its message prefixed with the key and the value.
func TestParseStage(t *testing.T) {
	st, err := ParseStage("threads:10,users:100")
	if err != nil || st.String() != "users:100,threads:10" {
		t.Errorf("ParseStage = %v, %v", st, err)
	}
	_, err = ParseStage("users:10,threads:200")
	want := `context stage="users:10,threads:200" is not valid: percent "200" of threads is not a whole number from 0 to 100; ` +
		`use monolith, split, or SERVICE:PERCENT[,SERVICE:PERCENT...] with SERVICE one of users, threads, posts and PERCENT a whole number from 0 to 100 (for example users:100,threads:10)`
	if err == nil || err.Error() != want {
		t.Errorf("ParseStage error:\n got %v\nwant %s", err, want)
	}
}

func TestParseCapacityAndStickiness(t *testing.T) {
	for in, want := range map[string]Capacity{"": Fargate, "fargate": Fargate, "ec2": EC2} {
		if got, err := ParseCapacity(in); err != nil || got != want {
			t.Errorf("ParseCapacity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"EC2", "fargate ", "spot"} {
		if _, err := ParseCapacity(in); err == nil || !strings.Contains(err.Error(), "use one of fargate, ec2") {
			t.Errorf("ParseCapacity(%q) error = %v", in, err)
		}
	}
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "10m": 10 * time.Minute, "1s": time.Second, "168h": 168 * time.Hour} {
		if got, err := ParseStickiness(in); err != nil || got != want {
			t.Errorf("ParseStickiness(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"ten", "500ms", "1.5s", "169h", "-1s"} {
		if _, err := ParseStickiness(in); err == nil || !strings.Contains(err.Error(), "whole seconds from 1s to 168h") {
			t.Errorf("ParseStickiness(%q) error = %v", in, err)
		}
	}
}

// servicesDir is the repository's services directory, from this package's.
var servicesDir = filepath.Join("..", DefaultServicesDir)

// TestParseContextEmptyIsUnset: every key's empty value, or one of spaces
// only, or null, reads as the key unset: its default.
func TestParseContextEmptyIsUnset(t *testing.T) {
	unset, err := ParseContext(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Capacity: Fargate, ServicesDir: DefaultServicesDir, DeletionProtection: true, Nag: true}
	if !reflect.DeepEqual(unset, want) {
		t.Errorf("ParseContext({}) = %+v, want %+v", unset, want)
	}
	for _, key := range ContextKeys() {
		for _, v := range []any{"", "  ", nil} {
			got, err := ParseContext(map[string]any{key: v})
			if err != nil || !reflect.DeepEqual(got, unset) {
				t.Errorf("ParseContext({%s: %q}) = %+v, %v; want %+v (unset)", key, v, got, err, unset)
			}
		}
	}
}

// TestParseContextValues: each key's value is read, trimmed, and a JSON
// boolean or number is read as its text.
func TestParseContextValues(t *testing.T) {
	arn := "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	topic := "arn:aws:sns:eu-west-1:123456789012:alarms"
	c, err := ParseContext(map[string]any{
		StageKey: " users:100,threads:10 ", CapacityKey: "ec2", CertificateKey: arn, StickinessKey: "10m",
		AlarmTopicKey: topic, DeletionProtectionKey: false, ServerAccessLogsBucketKey: "example-logs.eu-west-1",
		NagKey: "false", ServicesDirKey: servicesDir,
		"@aws-cdk/core:target-partitions": []any{"aws"}, "aws:cdk:enable-path-metadata": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Stage.String() != "users:100,threads:10" || c.Capacity != EC2 || c.CertificateArn != arn || c.Stickiness != 10*time.Minute ||
		c.AlarmTopicArn != topic || c.DeletionProtection || c.ServerAccessLogsBucket != "example-logs.eu-west-1" || c.Nag || c.ServicesDir != servicesDir {
		t.Errorf("ParseContext = %+v", c)
	}
	if c, err := ParseContext(map[string]any{AlarmEmailKey: "ops@example.com", NagKey: true}); err != nil || c.AlarmEmail != "ops@example.com" || !c.Nag {
		t.Errorf("ParseContext = %+v, %v", c, err)
	}
}

// TestParseContextErrors: one line per problem, unknown keys first, each
// naming its key and value.
func TestParseContextErrors(t *testing.T) {
	_, err := ParseContext(map[string]any{
		"stagee": "split", "Stage": "split", "foo": "x", StageKey: []any{"split"}, CapacityKey: "lambda",
		AlarmEmailKey: "ops", AlarmTopicKey: "arn:aws:sns:eu-west-1:123456789012:alarms", NagKey: "perhaps",
	})
	want := []string{
		`context key "Stage" is not known: did you mean "stage"?`,
		`context key "foo" is not known: use one of stage, ramp, capacity, certificateArn, stickiness, alarmEmail, alarmTopicArn, deletionProtection, serverAccessLogsBucket, nag, servicesDir`,
		`context key "stagee" is not known: did you mean "stage"?`,
		`context stage=["split"] is not valid: use a string`,
		`context capacity="lambda" is not valid: use one of fargate, ec2`,
		`context alarmEmail="ops" is not valid: use an email address`,
		`context alarmEmail="ops" is not valid with alarmTopicArn="arn:aws:sns:eu-west-1:123456789012:alarms": the app subscribes an address to the alarm topic it makes, not to yours; leave out alarmEmail and subscribe the address to your topic yourself`,
		`context nag="perhaps" is not valid: use true or false`,
	}
	if err == nil {
		t.Fatal("accepted")
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("ParseContext error:\n got %q\nwant %q", got, want)
	}
}

// TestAlarmEmailWithTopic: alarmEmail and alarmTopicArn, each valid, are
// refused together in one line that names both keys.
func TestAlarmEmailWithTopic(t *testing.T) {
	_, err := ParseContext(map[string]any{AlarmEmailKey: "ops@example.com", AlarmTopicKey: "arn:aws:sns:eu-west-1:123456789012:alarms"})
	if err == nil || strings.Contains(err.Error(), "\n") ||
		!strings.HasPrefix(err.Error(), `context alarmEmail="ops@example.com" is not valid with alarmTopicArn="arn:aws:sns:eu-west-1:123456789012:alarms": `) {
		t.Errorf("error = %v", err)
	}
}

// TestNearestKey: case-insensitive, then within an edit distance of a third
// of the key's length.
func TestNearestKey(t *testing.T) {
	for in, want := range map[string]string{
		"stagee": StageKey, "Stage": StageKey, "STAGE": StageKey, "stgae": StageKey, "stge": StageKey, " stage": StageKey,
		"capasity": CapacityKey, "certificateARN": CertificateKey, "certficateArn": CertificateKey, "alarmTopic": AlarmTopicKey,
		"alarmemail": AlarmEmailKey, "deletionprotection": DeletionProtectionKey, "serverAccessLogBucket": ServerAccessLogsBucketKey,
		"nags": NagKey, "NAG": NagKey, "serviceDir": ServicesDirKey, "stickyness": StickinessKey,
		"foo": "", "stg": "", "certArn": "", "protection": "", "region": "",
	} {
		if got := nearestKey(in); got != want {
			t.Errorf("nearestKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCDKContextKey: the families of keys that the CDK and its CLI write
// or read are not the app's to refuse; keys like them but outside them are.
func TestCDKContextKey(t *testing.T) {
	for _, k := range []string{
		"@aws-cdk/core:target-partitions", "@aws-cdk/core:bootstrapQualifier", "aws:cdk:enable-path-metadata", "aws:cdk:bundling-stacks",
		"aws-cdk-private:0.5:core/defaultStackSynthesizer", "acknowledged-issue-numbers", "cli-telemetry", "aws-cdk:enableDiffNoFail", "cdk-migrate",
		"availability-zones:account=123456789012:region=eu-west-1", "ssm:account=123456789012:parameterName=/x:region=eu-west-1",
		"ami:account=123456789012:filters.image-type.0=machine:region=eu-west-1", "plugin:account=1:pluginName=p:region=r",
		"hosted-zone:account=1:domainName=example.com:region=r", "vpc-provider:account=1:filter.isDefault=true:region=r",
	} {
		if !CDKContextKey(k) {
			t.Errorf("CDKContextKey(%q) = false", k)
		}
	}
	for _, k := range []string{"stage", "stagee", "aws:cdk", "aws-cdk:other", "cdk-foo", "availability-zones", "telemetry", "cdk.json"} {
		if CDKContextKey(k) {
			t.Errorf("CDKContextKey(%q) = true", k)
		}
	}
}

// TestCheckServerAccessLogsBucket: S3's naming rules for general purpose
// buckets, and the CDK's refusal of a hyphen next to a period.
func TestCheckServerAccessLogsBucket(t *testing.T) {
	for _, ok := range []string{"", "abc", "example-logs.eu-west-1", "logs-123456789012-eu-west-1-an", strings.Repeat("a", 63), "a1.b2", "10.0.0.1x"} {
		if err := CheckServerAccessLogsBucket(ok); err != nil {
			t.Errorf("CheckServerAccessLogsBucket(%q) = %v", ok, err)
		}
	}
	for bad, why := range map[string]string{
		"ab": "3 to 63", strings.Repeat("a", 64): "3 to 63", "Logs": "lower-case", "logs_bucket": "lower-case", "-logs": "begin and end", "logs.": "begin and end",
		"a..b": "two adjacent periods", "a.-b": "hyphen next to a period", "a-.b": "hyphen next to a period", "192.168.5.4": "IP address",
		"xn--abc": `"xn--"`, "sthree-abc": `"sthree-"`, "sthree-configurator-x": `"sthree-"`, "amzn-s3-demo-bucket": `"amzn-s3-demo-"`,
		"abc-s3alias": `"-s3alias"`, "abc--ol-s3": `"--ol-s3"`, "abc.mrap": `".mrap"`, "abc--usw2-az1--x-s3": `"--x-s3"`, "abc--table-s3": `"--table-s3"`,
	} {
		err := CheckServerAccessLogsBucket(bad)
		if err == nil || !strings.HasPrefix(err.Error(), "context serverAccessLogsBucket=\""+bad+"\" is not valid: ") || !strings.Contains(err.Error(), why) {
			t.Errorf("CheckServerAccessLogsBucket(%q) = %v, want %s", bad, err, why)
		}
	}
}

// TestCheckServicesDir: a directory with NAME/Dockerfile, a regular file,
// for the monolith and each service.
func TestCheckServicesDir(t *testing.T) {
	if err := CheckServicesDir(servicesDir); err != nil {
		t.Errorf("CheckServicesDir(%q) = %v", servicesDir, err)
	}
	// monolith and users have their Dockerfile, threads a directory of
	// that name, posts none.
	partial := t.TempDir()
	for _, f := range []string{"monolith/Dockerfile", "users/Dockerfile", "threads/Dockerfile/", "posts/"} {
		p := filepath.Join(partial, f)
		err := os.MkdirAll(filepath.Dir(p), 0o755)
		if err == nil && !strings.HasSuffix(f, "/") {
			err = os.WriteFile(p, []byte("FROM scratch\n"), 0o644)
		} else if err == nil {
			err = os.MkdirAll(p, 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(partial, "monolith", "Dockerfile")
	for dir, want := range map[string]string{
		"no-such-dir": "is not a directory",
		file:          "is not a directory",
		partial:       "has no threads/Dockerfile, posts/Dockerfile; use the directory that holds NAME/Dockerfile for monolith, users, threads, posts",
	} {
		err := CheckServicesDir(dir)
		if err == nil || !strings.HasPrefix(err.Error(), "context servicesDir=\""+dir+"\" is not valid: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckServicesDir(%q) = %v, want %q", dir, err, want)
		}
	}
}
