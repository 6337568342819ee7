package test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
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
		if _, _, err := stacks.Build(newApp(&awscdk.AppProps{Context: &context})); err != nil {
			panic(err)
		}
	})
}

// contextErr returns a function that reads ctx as the app does
// (stacks.ConfigFromContext) and panics with its error, if any: a
// context case of TestInvalidInput.
func contextErr(ctx map[string]any) func() {
	return func() {
		if _, err := stacks.ConfigFromContext(newApp(&awscdk.AppProps{Context: &ctx})); err != nil {
			panic(err)
		}
	}
}

// migrationWith builds a valid migration of a monolith and two services on
// the tests' fixture, changed by edit: how a case feeds a raw value to the
// migration construct.
func migrationWith(edit func(*migration.Props)) {
	f := newFixture()
	img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
	p := &migration.Props{
		Platform: microservice.PlatformOf(f.c, f.lb),
		Monolith: microservice.Props{Name: "monolith", Paths: []string{"/api", "/api/*"}, Image: img},
		Services: []microservice.Props{
			{Name: "users", Paths: []string{"/api/users", "/api/users/*"}, Image: img},
			{Name: "threads", Paths: []string{"/api/threads", "/api/threads/*"}, Image: img},
		},
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

// rampCase feeds the migration the ramp that a ramp context value spells,
// without the app's checks: the construct must refuse what the app does.
func rampCase(v string) {
	steps, bake, _ := strings.Cut(v, ":")
	r := migration.Ramp{}
	for _, s := range strings.Split(steps, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			panic(err)
		}
		r.Steps = append(r.Steps, n)
	}
	if bake != "" {
		d, err := time.ParseDuration(bake)
		if err != nil {
			panic(err)
		}
		r.Bake = d
	}
	migrationWith(func(p *migration.Props) { p.Ramp = r })
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
	// image builds a service on each of the forum's images from the build
	// context v: the service reports what the image refuses.
	image := func(v string) {
		for _, n := range append([]string{stacks.ForumMonolith.Name}, stacks.ForumServiceNames()...) {
			newFixture().service(func(p *microservice.Props) {
				p.Image = microservice.ImageFromDirectory(v, filepath.Join(n, "Dockerfile"), microservice.X86_64)
			})
		}
	}
	bucket := func(v string) {
		awss3.Bucket_FromBucketName(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), jsii.String("B"), jsii.String(v))
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
		{stacks.RampKey, "5,3:5m", rampCase},                // steps must increase
		{stacks.RampKey, "0,50", rampCase},                  // a step from 1 to 99
		{stacks.RampKey, "10,100", rampCase},                // 100 is the target, not a step
		{stacks.RampKey, "10,50:30s", rampCase},             // a bake shorter than an alarm period
		{stacks.RampKey, "10,20,30,40,50,60:10m", rampCase}, // 60 minutes of bakes: CloudFormation waits one hour
		{stacks.RampKey, "fast", nil},
		{stacks.RampKey, "10,50:5 minutes", nil},
		{stacks.AlarmEmailKey, "ops-at-example", func(v string) { migrationWith(func(p *migration.Props) { p.Alarms.Email = v }) }},
		{stacks.AlarmTopicKey, "alarms", func(v string) {
			awssns.Topic_FromTopicArn(awscdk.NewStack(newApp(nil), jsii.String("S"), nil), jsii.String("T"), jsii.String(v))
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
		return stacks.ConfigFromContext(newApp(&awscdk.AppProps{Context: &ctx}))
	}
	unset, err := read(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	// Every key at once, through one app per value: stacks' own tests
	// hold each key alone to the same rule without the CDK.
	for _, v := range []string{"", " "} {
		ctx := map[string]any{}
		for _, key := range stacks.ContextKeys() {
			ctx[key] = v
		}
		if got, err := read(ctx); err != nil || !reflect.DeepEqual(got, unset) {
			t.Errorf("every key %q: %+v, %v; want %+v", v, got, err, unset)
		}
	}
}

// buildApp builds the app's binary (main.go), once per test binary, into
// a directory of its own: cdk.json's app command builds bin/ecsplit-app,
// which TestSynthMatchesCLI may be running at the same time.
func buildApp(t *testing.T) string { return goBuild(t, "ecsplit-app", ".") }

// exitCode returns the exit code of a command that ran, and fails t if it
// did not run.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	t.Fatal(err)
	return -1
}

// TestContextTypoBinary runs the app's binary as the CLI runs it, from the
// repository root with the context in CDK_CONTEXT_JSON, with a misspelt
// key: it exits 1, and its stderr is exactly the one line that names the
// key and the nearest one, and no stack trace.
func TestContextTypoBinary(t *testing.T) {
	parallel(t)
	app := buildApp(t)
	for ctx, want := range map[string]string{
		`{"stagee":"split"}`:                            `ecsplit: context key "stagee" is not known: did you mean "stage"?`,
		`{"stage":"split","Stage":"monolith","nag":""}`: `ecsplit: context key "Stage" is not known: did you mean "stage"?`,
		`{"alarmEmail":"ops@example.com","alarmTopicArn":"arn:aws:sns:eu-west-1:123456789012:t"}`: `ecsplit: context alarmEmail="ops@example.com" is not valid with alarmTopicArn="arn:aws:sns:eu-west-1:123456789012:t": ` +
			`the app subscribes an address to the alarm topic it makes, not to yours; leave out alarmEmail and subscribe the address to your topic yourself`,
	} {
		cmd := exec.Command(app)
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CDK_CONTEXT_JSON="+ctx, "CDK_OUTDIR="+t.TempDir())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code := exitCode(t, cmd.Run())
		if code != 1 || stderr.String() != want+"\n" || stdout.Len() != 0 {
			t.Errorf("CDK_CONTEXT_JSON=%s: exit %d\nstderr %q\nstdout %q\nwant exit 1 and stderr %q", ctx, code, stderr.String(), stdout.String(), want+"\n")
		}
	}
}

// TestContextTypoCLI runs `cdk synth -c stagee=split` through the pinned
// CLI, which adds cdk.json's context and its own: the synth fails with the
// app's one line and the CLI's line that the app exited with 1, and
// nothing else. -a runs the binary that buildApp built (see there).
func TestContextTypoCLI(t *testing.T) {
	parallel(t)
	app := buildApp(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "stagee=split"}, `ecsplit: context key "stagee" is not known: did you mean "stage"?`},
		// -c KEY= is the key unset: the default, no error
		{[]string{"-c", "Stage=split", "-c", "nag=", "-c", "capacity=", "-c", "stage="}, `ecsplit: context key "Stage" is not known: did you mean "stage"?`},
	} {
		args := slices.Concat([]string{"synth", "--quiet", "--no-notices", "-a", app, "-o", t.TempDir()}, c.args)
		cmd := exec.Command(cdkCLI(t), args...)
		cmd.Dir = repoRoot
		cmd.Env = slices.Concat(os.Environ(), cliEnv)
		out, err := cmd.CombinedOutput()
		code := exitCode(t, err)
		want := c.want + "\n" + app + ": Subprocess exited with error 1\n"
		if code != 1 || string(out) != want {
			t.Errorf("cdk %s: exit %d, output:\n%s\nwant exit 1, output:\n%s", strings.Join(c.args, " "), code, out, want)
		}
	}
}

