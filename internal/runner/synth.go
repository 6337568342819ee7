package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// groupStopDelay is how long a command that runInGroup runs, a synthesis
// or a build, has between SIGTERM and SIGKILL once interrupted: none has
// requests to drain.
const groupStopDelay = 2 * time.Second

// Synth synthesizes the CDK app in appDir into outDir, as `cdk synth` does:
// it runs the app command of appDir/cdk.json ("go run .") with CDK_OUTDIR
// set to outDir and CDK_CONTEXT_JSON set to the context of cdk.json
// overridden by context (the -c KEY=VALUE of the CLI).
//
// The app command runs in a process group of its own, so a Ctrl-C in the
// terminal reaches only the runner. When ctx ends, Synth stops the whole
// group, the app and every process it started: SIGTERM, then SIGKILL to
// whatever is left once the app command has exited, or after
// groupStopDelay. It returns once the app command has exited.
func Synth(ctx context.Context, appDir, outDir string, context map[string]string) error {
	var cfg struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	b, err := os.ReadFile(filepath.Join(appDir, "cdk.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("cdk.json: %w", err)
	}
	if cfg.App == "" {
		return fmt.Errorf("cdk.json in %s has no app command", appDir)
	}
	if cfg.Context == nil {
		cfg.Context = map[string]any{}
	}
	for k, v := range context {
		cfg.Context[k] = v
	}
	cj, err := json.Marshal(cfg.Context)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", cfg.App)
	cmd.Dir = appDir
	cmd.Env = append(os.Environ(),
		"CDK_OUTDIR="+abs,
		"CDK_CONTEXT_JSON="+string(cj),
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runInGroup(ctx, cmd, groupStopDelay); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("synth %s: interrupted: %w", appDir, ctx.Err())
		}
		return fmt.Errorf("synth %s (%s) with context %v: %v\n%s", appDir, cfg.App, context, err, out.Bytes())
	}
	if _, err := os.Stat(filepath.Join(abs, "manifest.json")); err != nil {
		return fmt.Errorf("synth %s: the app wrote no cloud assembly to %s", appDir, abs)
	}
	return nil
}
