package forum

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// nopWriter is a ResponseWriter that keeps nothing but a reusable header
// map, so a benchmark measures the handler alone.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// BenchmarkServe measures the hot routes on the monolith.
func BenchmarkServe(b *testing.B) {
	h := handlers["monolith"]
	for _, target := range []string{
		"/api/users",
		"/api/users/7",
		"/api/threads/3",
		"/api/posts",
		"/api/posts/in-thread/2",
		"/api/posts/by-user/5",
		"/healthz",
		"/api/nope",
		"/api/users/abc",
	} {
		b.Run(target, func(b *testing.B) {
			req := httptest.NewRequest("GET", target, nil)
			w := &nopWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}
