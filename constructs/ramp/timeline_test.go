package ramp

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the README's ramp timeline")

// The README's ramp timeline lies between these markers.
const (
	timelineBegin = "<!-- ramp timeline: TestRampTimeline writes it -->\n"
	timelineEnd   = "<!-- end of ramp timeline -->"
)

// timelineRamps are the ramps the README's timeline shows.
var timelineRamps = []string{"50", "10,50", "5,25,50", "1,5,25,50", "1,5,10,25,50,75", "10,20,30,40,50,60,70,80,90"}

// timeline is the README's table: for each ramp, with DefaultBake, the
// bakes it makes and their time to 100 % from 0 % and from 10 %.
func timeline() string {
	var b strings.Builder
	b.WriteString("| ramp | from 0 % | from 10 % |\n|---|---|---|\n")
	for _, text := range timelineRamps {
		p, err := ParsePlan(text)
		if err != nil {
			panic(err)
		}
		cell := func(from int) string {
			n := len(p.Schedule(from, 100)) - 1
			unit := "bakes"
			if n == 1 {
				unit = "bake"
			}
			return fmt.Sprintf("%d %s, %s", n, unit, formatDuration(p.Duration(from, 100)))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", text, cell(0), cell(10))
	}
	return b.String()
}

// TestRampTimeline keeps the README's timeline equal to what Plan
// computes from the default bake (-update-readme rewrites it).
func TestRampTimeline(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	begin, end := strings.Index(readme, timelineBegin), strings.Index(readme, timelineEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md has no ramp timeline between %q and %q", timelineBegin, timelineEnd)
	}
	want := timeline()
	if *updateReadme {
		if err := os.WriteFile(path, []byte(readme[:begin+len(timelineBegin)]+want+readme[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := readme[begin+len(timelineBegin) : end]; got != want {
		t.Errorf("README.md's ramp timeline is stale: go test ./constructs/ramp/ -run TestRampTimeline -update-readme\nwant:\n%s", want)
	}
}
