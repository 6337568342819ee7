package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsplit/ecsplit/internal/runner/runnertest"
)

// appEnv makes the test binary run as a CDK app (synthApp).
const appEnv = "ECSPLIT_LOCAL_TEST_APP"

// synthApp is a CDK app as ecsplit-local runs one, by cdk.json's app
// command: it writes a cloud assembly to $CDK_OUTDIR for the context of
// $CDK_CONTEXT_JSON. It reads its own key, state, as the migration
// package's example does: echo alone in state monolith (the default),
// echo and more in state more.
func synthApp() error {
	var context map[string]any
	if err := json.Unmarshal([]byte(os.Getenv("CDK_CONTEXT_JSON")), &context); err != nil {
		return err
	}
	switch state := context["state"]; state {
	case nil, "monolith":
		return runnertest.NewApp(runnertest.EchoV1).WriteTo(os.Getenv("CDK_OUTDIR"))
	case "more":
		return runnertest.NewApp(runnertest.EchoV1, runnertest.More).WriteTo(os.Getenv("CDK_OUTDIR"))
	default:
		return fmt.Errorf("state %v: want monolith or more", state)
	}
}

// writeApp writes a cdk.json whose app is this test binary as synthApp,
// and returns its directory, for -app.
func writeApp(t *testing.T) string {
	t.Helper()
	t.Setenv(appEnv, "1")
	dir := t.TempDir()
	b, err := json.Marshal(map[string]any{"app": fmt.Sprintf("exec '%s'", os.Args[0])})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cdk.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
