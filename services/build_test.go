// Tests of the four binaries as they ship: the Dockerfiles, build.sh, what
// each binary holds, and a graceful shutdown under load.
package services_test

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// services are the binaries; each has NAME/main.go and NAME/Dockerfile.
var services = []string{"monolith", "posts", "threads", "users"}

func TestServiceList(t *testing.T) {
	mains, err := filepath.Glob("*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range mains {
		got = append(got, filepath.Dir(m))
	}
	if !slices.Equal(got, services) {
		t.Errorf("directories with a main.go: %v, want %v", got, services)
	}
}

// declareOnce makes declareBuildInputs stat the module's files once.
var declareOnce sync.Once

// declareBuildInputs stats, once, every file of this module that build.sh
// compiles or reads. go test caches this package's result until its test
// binary or a file it opened or stat'ed changes; the binaries the tests run
// are built by a subprocess, so without this an edited handler or request
// log would leave the cached pass standing.
func declareBuildInputs() {
	declareOnce.Do(func() {
		filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error { //nolint:errcheck // a missing file fails the build instead
			if err == nil && !d.IsDir() {
				os.Stat(path) //nolint:errcheck // the stat is the declaration
			}
			return nil
		})
	})
}

// binaries caches the output of build.sh for each service.
var binaries struct {
	sync.Mutex
	dir  string
	path map[string]string
}

// binary builds service name with build.sh, once per test run.
func binary(t *testing.T, name string) string {
	t.Helper()
	binaries.Lock()
	defer binaries.Unlock()
	if p, ok := binaries.path[name]; ok {
		return p
	}
	if binaries.dir == "" {
		dir, err := os.MkdirTemp("", "ecsplit-build-")
		if err != nil {
			t.Fatal(err)
		}
		binaries.dir, binaries.path = dir, make(map[string]string)
	}
	out := filepath.Join(binaries.dir, name)
	declareBuildInputs()
	if b, err := exec.Command("./build.sh", name, out).CombinedOutput(); err != nil {
		t.Fatalf("./build.sh %s %s: %v\n%s", name, out, err, b)
	}
	binaries.path[name] = out
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// dockerStage is one FROM stage of a Dockerfile, its instructions in order.
type dockerStage struct {
	from  string   // the FROM line without "FROM"
	lines []string // the other instructions
}

func parseDockerfile(t *testing.T, path string) []dockerStage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []dockerStage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "FROM "):
			stages = append(stages, dockerStage{from: strings.TrimPrefix(line, "FROM ")})
		case len(stages) == 0:
			t.Fatalf("%s: %q before the first FROM", path, line)
		default:
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

func TestDockerfiles(t *testing.T) {
	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			stages := parseDockerfile(t, filepath.Join(name, "Dockerfile"))
			if len(stages) != 2 {
				t.Fatalf("%d stages, want 2 (build, run)", len(stages))
			}
			build, run := stages[0], stages[1]
			if !regexp.MustCompile(`^(--platform=\S+ )?golang:1\.26 AS build$`).MatchString(build.from) {
				t.Errorf("build stage is FROM %s, want golang:1.26 AS build", build.from)
			}
			runBuild := regexp.MustCompile(`^RUN (\w+=\S+ )*\./build\.sh (\S+) (\S+)$`)
			var out string
			for _, l := range build.lines {
				if m := runBuild.FindStringSubmatch(l); m != nil {
					if m[2] != name {
						t.Errorf("%q builds %s, want %s", l, m[2], name)
					}
					out = m[3]
				}
			}
			if out == "" {
				t.Fatalf("build stage does not RUN ./build.sh %s OUTPUT", name)
			}
			if run.from != "gcr.io/distroless/static-debian12:nonroot" {
				t.Errorf("final stage is FROM %s, want distroless static nonroot", run.from)
			}
			want := []string{
				"COPY --from=build " + out + " /server",
				"USER nonroot:nonroot",
				`ENTRYPOINT ["/server"]`,
			}
			for _, w := range want {
				if !slices.Contains(run.lines, w) {
					t.Errorf("final stage lacks %q; it has %q", w, run.lines)
				}
			}
		})
	}
}

func TestBuildScriptMakesStaticBinaries(t *testing.T) {
	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			f, err := elf.Open(binary(t, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("binary is dynamically linked (program header %v)", p.Type)
				}
			}
			if f.Section(".symtab") != nil {
				t.Error("binary has a symbol table; build.sh should strip it (-s -w)")
			}
		})
	}
}

func TestBuildScriptRejectsUnknownService(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	cmd := exec.Command("./build.sh", "nosuch", out)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "no service nosuch") {
		t.Errorf("./build.sh nosuch: err %v, output %q; want a failure naming the service", err, b)
	}
}

// TestBinariesHoldOnlyTheirData checks that a microservice binary holds its
// own seed data and no other resource's, and the monolith holds all three.
func TestBinariesHoldOnlyTheirData(t *testing.T) {
	// A field of the first record of each seed file: "bio", "title", "text".
	marker := map[string]string{}
	for resource, field := range map[string]string{"users": "bio", "threads": "title", "posts": "text"} {
		b, err := os.ReadFile(filepath.Join("forum", "data", resource+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var records []map[string]any
		if err := json.Unmarshal(b, &records); err != nil || len(records) == 0 {
			t.Fatalf("%s.json: %v, %d records", resource, err, len(records))
		}
		marker[resource] = records[0][field].(string)
	}
	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(binary(t, name))
			if err != nil {
				t.Fatal(err)
			}
			for resource, m := range marker {
				want := name == "monolith" || name == resource
				if got := strings.Contains(string(b), m); got != want {
					t.Errorf("holds %s data: %v, want %v", resource, got, want)
				}
			}
		})
	}
}
