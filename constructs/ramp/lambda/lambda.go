// Package lambda is the ramp's function: a CloudFormation custom resource
// that ramps a service's share with package ramp, on Lambda's
// provided.al2023 runtime.
//
// It drives itself, with neither Step Functions nor the CDK's Provider
// framework: an invocation checks the ramp every ramp.PollInterval until
// about two minutes of it are left, then invokes the function again,
// asynchronously, with the request and the ramp's Progress; the last one
// answers CloudFormation at the request's ResponseURL. When the stack is
// rolling back the ramp writes its target at once.
//
// It speaks the Lambda Runtime API itself rather than through
// github.com/aws/aws-lambda-go, so that a module building the function
// from source needs no module beyond those of the AWS SDK.
package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
)

// Main runs the function: it serves the invocations Lambda hands it
// through the Runtime API at AWS_LAMBDA_RUNTIME_API until that fails, and
// then exits with status 1.
func Main() {
	log.SetFlags(0)
	api := newRuntimeAPI(os.Getenv("AWS_LAMBDA_RUNTIME_API"))
	c, err := newClients(os.Getenv)
	if err != nil {
		if err := api.initError(context.Background(), err); err != nil {
			log.Print(err)
		}
		log.Fatalf("ecsplit-ramp: %v", err)
	}
	h := &Handler{
		Clients:      c.ramp,
		Stacks:       c.stacks,
		Lambda:       c.lambda,
		FunctionName: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
	}
	log.Fatalf("ecsplit-ramp: %v", api.serve(context.Background(), h.invoke))
}

// invoke handles one invocation's payload, a request (see Event).
func (h *Handler) invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var e Event
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("the request is not a custom resource request: %w", err)
	}
	if err := h.Handle(ctx, e); err != nil {
		return nil, err
	}
	return []byte("{}"), nil
}
