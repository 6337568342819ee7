package runner

import (
	"net/http"
	"net/url"
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

// nameAnswerer is the router's OnResponse: it adds ServiceHeader to an
// answer of the running process at target. The router's own answers do
// not reach it.
func (s *Stage) nameAnswerer(target *url.URL, h http.Header) {
	if name, ok := s.answerers.Load(target.Host); ok {
		h.Set(ServiceHeader, name.(string))
	}
}
