package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// consumerEnv is the environment of the go commands a consumer module
// runs: no workspace (the repository's go.work is not the consumer's),
// go.mod and go.sum completed as needed, and offline, from the module
// cache, which holds every dependency.
var consumerEnv = []string{"GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off"}

// shopModule writes the tiny shop as another team's module would hold it,
// in a temporary directory: a go.mod that requires github.com/ecsplit/ecsplit
// (replaced by this repository), the repository's go.sum, the shop's
// main.go (its CDK app, which reads the context key state), a cdk.json
// that runs it, a services file whose commands run the shop's services
// with go run, and its corpus. It returns the directory.
func shopModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const pkg = "github.com/ecsplit/ecsplit/test/testdata/shop/"
	files := map[string]string{
		"go.mod": "module example.com/shop\n\ngo 1.26.8\n\nrequire github.com/ecsplit/ecsplit v0.0.0\n\n" +
			"replace github.com/ecsplit/ecsplit => " + root + "\n",
		"go.sum":   read(filepath.Join(repoRoot, "go.sum")),
		"main.go":  read(filepath.Join(shopDir, "app", "main.go")),
		"cdk.json": `{"app": "go run ."}`,
		"services.json": `{"services": {"legacy": {"command": ["go", "run", "` + pkg + `legacy"]},
		                                 "cart": {"command": ["go", "run", "` + pkg + `cart"]}}}`,
		"corpus.txt": read(shopCorpus),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Complete go.mod once, so that the go commands the runner starts at
	// the same time (the app, the services) find nothing to write.
	if out, err := goIn(dir, "mod", "tidy").CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in the shop's module: %v\n%s", err, out)
	}
	return dir
}

// goIn returns the go command with args, to run in a consumer module.
func goIn(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = slices.Concat(os.Environ(), consumerEnv)
	return cmd
}

// consumerRun runs ecsplit-local in the consumer module in dir as its
// README says, `go run github.com/ecsplit/ecsplit/cmd/ecsplit-local`,
// and returns its exit code, stdout and stderr.
func consumerRun(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return runLogged(t, goIn(dir, append([]string{"run", "github.com/ecsplit/ecsplit/cmd/ecsplit-local"}, args...)...), args)
}

// cartCreated matches the transition's event of the cart service's task
// registered in its target group.
var cartCreated = regexp.MustCompile(`(?m)^transition \+[0-9.]+s Shop \S*cart\S*Service\S* create: task healthy, registered in `)

// TestLocalFromConsumerModule runs ecsplit-local from another module, the
// tiny shop's, as its README says: `go run` of the command prints its
// usage; a transition from state=monolith to state=cart:50 synthesizes
// both states through the shop's cdk.json (its app reads its own context
// key, state), starts the shop's services with go run, creates the cart
// service (the key reached the app), finds no ordering problem and no
// unexpected answer, and exits 0. (The warning for a key the app does not
// read, and the planted faults, are cmd/ecsplit-local's tests, on an app
// that needs no CDK.)
func TestLocalFromConsumerModule(t *testing.T) {
	parallel(t)
	dir := shopModule(t)

	if code, _, stderr := consumerRun(t, dir, "-h"); code != 0 || !strings.Contains(stderr, "-c KEY=VALUE") {
		t.Fatalf("go run .../ecsplit-local -h: exit %d, want 0 and the usage of -c KEY=VALUE", code)
	}

	code, report, stderr := consumerRun(t, dir, "transition", "-a", "state=monolith", "-b", "state=cart:50",
		"-services", "services.json", "-corpus", "corpus.txt", "-scale", "0.01")
	for _, want := range []string{
		"a: state=monolith\nb: state=cart:50\n",
		"ordering: no rule sends a share to a service before it is stable or after it is deleted\n",
		", complete\n",
		" 0 unexpected answers\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("transition: the report lacks %q", want)
		}
	}
	if !cartCreated.MatchString(stderr) {
		t.Error("transition: the cart service was not created: did state=cart:50 reach the app?")
	}
	if code != 0 {
		t.Errorf("transition: exit %d, want 0", code)
	}
}
