package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
// binDir under a name derived from the asset hash, the program and a
// digest of the asset directory's files, so that the assemblies of any
// stage that share an asset (another synthesis, another stage of the same
// services) build it once. (The asset hash promises the same source; the
// digest makes sure of it, so that a directory changed after synthesis is
// built anew.) Builds are serialized, and a build that waited for another
// finds the binary that one made.
func Build(ctx context.Context, img *albemu.ImageAsset, program, binDir string) (string, error) {
	digest, err := dirDigest(img.Dir)
	if err != nil {
		return "", fmt.Errorf("image asset %s: %w", img.Hash, err)
	}
	sum := sha256.Sum256([]byte(img.Hash + "\x00" + program + "\x00" + digest))
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
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	// In its own process group, so that an interrupt stops go build too,
	// not build.sh alone.
	if err := runInGroup(ctx, cmd, groupStopDelay); err != nil {
		return "", fmt.Errorf("build %s in %s: %v\n%s", program, img.Dir, err, b.Bytes())
	}
	return out, os.Rename(tmp, out)
}

// dirDigest hashes the names, kinds and contents of the files under dir
// (itself possibly a symbolic link), in walk order; a symbolic link below
// it counts by its target's name.
func dirDigest(dir string) (string, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(h, "%q %v\n", rel, d.Type())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			fmt.Fprintf(h, "-> %q\n", target)
			return err
		case d.Type().IsRegular():
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			info, err := f.Stat()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%d\n", info.Size())
			_, err = io.Copy(h, f)
			return err
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// built reports whether a binary is at path.
func built(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// buildMu serializes builds: the Go build cache makes the second one fast.
var buildMu sync.Mutex
