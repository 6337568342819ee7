package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// readCutoff ends, when a drain starts, the reads that wait for a client
// rather than for a handler, so that a slow client cannot hold the drain
// until the read timeout (10 s, as long as the default shutdown timeout):
//
//   - a connection whose request has not arrived whole (http.StateNew) is
//     closed without an answer (the client sees the connection close):
//     net/http never serves a request that arrives during a drain, but
//     waits up to 5 s for it;
//   - a request body still arriving gets a read deadline in the past: the
//     read fails at once with a timeout ("i/o timeout"), which a handler
//     reading the body answers; a handler that does not read it answers as
//     usual. net/http, which reads the rest of a body its handler left
//     unread before it answers, sends the answer (LogRequests logs it) and
//     closes the connection. Such a request counts as answered: a slow
//     client never makes the drain fail.
//
// Requests whose body has arrived whole, or that have none, are left alone:
// a read deadline would cancel their context.
//
// It is wired into an http.Server by its ConnContext and ConnState hooks,
// track around the handler and cutOff on shutdown.
type readCutoff struct {
	mu       sync.Mutex
	conns    map[net.Conn]*connReads // the open connections
	draining bool                    // cutOff has run: cut new reads at once
}

// connReads is what a readCutoff knows of a connection.
type connReads struct {
	state http.ConnState
	// body is the body of the request being served, if it has one, until
	// the connection goes idle; net/http may read it after the handler
	// returned.
	body *watchedBody
}

// connKey is the context key under which connContext stores a request's
// connection.
type connKey struct{}

// aLongTimeAgo is a read deadline that has passed.
var aLongTimeAgo = time.Unix(1, 0)

// newReadCutoff returns a readCutoff for one server.
func newReadCutoff() *readCutoff {
	return &readCutoff{conns: make(map[net.Conn]*connReads)}
}

// connContext is the server's ConnContext: it lets track find the
// connection of a request.
func (rc *readCutoff) connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// connState is the server's ConnState hook: it follows each connection
// from its acceptance to its end.
func (rc *readCutoff) connState(c net.Conn, state http.ConnState) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	cr := rc.conns[c]
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(rc.conns, c)
		return
	case http.StateNew:
		cr = &connReads{}
		rc.conns[c] = cr
	case http.StateIdle:
		cr.body = nil
	}
	if cr == nil {
		return // every other state comes after StateNew
	}
	cr.state = state
	if rc.draining {
		rc.cutLocked(c, cr)
	}
}

// track passes each request to h with its body watched, so that cutOff
// knows whether it is still arriving.
func (rc *readCutoff) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
				b := &watchedBody{ReadCloser: r.Body}
				r.Body = b
				rc.mu.Lock()
				if cr := rc.conns[c]; cr != nil {
					cr.body = b
					if rc.draining {
						rc.cutLocked(c, cr)
					}
				}
				rc.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	})
}

// cutOff cuts off every read that waits for a client, now and from now on.
// The server calls it when its shutdown starts (RegisterOnShutdown), once
// it has stopped serving new requests.
func (rc *readCutoff) cutOff() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.draining = true
	for c, cr := range rc.conns {
		rc.cutLocked(c, cr)
	}
}

// cutLocked cuts off the read of c if it waits for the client.
func (rc *readCutoff) cutLocked(c net.Conn, cr *connReads) {
	switch {
	case cr.state == http.StateNew:
		c.Close() //nolint:errcheck // net/http sees the error and ends the connection
	case cr.state == http.StateActive && cr.body != nil && !cr.body.done.Load():
		c.SetReadDeadline(aLongTimeAgo) //nolint:errcheck // a closed connection has no read to cut
	}
}

// watchedBody is a request body that knows when reading it has ended: at
// its end, on an error, or when it was closed. net/http also reads a body
// its handler left unread, before it sends the answer, without it: such a
// body counts as still arriving until the connection goes idle. So a
// handler that sends its answer's headers before it reads its body, and
// keeps running, has its context cancelled by a drain; the forum's
// handlers read no body and answer at once.
type watchedBody struct {
	io.ReadCloser
	done atomic.Bool
}

// Read reads from the body and notes its end.
func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done.Store(true)
	}
	return n, err
}

// Close closes the body, which reads no more of it.
func (b *watchedBody) Close() error {
	err := b.ReadCloser.Close()
	b.done.Store(true)
	return err
}
