package server

import (
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// FlushInterval is the longest a request line waits in a Log's buffer
// before it is written out.
const FlushInterval = 100 * time.Millisecond

// flushSize is the buffer size at which a request line is written out at
// once rather than on the next tick: 32 KiB is about 250 lines, and writes
// of that size stay well inside a pipe's 64 KiB.
const flushSize = 32 << 10

// bufSize is the capacity of a buffer: room for a full buffer's last line,
// unless that line is unusually long.
const bufSize = flushSize + 4<<10

// Log is a service's log: JSON lines, one object per line, on one writer
// (stdout in production). Request lines (Request) are buffered and written
// within FlushInterval; every other line (Logger, Write) is written at once,
// after the buffered ones, so lines keep the order in which they were logged.
// Call Flush before the process exits. A Log is safe for concurrent use.
type Log struct {
	out    io.Writer
	logger *slog.Logger
	// prefix is what a request line holds between the time and the method:
	// level, msg and, if any, service, as slog.JSONHandler writes them.
	prefix string

	// interval is FlushInterval; tests that must see lines wait for Flush
	// set it longer.
	interval time.Duration
	mu       sync.Mutex // guards buf
	// buf holds the lines not yet written. Request arms the timer when it
	// adds a line to an empty buf, so no line waits longer than interval
	// (while the writer keeps up); a tick that finds buf empty writes
	// nothing.
	buf   []byte
	timer *time.Timer

	wmu   sync.Mutex // serializes writes to out, so lines keep their order
	spare []byte     // the other buffer, guarded by wmu
}

// NewLog returns a Log writing to out whose lines carry the attribute
// service=name, or no service attribute if name is empty.
func NewLog(out io.Writer, name string) *Log {
	l := &Log{
		out:      out,
		interval: FlushInterval,
		prefix:   `","level":"INFO","msg":"request",`,
		buf:      make([]byte, 0, bufSize),
		spare:    make([]byte, 0, bufSize),
	}
	l.logger = slog.New(slog.NewJSONHandler(l, nil))
	if name != "" {
		l.logger = l.logger.With("service", name)
		l.prefix += `"service":` + string(appendJSONString(nil, name)) + ","
	}
	l.prefix += `"method":`
	l.timer = time.AfterFunc(FlushInterval, func() {
		l.Flush() //nolint:errcheck // as slog does, a log line has nowhere to report a failed write
	})
	l.timer.Stop()
	return l
}

// Logger returns a logger whose lines go to l at once (after the buffered
// request lines), as slog.JSONHandler writes them.
func (l *Log) Logger() *slog.Logger { return l.logger }

// Request logs a request line at level INFO with message "request": the
// time end, then method, path, status and duration (in nanoseconds), with
// the same keys, order and encoding as slog.JSONHandler. The line is
// buffered; Request allocates nothing unless a line outgrows the buffer.
func (l *Log) Request(method, path string, status int, end time.Time, duration time.Duration) {
	l.mu.Lock()
	first := len(l.buf) == 0
	b := append(l.buf, `{"time":"`...)
	b = end.AppendFormat(b, time.RFC3339Nano)
	b = append(b, l.prefix...)
	b = appendJSONString(b, method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, int64(duration), 10)
	b = append(b, "}\n"...)
	l.buf = b
	full := len(b) >= flushSize
	if first && !full {
		// While a flush waits for a slow writer, buf stays non-empty and
		// no further timer is armed: ticks do not pile up.
		l.timer.Reset(l.interval)
	}
	l.mu.Unlock()
	if full {
		l.Flush() //nolint:errcheck // as slog does, a log line has nowhere to report a failed write
	}
}

// Write writes the buffered lines, then p, at once; slog's handler calls it
// with one whole line.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	l.mu.Unlock()
	return len(p), l.Flush()
}

// Flush writes out every buffered line and returns the writer's error.
// Lines are dropped, not retried, when the write fails.
func (l *Log) Flush() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.mu.Lock()
	b := l.buf
	l.buf, l.spare = l.spare, nil
	l.mu.Unlock()
	var err error
	if len(b) > 0 {
		_, err = l.out.Write(b)
	}
	l.spare = b[:0]
	if cap(b) > 4*bufSize { // a huge line grew it: do not keep it
		l.spare = make([]byte, 0, bufSize)
	}
	return err
}
