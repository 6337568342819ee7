package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// ServiceCommand says how to run one container of the app as a local
// process, in place of its image.
type ServiceCommand struct {
	// Command is the program and its arguments, run without a shell, such
	// as ["go", "run", "./cart"]. A relative program path with a slash is
	// relative to Dir. Required.
	Command []string `json:"command"`
	// Dir is the working directory, relative to the services file.
	// Default: the services file's directory.
	Dir string `json:"dir,omitempty"`
	// Env is extra environment, over the task definition's environment.
	// It may not set PORT or HOST: the runner sets them.
	Env map[string]string `json:"env,omitempty"`
}

// Services maps container names (the ContainerDefinitions' Name, which
// ecsplit's microservice construct sets to the service's name) to the
// commands that run them locally. Dir is absolute once loaded.
type Services map[string]ServiceCommand

// servicesFile is the format of a services file.
type servicesFile struct {
	// Services maps container names to their commands.
	Services Services `json:"services"`
}

// LoadServices reads a services file: a JSON object whose "services" maps
// container names to commands, for example
//
//	{"services": {
//	  "cart": {"command": ["go", "run", "./cart"], "env": {"CURRENCY": "EUR"}}
//	}}
//
// Unknown fields are errors, so that a misspelt key is not silently
// ignored.
func LoadServices(path string) (Services, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f servicesFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("services file %s: %w", path, err)
	}
	if len(f.Services) == 0 {
		return nil, fmt.Errorf("services file %s: \"services\" names no container", path)
	}
	for _, name := range sortedKeys(f.Services) {
		sc := f.Services[name]
		if err := sc.check(); err != nil {
			return nil, fmt.Errorf("services file %s: service %q: %w", path, name, err)
		}
		sc.Dir = filepath.Join(base, sc.Dir)
		f.Services[name] = sc
	}
	return f.Services, nil
}

func (sc ServiceCommand) check() error {
	if len(sc.Command) == 0 || sc.Command[0] == "" {
		return fmt.Errorf("command: want the program and its arguments, such as [\"go\", \"run\", \".\"]")
	}
	if filepath.IsAbs(sc.Dir) {
		return fmt.Errorf("dir %q: want a directory relative to the services file", sc.Dir)
	}
	for k := range sc.Env {
		switch {
		case k == "PORT" || k == "HOST":
			return fmt.Errorf("env %s: the runner sets PORT and HOST (a free loopback port and 127.0.0.1)", k)
		case k == "" || strings.ContainsAny(k, "=\x00"):
			return fmt.Errorf("env %q is not a variable name", k)
		}
	}
	return nil
}

// Unused returns the names of s that name no container of the assembly,
// sorted: likely typos, or services of another stage.
func (s Services) Unused(asm *albemu.Assembly) []string {
	var out []string
	for _, name := range sortedKeys(s) {
		used := false
		for _, svc := range asm.Services {
			used = used || slices.ContainsFunc(svc.Containers, func(c *albemu.Container) bool { return c.Name == name })
		}
		if !used {
			out = append(out, name)
		}
	}
	return out
}
