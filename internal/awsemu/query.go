package awsemu

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// The AWS Query protocol, as Elastic Load Balancing v2 speaks it: a
// request is a form (Action=NAME&Version=...&Param.member.1=...), an
// answer an XML document in the service's namespace, an error an
// ErrorResponse whose Code the SDK turns into its typed error.

// elbNamespace is the XML namespace of Elastic Load Balancing v2's
// answers.
const elbNamespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

// params are a request's form values, one per flattened name, such as
// "Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight".
type params map[string]string

// newParams returns the form values of r.
func newParams(r *http.Request) (params, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	p := params{}
	for k, v := range r.Form {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	return p, nil
}

// sub returns the values whose names begin with prefix, named without it.
func (p params) sub(prefix string) params {
	out := params{}
	for k, v := range p {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

// has reports whether some value's name is key, or begins with key and a
// dot.
func (p params) has(key string) bool {
	for k := range p {
		if k == key || strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

// list returns the strings of the list key (key.member.1, key.member.2,
// ...).
func (p params) list(key string) []string {
	var out []string
	for n := 1; ; n++ {
		v, ok := p[key+".member."+strconv.Itoa(n)]
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

// structs returns the structures of the list key (key.member.1.FIELD,
// ...), each a params of its fields.
func (p params) structs(key string) []params {
	var out []params
	for n := 1; ; n++ {
		s := p.sub(key + ".member." + strconv.Itoa(n) + ".")
		if len(s) == 0 {
			return out
		}
		out = append(out, s)
	}
}

// apiError is an error that the API answers with: its code (the SDK's
// error type, such as RuleNotFound) and HTTP status.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// clientError returns a 400 error of code.
func clientError(code, format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, code, fmt.Sprintf(format, args...)}
}

// requests numbers the answers' request ids.
var requests atomic.Uint64

// requestID returns a new request id, in the form of AWS's.
func requestID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", requests.Add(1))
}

// queryResponse is the answer to a call: ACTIONResponse holding an
// ACTIONResult.
type queryResponse struct {
	XMLName   xml.Name
	Xmlns     string `xml:"xmlns,attr"`
	Result    any
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

// queryError is the answer of a call that failed.
type queryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// writeResult answers action with result, whose XMLName is ACTIONResult.
func writeResult(w http.ResponseWriter, action string, result any) {
	id := requestID()
	writeXML(w, http.StatusOK, id, queryResponse{
		XMLName: xml.Name{Local: action + "Response"}, Xmlns: elbNamespace, Result: result, RequestID: id,
	})
}

// writeError answers with err, an *apiError or, as an internal failure,
// any other.
func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{http.StatusInternalServerError, "InternalFailure", err.Error()}
	}
	var q queryError
	q.Xmlns = elbNamespace
	q.Error.Type = "Sender"
	if e.status >= 500 {
		q.Error.Type = "Receiver"
	}
	q.Error.Code, q.Error.Message = e.code, e.message
	q.RequestID = requestID()
	writeXML(w, e.status, q.RequestID, q)
}

func writeXML(w http.ResponseWriter, status int, id string, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", id)
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(b)
}
