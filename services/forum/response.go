package forum

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// NotFoundBody is the body of the 404 for a path that no route matches. The
// load balancer's default action answers with the same bytes, so a client
// cannot tell which of the two said it.
const NotFoundBody = `{"error":"not_found","message":"no route matches this path"}`

// ServiceHeader names the response header that carries the name of the
// service that answered (monolith, users, threads or posts).
const ServiceHeader = "X-Ecsplit-Service"

// HealthPath is the path of the health check. It lies outside /api, so it
// never collides with an API route and the load balancer never forwards a
// client to it.
const HealthPath = "/healthz"

// Header values, kept as ready slices so that setting them allocates nothing.
var (
	contentTypeJSON = []string{"application/json"}
	allowGetHead    = []string{"GET, HEAD"}
)

// response is a JSON body rendered once, with its Content-Length value.
type response struct {
	body   []byte
	length []string
}

func newResponse(body []byte) response {
	return response{body: body, length: []string{strconv.Itoa(len(body))}}
}

// render marshals v into a response. Seed data always marshals, so a failure
// is a programming error and panics.
func render(v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("forum: render %T: %v", v, err))
	}
	return newResponse(b)
}

// apiError is the one shape of every error body.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// Error codes.
const (
	codeNotFound         = "not_found"
	codeBadRequest       = "bad_request"
	codeMethodNotAllowed = "method_not_allowed"
)

// errorResponse renders an error body. HTML escaping is off so that the
// message reads as written; the body has no trailing newline.
func errorResponse(code, message string) response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(apiError{Error: code, Message: message}); err != nil {
		panic(fmt.Sprintf("forum: render error body: %v", err))
	}
	return newResponse(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

var (
	notFound         = newResponse([]byte(NotFoundBody))
	methodNotAllowed = errorResponse(codeMethodNotAllowed, "only GET and HEAD are allowed on this path")
	healthy          = newResponse([]byte(`{"status":"ok"}`))
	emptyList        = newResponse([]byte(`[]`))
)

// write sends resp with status. A HEAD response gets the headers of the GET
// response and no body.
func write(w http.ResponseWriter, r *http.Request, status int, resp response) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Content-Length"] = resp.length
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(resp.body) //nolint:errcheck // the client has gone; nothing to do
	}
}
