package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/corpus"
	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

// writeServices writes a services file that runs each named container as
// this test binary, a runnertest service that reads request bodies (mode
// "upload"), and returns its path.
func writeServices(t *testing.T, names ...string) string {
	t.Helper()
	services := map[string]any{}
	for _, name := range names {
		command, env := runnertest.Command("upload", nil)
		services[name] = map[string]any{"command": command, "env": env}
	}
	b, err := json.Marshal(map[string]any{"services": services})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "services.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeCorpus writes a corpus file of reqs and returns its path.
func writeCorpus(t *testing.T, reqs []corpus.Request) string {
	t.Helper()
	var b strings.Builder
	for _, r := range reqs {
		b.WriteString(r.String() + "\n")
	}
	path := filepath.Join(t.TempDir(), "corpus.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
