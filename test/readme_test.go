package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's quickstart is examples/shop/main.go, byte for byte, between
// these markers and its code fences: the code a newcomer copies is the
// code TestShopMigratesFromItsOwnModule migrates.
const (
	quickstartBegin = "<!-- quickstart: examples/shop/main.go (TestReadmeQuickstart keeps it the same) -->\n```go\n"
	quickstartEnd   = "```\n<!-- end of quickstart -->\n"
)

// TestReadmeQuickstart: the README's quickstart is the shop's main.go.
func TestReadmeQuickstart(t *testing.T) {
	parallel(t)
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	main, err := os.ReadFile(filepath.Join(shopDir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := between(string(readme), quickstartBegin, quickstartEnd)
	if !ok {
		t.Fatalf("the README has no quickstart between %q and %q", quickstartBegin, quickstartEnd)
	}
	if got != string(main) {
		t.Errorf("the README's quickstart is not examples/shop/main.go: copy the file between the markers")
	}
}

// between returns the text of s between the first begin and the end after
// it.
func between(s, begin, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, begin)
	if !ok {
		return "", false
	}
	text, _, ok := strings.Cut(rest, end)
	return text, ok
}
