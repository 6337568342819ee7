package forum

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Handler serves a set of resources, the health check and the JSON errors.
// It never redirects and never answers in plain text.
type Handler struct {
	service []string // the ServiceHeader value
	routes  []route
}

// NewHandler returns a handler for the named service (it goes into
// [ServiceHeader]) that serves the given resources. It panics when two
// resources share a name.
func NewHandler(service string, resources ...*Resource) *Handler {
	h := &Handler{
		service: []string{service},
		routes:  []route{{path: HealthPath, list: healthy}},
	}
	seen := make(map[string]bool)
	for _, r := range resources {
		if seen[r.name] {
			panic(fmt.Sprintf("forum: NewHandler(%q): resource %q mounted twice", service, r.name))
		}
		seen[r.name] = true
		h.routes = append(h.routes, r.routes...)
	}
	return h
}

// ServeHTTP answers r; see the package documentation for the routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()[ServiceHeader] = h.service
	rt, seg, ok := h.match(r.URL.EscapedPath())
	switch {
	case !ok:
		write(w, r, http.StatusNotFound, notFound)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header()["Allow"] = allowGetHead
		write(w, r, http.StatusMethodNotAllowed, methodNotAllowed)
	case rt.kind == "":
		write(w, r, http.StatusOK, rt.list)
	default:
		h.serveID(w, r, rt, seg)
	}
}

// serveID answers a route that ends in an id segment.
func (h *Handler) serveID(w http.ResponseWriter, r *http.Request, rt *route, seg string) {
	id, ok := parseID(seg)
	if !ok {
		write(w, r, http.StatusBadRequest, errorResponse(codeBadRequest, fmt.Sprintf(
			"invalid %s id %s: want a decimal integer from 1 to 9223372036854775807 without sign or leading zeros",
			rt.kind, seg)))
		return
	}
	if resp, ok := rt.byID[id]; ok {
		write(w, r, http.StatusOK, resp)
		return
	}
	if rt.missing != nil {
		write(w, r, http.StatusOK, *rt.missing)
		return
	}
	write(w, r, http.StatusNotFound, errorResponse(codeNotFound, fmt.Sprintf("%s %d not found", rt.kind, id)))
}

// match finds the route for the escaped path p, and for a route that ends in
// an id, the id segment: one or more bytes without a slash.
func (h *Handler) match(p string) (rt *route, seg string, ok bool) {
	for i := range h.routes {
		rt = &h.routes[i]
		if rt.kind == "" {
			if p == rt.path {
				return rt, "", true
			}
			continue
		}
		if seg, found := strings.CutPrefix(p, rt.path); found && seg != "" && !strings.Contains(seg, "/") {
			return rt, seg, true
		}
	}
	return nil, "", false
}

// parseID parses an id: a decimal integer from 1 to MaxInt64 in canonical
// form (digits only, no leading zero), so that each resource has one URL.
func parseID(s string) (int64, bool) {
	if s == "" || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}