// TestContextKeysOfTheCLI reads the pinned CLI's bundle for the context
// keys it writes to cdk.json or cdk.context.json, reads from there, or
// sends the app, and asserts that the app takes each for the CDK's
// (stacks.CDKContextKey): an upgraded CLI with a new key fails here, not in
// a user's synth.
func TestContextKeysOfTheCLI(t *testing.T) {
	parallel(t)
	bundle, err := os.ReadFile(filepath.Join(repoRoot, "node_modules", "aws-cdk", "lib", "index.js"))
	if err != nil {
		t.Fatalf("%v: run `npm ci` at the repository root", err)
	}
	found := map[string][]string{}
	for what, re := range map[string]*regexp.Regexp{
		// configuration.context.get("...") and .set("...", ...)
		"context.get/set": regexp.MustCompile(`context\.(?:get|set)\("([^"]+)"`),
		// cx-api's context key constants, such as ENABLE_DIFF_NO_FAIL_CONTEXT
		"cx-api constant": regexp.MustCompile(`exports2\.[A-Z_]+_CONTEXT(?:_KEY)? = "([^"]+)"`),
		// the key cdk migrate adds to the new project's cdk.json (addMigrateContext)
		"cdk.json context": regexp.MustCompile(`\.context = \{\s*\.\.\.config2\.context,\s*"([^"]+)"`),
	} {
		for _, m := range re.FindAllSubmatch(bundle, -1) {
			found[what] = append(found[what], string(m[1]))
		}
		if len(found[what]) == 0 {
			t.Errorf("no %s in the CLI's bundle: update this test to the CLI", what)
		}
	}
	// The context the CLI sends the app from its settings (toolkit-lib's
	// contextFromSettings), by name or by cx-api's constant.
	_, fn, _ := bytes.Cut(bundle, []byte("function contextFromSettings("))
	fn, _, _ = bytes.Cut(fn, []byte("return context;"))
	constant := func(name string) string {
		m := regexp.MustCompile(`exports2\.` + name + ` = "([^"]+)"`).FindSubmatch(bundle)
		if m == nil {
			t.Errorf("cx-api's %s not found in the CLI's bundle", name)
			return ""
		}
		return string(m[1])
	}
	for _, m := range regexp.MustCompile(`context\[(?:"([^"]+)"|cxapi\d*\.([A-Z_]+))\] =`).FindAllSubmatch(fn, -1) {
		k := string(m[1])
		if len(m[2]) > 0 {
			k = constant(string(m[2]))
		}
		found["contextFromSettings"] = append(found["contextFromSettings"], k)
	}
	if len(found["contextFromSettings"]) == 0 {
		t.Error("no contextFromSettings in the CLI's bundle: update this test to the CLI")
	}
	// A lookup's result is cached as "PROVIDER:PROPS" (aws-cdk-lib's
	// ContextProvider.getKey), for each provider of the schema.
	for _, m := range regexp.MustCompile(`ContextProvider\d*\["[A-Z_]+"\] = "([a-z-]+)"`).FindAllSubmatch(bundle, -1) {
		found["context provider"] = append(found["context provider"], string(m[1])+":account=123456789012:region=eu-west-1")
	}
	if len(found["context provider"]) < 12 {
		t.Errorf("context providers: %q; want the schema's 12", found["context provider"])
	}
	var all []string
	for what, keys := range found {
		for _, k := range keys {
			all = append(all, k)
			if !stacks.CDKContextKey(k) {
				t.Errorf("the CLI's key %q (%s) is not stacks.CDKContextKey", k, what)
			}
		}
	}
	for _, k := range []string{"acknowledged-issue-numbers", "cli-telemetry", "cdk-migrate", "aws-cdk:enableDiffNoFail", "aws:cdk:enable-path-metadata", "aws:cdk:bundling-stacks"} {
		if !slices.Contains(all, k) {
			t.Errorf("%q not found in the CLI's bundle: update this test to the CLI", k)
		}
	}
}
