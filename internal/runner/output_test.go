package runner

import (
	"bytes"
	"log"
	"strings"
	"testing"
)

// TestPrefixWriter: lines are logged whole, each with the prefix, however
// the output is cut into writes.
func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	p := &prefixWriter{prefix: "[cart] ", log: log.New(&out, "", 0)}
	for _, w := range []string{"one\ntw", "o\n", "", "three", "\nfour"} {
		p.Write([]byte(w))
	}
	if want := "[cart] one\n[cart] two\n[cart] three\n"; out.String() != want {
		t.Errorf("logged %q, want %q (four is still open)", out.String(), want)
	}
}

// TestTail: a task's tail keeps its last tailBytes.
func TestTail(t *testing.T) {
	var tl tail
	tl.Write([]byte(strings.Repeat("a", tailBytes)))
	tl.Write([]byte("end"))
	if s := tl.String(); len(s) != tailBytes || !strings.HasSuffix(s, "aend") {
		t.Errorf("tail has %d bytes ending %q", len(s), s[len(s)-4:])
	}
}
