package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// This file is ecsplit's own build convention, the one the forum's
// services follow: a service's Dockerfile builds it with a
// "RUN ./build.sh NAME OUTPUT" step, and the runner runs the same build.sh
// from the image asset's directory for this machine. An app whose images
// are built otherwise says how to run each container in a services file.

// buildStep finds the build.sh step of a service Dockerfile.
var buildStep = regexp.MustCompile(`(?m)^\s*RUN\b.*\./build\.sh\s+([A-Za-z0-9._-]+)\s`)

// BuildProgram returns the service that an image asset's Dockerfile builds:
// NAME in its "RUN ./build.sh NAME OUTPUT" step.
func BuildProgram(img *albemu.ImageAsset) (string, error) {
	b, err := os.ReadFile(filepath.Join(img.Dir, img.Dockerfile))
	if errors.Is(err, fs.ErrNotExist) {
		// docker build (cdk deploy) would fail the same way.
		return "", fmt.Errorf("image asset %s: %s is missing from the asset directory %s, so docker build would fail; does a .dockerignore exclude it?", img.Hash, img.Dockerfile, img.Dir)
	}
	if err != nil {
		return "", fmt.Errorf("image asset %s: %w", img.Hash, err)
	}
	m := buildStep.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("image asset %s: %s has no RUN ./build.sh NAME OUTPUT step", img.Hash, img.Dockerfile)
	}
	return string(m[1]), nil
}

// Build builds program from an image asset's directory with its build.sh,
// exactly as its Dockerfile does, for this machine. The binary is cached in
// binDir under a name derived from the asset hash and the program: the
// asset hash is the hash of the asset's source, so the assemblies of any
// stage that share an asset (another synthesis, another stage of the same
// services) build it once. Builds are serialized, and a build waiting for
// another finds the binary that one made.
func Build(ctx context.Context, img *albemu.ImageAsset, program, binDir string) (string, error) {
	sum := sha256.Sum256([]byte(img.Hash + "\x00" + program))
	out := filepath.Join(binDir, program+"-"+hex.EncodeToString(sum[:8]))
	if built(out) {
		return out, nil
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if built(out) {
		return out, nil // built while this build waited for the lock
	}
	tmp := out + ".tmp"
	cmd := exec.CommandContext(ctx, "./build.sh", program, tmp)
	cmd.Dir = img.Dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly", "GOOS=", "GOARCH=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s in %s: %v\n%s", program, img.Dir, err, b)
	}
	return out, os.Rename(tmp, out)
}

// built reports whether a binary is at path.
func built(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// buildMu serializes builds: the Go build cache makes the second one fast.
var buildMu sync.Mutex
