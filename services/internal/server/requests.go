package server

import (
	"net/http"
	"sync"
	"time"
)

// LogRequests logs one line per request to logs (see Log.Request): method,
// path (raw, without the query), status and duration. It allocates nothing
// for a request whose path needs no escaping.
func LogRequests(logs *Log, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusWriters.Get().(*statusWriter)
		sw.ResponseWriter, sw.status, sw.wroteHeader = w, http.StatusOK, false
		h.ServeHTTP(sw, r)
		status := sw.status
		sw.ResponseWriter = nil
		statusWriters.Put(sw)
		end := time.Now()
		logs.Request(r.Method, r.URL.EscapedPath(), status, end, end.Sub(start))
	})
}

// statusWriter remembers the status a handler sends. They are pooled: a
// request then allocates none.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

// WriteHeader records the first status and passes it on.
func (w *statusWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
