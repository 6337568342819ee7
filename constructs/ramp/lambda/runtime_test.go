package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeRuntime is a Lambda Runtime API that hands out its payloads in
// turn, then fails the next request for one, and keeps what the function
// posts.
type fakeRuntime struct {
	*httptest.Server
	payloads []string
	deadline time.Time
	posts    []post
}

type post struct{ path, errorType, body string }

func newFakeRuntime(t *testing.T, payloads ...string) *fakeRuntime {
	rt := &fakeRuntime{payloads: payloads, deadline: time.Now().Add(5 * time.Minute).Truncate(time.Millisecond)}
	n := 0
	rt.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
			if n == len(rt.payloads) {
				http.Error(w, `{"errorMessage":"the end"}`, http.StatusInternalServerError)
				return
			}
			n++
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "inv-"+strconv.Itoa(n))
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(rt.deadline.UnixMilli(), 10))
			io.WriteString(w, rt.payloads[n-1])
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/"):
			body, _ := io.ReadAll(r.Body)
			rt.posts = append(rt.posts, post{strings.TrimPrefix(r.URL.Path, "/2018-06-01/runtime"), r.Header.Get("Lambda-Runtime-Function-Error-Type"), string(body)})
			w.WriteHeader(http.StatusAccepted)
		default:
			t.Errorf("runtime API: unexpected %s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(rt.Close)
	return rt
}

func TestServe(t *testing.T) {
	rt := newFakeRuntime(t, `{"n":1}`, `{"n":2}`)
	api := newRuntimeAPI(strings.TrimPrefix(rt.URL, "http://"))
	var seen []string
	err := api.serve(context.Background(), func(ctx context.Context, payload []byte) ([]byte, error) {
		seen = append(seen, string(payload))
		if d, ok := ctx.Deadline(); !ok || !d.Equal(rt.deadline) {
			t.Errorf("invocation deadline = %s, %v; want %s", d, ok, rt.deadline)
		}
		if string(payload) == `{"n":2}` {
			return nil, errors.New("no good")
		}
		return []byte(`{"ok":true}`), nil
	})
	if err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "the end") {
		t.Errorf("serve = %v, want the Runtime API's failure", err)
	}
	if want := []string{`{"n":1}`, `{"n":2}`}; !slices.Equal(seen, want) {
		t.Errorf("handled %v, want %v", seen, want)
	}
	if len(rt.posts) != 2 {
		t.Fatalf("posts = %+v, want 2", rt.posts)
	}
	if p := rt.posts[0]; p.path != "/invocation/inv-1/response" || p.body != `{"ok":true}` || p.errorType != "" {
		t.Errorf("first post = %+v, want the response of inv-1", p)
	}
	var doc struct{ ErrorMessage, ErrorType string }
	p := rt.posts[1]
	if err := json.Unmarshal([]byte(p.body), &doc); err != nil || p.path != "/invocation/inv-2/error" || p.errorType != "Runtime.HandlerError" || doc.ErrorMessage != "no good" {
		t.Errorf("second post = %+v (%v), want the error of inv-2", p, err)
	}
}

func TestServeHandlerEndToEnd(t *testing.T) {
	// A request goes through the runtime loop to CloudFormation's answer;
	// one that is not JSON is the invocation's error.
	h, _, _, cf := setup(t, 50)
	req, err := json.Marshal(request(cf, "Update", 50))
	if err != nil {
		t.Fatal(err)
	}
	rt := newFakeRuntime(t, string(req), `not json`)
	newRuntimeAPI(strings.TrimPrefix(rt.URL, "http://")).serve(context.Background(), h.invoke)
	if len(cf.answers) != 1 || cf.answers[0].Status != "SUCCESS" {
		t.Errorf("answers = %+v, want one SUCCESS", cf.answers)
	}
	if len(rt.posts) != 2 || rt.posts[0].path != "/invocation/inv-1/response" || rt.posts[1].path != "/invocation/inv-2/error" ||
		!strings.Contains(rt.posts[1].body, "not a custom resource request") {
		t.Errorf("posts = %+v, want inv-1's response and inv-2's error", rt.posts)
	}
}

func TestInitError(t *testing.T) {
	rt := newFakeRuntime(t)
	api := newRuntimeAPI(strings.TrimPrefix(rt.URL, "http://"))
	if err := api.initError(context.Background(), errors.New("AWS_REGION is not set")); err != nil {
		t.Fatal(err)
	}
	if len(rt.posts) != 1 || rt.posts[0].path != "/init/error" || rt.posts[0].errorType != "Runtime.InitError" || !strings.Contains(rt.posts[0].body, "AWS_REGION is not set") {
		t.Errorf("posts = %+v, want the init error", rt.posts)
	}
}
