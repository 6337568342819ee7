package test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/stacks"
)

// buildErr builds the app with ctx (and the services directory of the
// tests' synth) as main.go does, and returns the error Build reports or the
// message a construct or the CDK panicked with ("" when the app builds).
func buildErr(ctx map[string]any) (msg string) {
	context := map[string]any{stacks.ServicesDirKey: filepath.Join(repoRoot, stacks.DefaultServicesDir)}
	for k, v := range ctx {
		context[k] = v
	}
	return panicMessage(func() {
		if _, _, err := stacks.Build(awscdk.NewApp(&awscdk.AppProps{Context: &context})); err != nil {
			panic(err)
		}
	})
}

// contextErr returns a function that reads ctx as the app does
// (stacks.ConfigFromContext) and panics with its error, nil if none: a
// context case of TestInvalidInput.
func contextErr(ctx map[string]any) func() {
	return func() {
		_, err := stacks.ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &ctx}))
		panic(err)
	}
}

// migrationWith builds a valid migration on the tests' fixture, changed by
// edit: how a case feeds a raw value to the migration construct.
func migrationWith(edit func(*migration.Props)) {
	f := newFixture()
	img := microservice.ImageFromDirectory("monolith", filepath.Join(repoRoot, stacks.DefaultServicesDir), filepath.Join("monolith", "Dockerfile"), microservice.X86_64)
	p := &migration.Props{
		Cluster:  f.c.Cluster,
		Listener: f.lb.Listener(),
		Monolith: microservice.Props{Name: "monolith", Paths: []string{"/api", "/api/*"}, Image: img},
		Services: []microservice.Props{{Name: "users", Paths: []string{"/api/users", "/api/users/*"}, Image: img}},
		State:    migration.State{Extracted: []migration.Extraction{{Service: "users", Percent: 10}}},
	}
	edit(p)
	migration.New(f.stack, "M", p)
}

// contextCase is a bad value of one context key. cdk feeds the raw value to
// the construct or the CDK that would take it, and must panic; it is nil
// for a key that only the app reads (capacity, deletionProtection, nag), a
// value that no construct parses (a duration that is not one), or a rule
// of AWS's that the CDK does not check (reserved bucket names).
type contextCase struct {
	key, value string
	cdk        func(value string)
}

// contextCases returns a bad value of every context key, and more for the
// keys with several rules.
func contextCases() []contextCase {
	stage := func(v string) {
		if _, err := migration.ParseState(v, stacks.ForumServiceNames()); err != nil {
			panic(err)
		}
	}
	certificate := func(v string) {
		f := newFixture()
		alb.New(f.stack, "Tls", &alb.Props{Vpc: f.c.Vpc, CertificateArn: v})
	}
	image := func(v string) {
		for _, n := range append([]string{stacks.ForumMonolith.Name}, stacks.ForumServiceNames()...) {
			microservice.ImageFromDirectory(n, v, filepath.Join(n, "Dockerfile"), microservice.X86_64)
		}
	}
	bucket := func(v string) {
		awss3.Bucket_FromBucketName(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), jsii.String("B"), jsii.String(v))
	}
	cases := []contextCase{
		{stacks.StageKey, "users:101", stage},
		{stacks.StageKey, "prod", stage},
		{stacks.CapacityKey, "lambda", nil},
		{stacks.CertificateKey, "foo", certificate},
		{stacks.CertificateKey, "arn:aws:iam::123456789012:server-certificate/x", certificate},
		{stacks.StickinessKey, "500ms", func(v string) {
			d, err := time.ParseDuration(v)
			if err != nil {
				panic(err)
			}
			migrationWith(func(p *migration.Props) { p.Stickiness = d })
		}},
		{stacks.StickinessKey, "5 minutes", nil},
		{stacks.AlarmEmailKey, "ops-at-example", func(v string) { migrationWith(func(p *migration.Props) { p.Alarms.Email = v }) }},
		{stacks.AlarmTopicKey, "alarms", func(v string) {
			awssns.Topic_FromTopicArn(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), jsii.String("T"), jsii.String(v))
		}},
		{stacks.AlarmTopicKey, "arn:aws:sqs:eu-west-1:123456789012:q", nil},
		{stacks.DeletionProtectionKey, "off", nil},
		{stacks.NagKey, "perhaps", nil},
		{stacks.ServicesDirKey, "no-such-dir", image},
		{stacks.ServicesDirKey, "testdata", image}, // a directory without the services' Dockerfiles
	}
	// S3's rules for general purpose bucket names (S3 User Guide); the
	// CDK checks some of them, and refuses a hyphen next to a period.
	for _, b := range []struct {
		name string
		cdk  bool
	}{
		{"a..b", true}, {"192.168.5.4", true}, {"logs.-bucket", true}, {"ab", true}, {"-logs", true},
		{"Logs_Bucket", false}, // a legacy name, which the CDK lets through
		{"xn--abc", false}, {"sthree-logs", false}, {"amzn-s3-demo-logs", false},
		{"abc-s3alias", false}, {"abc--ol-s3", false}, {"abc.mrap", false}, {"abc--x-s3", false}, {"abc--table-s3", false},
	} {
		c := contextCase{key: stacks.ServerAccessLogsBucketKey, value: b.name}
		if b.cdk {
			c.cdk = bucket
		}
		cases = append(cases, c)
	}
	return cases
}

// TestContextValues feeds each context key values that the construct or the
// CDK that takes them would reject (or AWS would, where the CDK lets them
// through), and asserts that the app rejects each first, in one line that
// names the key and the value: `context KEY="VALUE" is not valid: ...`.
// Where a construct or the CDK takes the raw value, the case also proves
// that it rejects the value, so that the app's check is no looser than
// theirs.
func TestContextValues(t *testing.T) {
	jsiiTest(t)
	cases := contextCases()
	for _, key := range stacks.ContextKeys() {
		if !slices.ContainsFunc(cases, func(c contextCase) bool { return c.key == key }) {
			t.Errorf("context key %q has no case", key)
		}
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			if c.cdk != nil {
				if msg := panicMessage(func() { c.cdk(c.value) }); msg == "" {
					t.Errorf("the construct or the CDK accepts %q: the case proves nothing", c.value)
				}
			}
			msg := buildErr(map[string]any{c.key: c.value})
			want := fmt.Sprintf("context %s=%q is not valid: ", c.key, c.value)
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, want) {
				t.Errorf("got %q\nwant one line beginning %q", msg, want)
			}
		})
	}
}

// TestContextEmptyValues: an empty value (or one of spaces) of any key,
// as `-c KEY=` sends it, is the key unset: the app reads the same Config.
func TestContextEmptyValues(t *testing.T) {
	jsiiTest(t)
	read := func(ctx map[string]any) (stacks.Config, error) {
		return stacks.ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &ctx}))
	}
	unset, err := read(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range stacks.ContextKeys() {
		for _, v := range []string{"", " "} {
			if got, err := read(map[string]any{key: v}); err != nil || !reflect.DeepEqual(got, unset) {
				t.Errorf("%s=%q: %+v, %v; want %+v", key, v, got, err, unset)
			}
		}
	}
}
