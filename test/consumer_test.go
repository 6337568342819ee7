package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// consumerMain is another team's app, in a module of its own that imports
// the constructs: a service with three bad props and another whose image
// directory has no Dockerfile, and no recover and no check of its own, as
// most apps are written.
const consumerMain = `package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Consumer"), nil)
	c := cluster.New(stack, "Cluster", nil)
	lb := alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})
	platform := microservice.PlatformOf(c, lb)
	microservice.New(stack, "Orders", &microservice.Props{
		Platform:    platform,
		Name:        "Orders",
		Paths:       []string{"/orders", "/orders/*"},
		Image:       awsecs.ContainerImage_FromRegistry(jsii.String("registry.example.com/orders:1"), nil),
		CPU:         300,
		HealthCheck: microservice.HealthCheck{Path: "healthz"},
	})
	microservice.New(stack, "Invoices", &microservice.Props{
		Platform: platform,
		Name:     "invoices",
		Paths:    []string{"/invoices", "/invoices/*"},
		Image:    microservice.ImageFromDirectory("no-such-dir", "Dockerfile", microservice.X86_64),
	})
	app.Synth(nil)
}
`

// TestConsumerErrorsThroughCLI: in another module's app, four bad props
// (three of one service, and another's image directory without a
// Dockerfile) reach the user through the pinned CDK CLI, all at once, each as the
// CLI reports an error annotation: one line that names the construct, the
// prop, the value and what is allowed, then the construct's path; with no
// panic and no trace, and the synth fails.
func TestConsumerErrorsThroughCLI(t *testing.T) {
	parallel(t)
	dir := t.TempDir()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	// The shop's go.mod and go.sum, which list what such an app needs
	// (tidy, offline), as this module's own.
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(shopDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	goMod := strings.Replace(read("go.mod"), "module example.com/shop", "module example.com/consumer", 1)
	goMod = strings.Replace(goMod, "=> ../..", "=> "+root, 1)
	for name, body := range map[string]string{
		"go.mod":   goMod,
		"go.sum":   read("go.sum"),
		"main.go":  consumerMain,
		"cdk.json": `{"app": "go run ."}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := inShop(cdkCLI(t), "synth", "--quiet", "-o", filepath.Join(dir, "cdk.out"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if code := exitCode(t, err); code != 1 {
		t.Fatalf("cdk synth: exit %d, want 1\n%s", code, out)
	}
	text := string(out)
	// The CLI reports each error annotation as one ERROR line with the
	// message, then the construct's path.
	for _, want := range []string{
		`ecsplit microservice "Orders": Name: must be 1 to 32 characters of lower-case letters, digits and '-', starting with a letter, got "Orders"`,
		`ecsplit microservice "Orders": CPU: must be a Fargate CPU value (256, 512, 1024, 2048, 4096, 8192 or 16384), got 300`,
		`ecsplit microservice "Orders": HealthCheck.Path: must start with '/' and be a plain path of at most 1024 characters, got "healthz"`,
	} {
		line := "ERROR " + want + " (Construct Annotations)\n   Consumer/Orders\n"
		if strings.Count(text, line) != 1 {
			t.Errorf("the CLI's output does not hold, once,\n%s\noutput:\n%s", line, text)
		}
	}
	// An image built from a directory without a Dockerfile is a problem of
	// the service that takes it, not a panic where the image is made.
	image := "ERROR " + `ecsplit microservice "Invoices": Image: no Dockerfile "Dockerfile" in image directory "no-such-dir" (`
	if i := strings.Index(text, image); i < 0 || !strings.Contains(text[i:], " (Construct Annotations)\n   Consumer/Invoices\n") {
		t.Errorf("the CLI's output does not hold\n%s...\n   Consumer/Invoices\noutput:\n%s", image, text)
	}
	if n := strings.Count(text, "ERROR "); n != 4 {
		t.Errorf("%d errors, want the four props':\n%s", n, text)
	}
	for _, banned := range []string{"panic", "goroutine", ".go:"} {
		if strings.Contains(text, banned) {
			t.Errorf("the CLI's output holds %q:\n%s", banned, text)
		}
	}
}
