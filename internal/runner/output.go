package runner

import (
	"bytes"
	"log"
	"sync"
)

// tail keeps the last few KiB a task wrote, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 4 << 10

// Write keeps p, dropping what is older than the last tailBytes.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailBytes {
		t.buf = t.buf[len(t.buf)-tailBytes:]
	}
	return len(p), nil
}

// String returns the output kept.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// prefixWriter logs whole lines with a prefix; it holds a partial line
// until its end arrives. The logger serializes the lines of many tasks.
type prefixWriter struct {
	prefix  string
	log     *log.Logger
	pending []byte
}

// Write logs every whole line of what it has, and keeps the rest.
func (p *prefixWriter) Write(b []byte) (int, error) {
	p.pending = append(p.pending, b...)
	for {
		i := bytes.IndexByte(p.pending, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.log.Print(p.prefix + string(p.pending[:i+1]))
		p.pending = p.pending[i+1:]
	}
}
