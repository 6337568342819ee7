package test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// subprocessInputs are the files that the tests' subprocesses read and the
// test binary does not import: the services (built by build.sh, staged by
// CDK as image assets), ecsplit-local and the app's main.go (built by go
// build), the pinned CDK CLI and the cdk diff worker, the tiny shop's
// module (examples/shop, run by the CLI and by go run) and fixtures. go
// test caches a package's result until the test binary or a file it
// opened or stat'ed changes; it cannot see what a subprocess reads.
var subprocessInputs = []string{
	filepath.Join(repoRoot, "services"),
	filepath.Join(repoRoot, "cmd"),
	filepath.Join(repoRoot, "main.go"),
	filepath.Join(repoRoot, "examples"),
	filepath.Join(repoRoot, "scripts"),
	filepath.Join(repoRoot, "package.json"),
	filepath.Join(repoRoot, "package-lock.json"),
	filepath.Join(repoRoot, "node_modules", "aws-cdk", "package.json"),
	filepath.Join(repoRoot, "node_modules", "@cloud-copilot", "iam-simulate", "package.json"),
	filepath.Join(repoRoot, ".tools", "cfnguard", "VERSION"),
	"testdata",
}

// declareOnce makes declareSubprocessInputs stat the inputs once.
var declareOnce sync.Once

// declareSubprocessInputs stats every file of subprocessInputs, once per
// test binary, so that a change to one of them (an edited service, a new
// CLI) runs the package's tests again rather than reporting go test's
// cached result. Every test calls it (through parallel or jsiiTest): go
// test records what a test opens or stats from m.Run on, not before. A
// missing input is left to the test that needs it to report.
func declareSubprocessInputs() { declareOnce.Do(statInputs) }

// statInputs stats every file under each of subprocessInputs.
func statInputs() {
	for _, root := range subprocessInputs {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error { //nolint:errcheck // see above
			if err == nil && !d.IsDir() {
				os.Stat(path) //nolint:errcheck // the stat is the declaration
			}
			return nil
		})
	}
}
