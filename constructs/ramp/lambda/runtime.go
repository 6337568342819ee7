package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// runtimeAPI is the Lambda Runtime API of a custom runtime, at the
// host:port in AWS_LAMBDA_RUNTIME_API.
type runtimeAPI struct {
	base string // http://host:port/2018-06-01/runtime
	http *http.Client
}

func newRuntimeAPI(hostport string) runtimeAPI {
	// The next invocation is a long poll: no client time-out.
	return runtimeAPI{base: "http://" + hostport + "/2018-06-01/runtime", http: &http.Client{}}
}

// invocation is one event Lambda hands the function.
type invocation struct {
	id       string
	deadline time.Time
	payload  []byte
}

// next waits for the next invocation.
func (r runtimeAPI) next(ctx context.Context) (invocation, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/invocation/next", nil)
	if err != nil {
		return invocation{}, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return invocation{}, fmt.Errorf("runtime API: next invocation: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return invocation{}, fmt.Errorf("runtime API: next invocation: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return invocation{}, fmt.Errorf("runtime API: next invocation: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	inv := invocation{id: resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), payload: body}
	if inv.id == "" {
		return invocation{}, fmt.Errorf("runtime API: next invocation without Lambda-Runtime-Aws-Request-Id")
	}
	ms, err := strconv.ParseInt(resp.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if err != nil {
		return invocation{}, fmt.Errorf("runtime API: invocation %s: Lambda-Runtime-Deadline-Ms %q: %w", inv.id, resp.Header.Get("Lambda-Runtime-Deadline-Ms"), err)
	}
	inv.deadline = time.UnixMilli(ms)
	return inv, nil
}

// respond posts an invocation's result.
func (r runtimeAPI) respond(ctx context.Context, id string, body []byte) error {
	return r.post(ctx, "/invocation/"+id+"/response", body, "")
}

// fail posts an invocation's error.
func (r runtimeAPI) fail(ctx context.Context, id string, err error) error {
	return r.post(ctx, "/invocation/"+id+"/error", errorBody(err), "Runtime.HandlerError")
}

// initError posts an error of the function's start, before any
// invocation.
func (r runtimeAPI) initError(ctx context.Context, err error) error {
	return r.post(ctx, "/init/error", errorBody(err), "Runtime.InitError")
}

// errorBody is the Runtime API's error document.
func errorBody(err error) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{err.Error(), fmt.Sprintf("%T", err)})
	return b
}

func (r runtimeAPI) post(ctx context.Context, path string, body []byte, errorType string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if errorType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("runtime API: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("runtime API: POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// serve runs invocations one after another until ctx is done or the
// Runtime API fails: each runs handle with the invocation's deadline as
// its context's, and its result or error is posted back.
func (r runtimeAPI) serve(ctx context.Context, handle func(context.Context, []byte) ([]byte, error)) error {
	for {
		inv, err := r.next(ctx)
		if err != nil {
			return err
		}
		hctx, cancel := context.WithDeadline(ctx, inv.deadline)
		out, err := handle(hctx, inv.payload)
		cancel()
		if err != nil {
			err = r.fail(ctx, inv.id, err)
		} else {
			err = r.respond(ctx, inv.id, out)
		}
		if err != nil {
			return err
		}
	}
}
