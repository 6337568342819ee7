package runner

import (
	"net/http"
	"net/http/httptrace"
	"sync"
)

// ServiceHeader is the response header the front door adds to an answer
// it forwarded to a task: the name of the container it forwarded to (the
// task definition's container Name; ecsplit's microservice construct sets
// it to the service's name), such as "cart". An answer the load balancer
// gives itself (a fixed response, a redirect, a 503 for a target group
// without targets) has none. Any app's answers say which service gave
// them, whether or not its services say so themselves; the real ALB adds
// no such header.
const ServiceHeader = "X-Ecsplit-Local-Service"

// frontDoor wraps the router: each answer it forwards to a task of the
// stage gets ServiceHeader. The router's proxy dials the task with the
// request's context, so a client trace in that context sees the address
// it connects to (or the connection it reuses), which names the process.
func (s *Stage) frontDoor(router http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &serviceWriter{ResponseWriter: w, s: s}
		trace := &httptrace.ClientTrace{
			ConnectStart: func(_, addr string) { sw.forwardedTo(addr) },
			GotConn:      func(c httptrace.GotConnInfo) { sw.forwardedTo(c.Conn.RemoteAddr().String()) },
		}
		router.ServeHTTP(sw, r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
	})
}

// answerer returns the container name of the running process at addr
// (host:port).
func (s *Stage) answerer(addr string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, ok := s.answerers[addr]
	return name, ok
}

// serviceWriter adds ServiceHeader to a forwarded answer.
type serviceWriter struct {
	http.ResponseWriter
	s *Stage

	mu    sync.Mutex // guards addr: the proxy's transport may trace in its own goroutine
	addr  string
	wrote bool
}

// forwardedTo records the address the proxy connects to.
func (w *serviceWriter) forwardedTo(addr string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.addr = addr
}

// WriteHeader adds ServiceHeader to the final header (not to an
// informational 1xx), then writes it.
func (w *serviceWriter) WriteHeader(code int) {
	if !w.wrote && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.wrote = true
		w.mu.Lock()
		addr := w.addr
		w.mu.Unlock()
		if name, ok := w.s.answerer(addr); ok {
			w.Header().Set(ServiceHeader, name)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes the header first, as http.ResponseWriter does.
func (w *serviceWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the wrapped writer, for http.ResponseController (the
// proxy flushes and, for an upgrade, hijacks through it).
func (w *serviceWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
