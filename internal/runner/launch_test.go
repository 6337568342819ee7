package runner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// TestLaunchForCommand: a container with a command runs it in its
// directory, with this shell's environment, then the task definition's,
// then the services file's (the last one wins).
func TestLaunchForCommand(t *testing.T) {
	c := &albemu.Container{Name: "cart", Env: map[string]string{"A": "task", "B": "task"}, Image: albemu.Image{Name: "x"}}
	l, err := launchFor(context.Background(), c, Services{"cart": {Command: []string{"run", "it"}, Dir: "/app", Env: map[string]string{"B": "file"}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.argv, []string{"run", "it"}) || l.dir != "/app" || !l.signalExitOK {
		t.Errorf("launch %+v", l)
	}
	tail := l.env[len(l.env)-3:]
	if !slices.Equal(tail, []string{"A=task", "B=task", "B=file"}) {
		t.Errorf("environment ends %v, want the task's then the file's", tail)
	}
	if !slices.Contains(l.env, "PATH="+os.Getenv("PATH")) {
		t.Error("a command does not get this shell's environment")
	}
}

// TestLaunchForBuildConvention: without a command, a container is built
// only from an image asset whose Dockerfile runs ./build.sh; otherwise the
// error says what is missing and to write a services file.
func TestLaunchForBuildConvention(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("build.sh", "#!/bin/sh\nprintf '#!/bin/sh\\necho built %s\\n' \"$1\" > \"$2\" && chmod +x \"$2\"\n")
	write("Good.Dockerfile", "FROM scratch\nRUN GOOS=linux ./build.sh users /out/server\n")
	write("Other.Dockerfile", "FROM node:22\nRUN npm ci\n")
	asset := func(df string) albemu.Image {
		return albemu.Image{Asset: &albemu.ImageAsset{Hash: "h", Dir: dir, Dockerfile: df}}
	}
	bins := t.TempDir()
	l, err := launchFor(context.Background(), &albemu.Container{Name: "users", Image: asset("Good.Dockerfile"), Env: map[string]string{"K": "v"}}, nil, bins)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.argv) != 1 || !strings.HasPrefix(l.argv[0], filepath.Join(bins, "users-")) || l.signalExitOK || !slices.Equal(l.env[1:], []string{"K=v"}) {
		t.Errorf("launch %+v: want the built users binary, only PATH and the task's environment", l)
	}
	if out, err := os.ReadFile(l.argv[0]); err != nil || !strings.Contains(string(out), "built users") {
		t.Errorf("binary %s: %q %v", l.argv[0], out, err)
	}
	for _, tt := range []struct {
		img  albemu.Image
		want string
	}{
		{asset("Other.Dockerfile"), `container "c": image asset h: Other.Dockerfile has no RUN ./build.sh NAME OUTPUT step: say how to run container "c" in a services file`},
		{asset("Missing.Dockerfile"), "Missing.Dockerfile is missing from the asset directory"},
		{albemu.Image{Name: "nginx:1.27"}, `container "c" runs image nginx:1.27, not an image asset of the assembly`},
	} {
		_, err := launchFor(context.Background(), &albemu.Container{Name: "c", Image: tt.img}, Services{"other": {}}, bins)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.img, err, tt.want)
		}
	}
}

func TestCheckPort(t *testing.T) {
	tests := []struct {
		env     map[string]string
		port    int
		wantErr bool
	}{
		{map[string]string{"PORT": "8080"}, 8080, false},
		{map[string]string{"PORT": "8081"}, 8080, true},
		{map[string]string{}, 8080, false},
	}
	for _, tt := range tests {
		err := checkPort(&albemu.Container{Name: "c", Env: tt.env}, tt.port)
		if (err != nil) != tt.wantErr {
			t.Errorf("checkPort(%v, %d) = %v, want error %v", tt.env, tt.port, err, tt.wantErr)
		}
	}
}

// TestLaunchForSecrets: the runner cannot read a task definition's
// secrets, so a container that takes some starts only from a services
// file entry that gives each a local value.
func TestLaunchForSecrets(t *testing.T) {
	c := &albemu.Container{Name: "api", Secrets: []string{"API_KEY", "DB_PASSWORD"}, Image: albemu.Image{Name: "x"}}
	tests := []struct {
		services Services
		want     string
	}{
		{Services{"api": {Command: []string{"run"}, Env: map[string]string{"API_KEY": "k", "DB_PASSWORD": "p"}}}, ""},
		{Services{"api": {Command: []string{"run"}, Env: map[string]string{"API_KEY": "k"}}}, `container "api" takes DB_PASSWORD from Secrets Manager or SSM`},
		{nil, `container "api" takes API_KEY, DB_PASSWORD from Secrets Manager or SSM, which the runner cannot read: say how to run container "api" in a services file`},
	}
	for _, tt := range tests {
		_, err := launchFor(context.Background(), c, tt.services, "")
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("services %v: error %v, want %q", tt.services, err, tt.want)
		}
	}
}

// TestBuildSharesAnAsset: the same asset (the same hash and files) in the
// directories of two assemblies builds once, even when several tasks ask
// for it at the same time; a directory whose files changed after synthesis
// builds anew.
func TestBuildSharesAnAsset(t *testing.T) {
	count := filepath.Join(t.TempDir(), "builds")
	var imgs []*albemu.ImageAsset
	for range 2 {
		dir := t.TempDir()
		script := "#!/bin/sh\necho >> " + count + "\nprintf '#!/bin/sh\\n' > \"$2\" && chmod +x \"$2\"\n"
		if err := os.WriteFile(filepath.Join(dir, "build.sh"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, &albemu.ImageAsset{Hash: "samehash", Dir: dir, Dockerfile: "Dockerfile"})
	}
	bins := t.TempDir()
	outs := make([]string, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() { outs[i], errs[i] = Build(context.Background(), imgs[i%2], "users", bins) })
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil || outs[i] != outs[0] {
			t.Errorf("build %d: %s %v, want %s", i, outs[i], errs[i], outs[0])
		}
	}
	if b, err := os.ReadFile(count); err != nil || strings.Count(string(b), "\n") != 1 {
		t.Errorf("build.sh ran %d times (%v), want once", strings.Count(string(b), "\n"), err)
	}

	// A directory changed after synthesis, its hash the same, builds anew.
	if err := os.WriteFile(filepath.Join(imgs[1].Dir, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := Build(context.Background(), imgs[1], "users", bins)
	if err != nil || out == outs[0] {
		t.Errorf("the changed directory: %s %v, want a build of its own", out, err)
	}
}
