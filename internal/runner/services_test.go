package runner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

func TestLoadServices(t *testing.T) {
	s, err := LoadServices(filepath.Join("testdata", "services", "services.json"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := filepath.Abs(filepath.Join("testdata", "services"))
	cart, legacy := s["cart"], s["legacy"]
	if !slices.Equal(cart.Command, []string{"go", "run", "./cart"}) || cart.Dir != filepath.Join(base, "app") || cart.Env["CURRENCY"] != "EUR" {
		t.Errorf("cart: %+v", cart)
	}
	if legacy.Dir != base || len(legacy.Env) != 0 {
		t.Errorf("legacy: %+v, want the services file's directory %s", legacy, base)
	}
	asm := &albemu.Assembly{Services: []*albemu.Service{{Containers: []*albemu.Container{{Name: "legacy"}}}}}
	if got := s.Unused(asm); !slices.Equal(got, []string{"cart"}) {
		t.Errorf("Unused = %v, want [cart]", got)
	}
}

// TestLoadServicesErrors: a services file that cannot be meant as written
// fails, naming the file, the service and the field.
func TestLoadServicesErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{`{"services": {"cart": {"command": []}}}`, `service "cart": command: want the program and its arguments`},
		{`{"services": {"cart": {"command": ["x"], "env": {"PORT": "80"}}}}`, `service "cart": env PORT: the runner sets PORT and HOST`},
		{`{"services": {"cart": {"command": ["x"], "env": {"A=B": "1"}}}}`, `service "cart": env "A=B" is not a variable name`},
		{`{"services": {"cart": {"command": ["x"], "dir": "/srv"}}}`, `service "cart": dir "/srv": want a directory relative to the services file`},
		{`{"services": {"cart": {"command": ["x"], "environment": {}}}}`, `unknown field "environment"`},
		{`{"services": {}}`, `"services" names no container`},
		{`{"cart": {"command": ["x"]}}`, `unknown field "cart"`},
		{`{"services": `, `unexpected EOF`},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "services.json")
		if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadServices(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming %s and containing %q", tt.file, err, path, tt.want)
		}
	}
}
