// Package corpus loads request corpora: text files of HTTP requests, one
// "METHOD TARGET" per line, that `ecsplit-local compare`, tests and
// benchmarks send to a front door.
// Blank lines and lines starting with '#' are ignored. TARGET is sent
// exactly as written (it may hold percent-encodings and a query string).
package corpus

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Request is one line of a corpus.
type Request struct {
	// Method is the HTTP method, such as GET or HEAD.
	Method string
	// Target is the request target (path and query), sent as written.
	Target string
	// Line is the line number in the corpus file.
	Line int
}

// String returns "METHOD TARGET".
func (r Request) String() string { return r.Method + " " + r.Target }

// Load reads the corpus file at path.
func Load(path string) ([]Request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reqs, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return reqs, nil
}

// Parse reads a corpus.
func Parse(r io.Reader) ([]Request, error) {
	var out []Request
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 || !strings.HasPrefix(fields[1], "/") {
			return nil, fmt.Errorf("line %d: %q: want METHOD /TARGET", n, line)
		}
		out = append(out, Request{Method: fields[0], Target: fields[1], Line: n})
	}
	return out, sc.Err()
}
