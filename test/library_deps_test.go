package test

import (
	"os/exec"
	"strings"
	"testing"
)

// libraryForbiddenDeps are packages (or prefixes of their import paths)
// that the library, constructs/..., must not depend on: a consumer's app
// compiles, and its go.sum holds, what the library imports. cdk-nag is the
// app's choice (stacks/nag.go): the constructs write their suppressions as
// the metadata cdk-nag reads (constructs/internal/suppress). Test tools
// belong in tests.
var libraryForbiddenDeps = []string{
	"github.com/cdklabs/cdk-nag-go/",
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions",
	"testing",
	"golang.org/x/lint",
	"golang.org/x/tools",
	"github.com/ecsplit/ecsplit/internal/",
	"github.com/ecsplit/ecsplit/stacks",
	"github.com/ecsplit/ecsplit/cmd/",
	"github.com/ecsplit/ecsplit/test",
}

// TestLibraryDependencies: `go list -deps ./constructs/...` holds none of
// libraryForbiddenDeps, and no ecsplit package outside constructs/.
func TestLibraryDependencies(t *testing.T) {
	parallel(t)
	cmd := exec.Command("go", "list", "-deps", "./constructs/...")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./constructs/...: %v\n%s", err, stderrOf(err))
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps ./constructs/... listed no package")
	}
	for _, d := range deps {
		for _, f := range libraryForbiddenDeps {
			if d == strings.TrimSuffix(f, "/") || strings.HasPrefix(d, f) {
				t.Errorf("the library depends on %s (forbidden: %s); `go list -deps ./constructs/...` shows it", d, f)
			}
		}
		if strings.HasPrefix(d, "github.com/ecsplit/ecsplit/") && !strings.HasPrefix(d, "github.com/ecsplit/ecsplit/constructs/") {
			t.Errorf("the library depends on %s, outside constructs/", d)
		}
	}
}

// stderrOf returns what a failed command wrote to its standard error.
func stderrOf(err error) string {
	if e, ok := err.(*exec.ExitError); ok {
		return string(e.Stderr)
	}
	return ""
}
