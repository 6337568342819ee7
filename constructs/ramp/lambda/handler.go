package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/ecsplit/ecsplit/constructs/ramp"
)

// Event is a CloudFormation custom resource request, and the Progress of
// its ramp when the function hands the ramp on to its next invocation.
type Event struct {
	// RequestType is Create, Update or Delete.
	RequestType string
	// ResponseURL is where the answer goes, a pre-signed S3 URL.
	ResponseURL string
	// StackID is the stack's ARN.
	StackID string `json:"StackId"`
	// RequestID identifies the request.
	RequestID string `json:"RequestId"`
	// ResourceType is the resource's type, such as Custom::EcsplitRamp.
	ResourceType string `json:",omitempty"`
	// LogicalResourceID is the resource's logical id in the template.
	LogicalResourceID string `json:"LogicalResourceId"`
	// PhysicalResourceID is the id the resource got on Create; empty on
	// Create.
	PhysicalResourceID string `json:"PhysicalResourceId,omitempty"`
	// ServiceToken is the function's ARN, as the template gives it.
	ServiceToken string `json:",omitempty"`
	// ResourceProperties are the resource's properties (see SpecOf).
	ResourceProperties map[string]any
	// OldResourceProperties are the properties before an Update.
	OldResourceProperties map[string]any `json:",omitempty"`
	// EcsplitProgress is where the ramp is, set when the function invokes
	// itself to go on with it; nil in CloudFormation's request.
	EcsplitProgress *ramp.Progress `json:",omitempty"`
}

// StackReader reads a stack, to tell a rollback: *cloudformation.Client
// satisfies it.
type StackReader interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Invoker invokes a function, for the ramp to go on in a new invocation:
// *lambda.Client of the AWS SDK satisfies it.
type Invoker interface {
	Invoke(ctx context.Context, in *awslambda.InvokeInput, opts ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error)
}

// DefaultReserve is the time an invocation keeps for handing the ramp
// on: it stops checking when less than this is left.
const DefaultReserve = 2 * time.Minute

// Handler drives ramps as a CloudFormation custom resource, by itself:
// one invocation checks the ramp until little of its time is left, then
// invokes the function again, asynchronously, with the ramp's Progress,
// until the ramp ends and it answers CloudFormation.
type Handler struct {
	// Clients reach the rule and the alarms.
	Clients ramp.Clients
	// Stacks reads the stack, to tell a rollback.
	Stacks StackReader
	// Lambda invokes the function again.
	Lambda Invoker
	// FunctionName is the function's name, AWS_LAMBDA_FUNCTION_NAME.
	FunctionName string
	// HTTP answers CloudFormation; nil is http.DefaultClient.
	HTTP *http.Client
	// Clock is the time the ramp follows and how often it checks; nil is
	// ramp.Wall(ramp.PollInterval).
	Clock ramp.Clock
	// Reserve is the time an invocation keeps for handing the ramp on;
	// 0 is DefaultReserve.
	Reserve time.Duration
	// Logf writes the function's log; nil is log.Printf.
	Logf func(format string, args ...any)
}

func (h *Handler) clock() ramp.Clock {
	if h.Clock == nil {
		return ramp.Wall(ramp.PollInterval)
	}
	return h.Clock
}

func (h *Handler) logf(format string, args ...any) {
	if h.Logf == nil {
		log.Printf(format, args...)
		return
	}
	h.Logf(format, args...)
}

// Handle serves one request. Delete succeeds at once: the listener rule
// owns the weights. Create and Update ramp the share to the target (at
// once when the stack is rolling back), handing the ramp on to a new
// invocation when this one's time runs short, and answer SUCCESS at the
// target, FAILED with a one-line reason otherwise; a request that cannot
// be read answers FAILED at once. The error is for a request that could
// not be answered, or handed on.
func (h *Handler) Handle(ctx context.Context, e Event) (err error) {
	if e.ResponseURL == "" {
		return errors.New("the request has no ResponseURL, so it cannot be answered")
	}
	defer func() {
		if v := recover(); v != nil {
			err = h.answer(ctx, e, statusFailed, fmt.Sprintf("ramp %s: internal error: %v", e.LogicalResourceID, v), nil)
		}
	}()
	switch e.RequestType {
	case "Delete":
		return h.delete(ctx, e)
	case "Create", "Update":
	default:
		return h.answer(ctx, e, statusFailed, fmt.Sprintf("ramp %s: unknown RequestType %q", e.LogicalResourceID, e.RequestType), nil)
	}
	spec, err := SpecOf(e.ResourceProperties)
	if err != nil {
		return h.answer(ctx, e, statusFailed, err.Error(), nil)
	}
	clock := h.clock()
	// failed is the status of a ramp that cannot go on: FAILED, but
	// SUCCESS in a rollback (with the problem in the reason, as delete
	// answers), since a failed update in a rollback leaves the stack in
	// UPDATE_ROLLBACK_FAILED. A rollback goes straight to its share, so
	// it never goes on in a new invocation.
	failed := statusFailed
	if e.EcsplitProgress == nil {
		straight, err := h.rollingBack(ctx, e.StackID)
		if err != nil {
			return h.answer(ctx, e, statusFailed, fmt.Sprintf("ramp of %s: %v", spec.Service, err), nil)
		}
		if straight {
			failed = statusSuccess
		}
		p, err := ramp.Begin(ctx, h.Clients, spec, clock.Now(), straight)
		if err != nil {
			return h.answer(ctx, e, failed, oneLine(err), nil)
		}
		how := "step by step"
		if straight {
			how = "at once: the stack is rolling back"
		}
		h.logf("ramp of %s from %d %% to %d %% %s, through %v", spec.Service, p.From, spec.Percent, how, p.Steps)
		e.EcsplitProgress = &p
		if e.RequestType == "Create" && e.PhysicalResourceID == "" {
			e.PhysicalResourceID = createdID(e.LogicalResourceID, p.From)
		}
	}
	p := *e.EcsplitProgress
	reserve := h.Reserve
	if reserve <= 0 {
		reserve = DefaultReserve
	}
	for {
		done, err := ramp.Check(ctx, h.Clients, spec, p, clock.Now())
		if err != nil {
			return h.answer(ctx, e, failed, oneLine(err), nil)
		}
		if done {
			reason := fmt.Sprintf("ramp of %s from %d %% to %d %%", spec.Service, p.From, spec.Percent)
			if len(p.Steps) > 1 {
				var through []string
				for _, s := range p.Steps[:len(p.Steps)-1] {
					through = append(through, fmt.Sprintf("%d %%", s))
				}
				reason += " through " + strings.Join(through, ", ")
			}
			return h.answer(ctx, e, statusSuccess, reason, map[string]string{"Percent": strconv.Itoa(spec.Percent)})
		}
		wait := p.Wait(spec.Plan.Bake, clock.Interval(), clock.Now())
		if deadline, ok := ctx.Deadline(); ok && deadline.Sub(clock.Now())-wait < reserve {
			if err := h.handOn(ctx, e); err != nil {
				return h.answer(ctx, e, statusFailed, fmt.Sprintf("ramp of %s stopped where it is, since it could not go on in a new invocation: %s", spec.Service, oneLine(err)), nil)
			}
			return nil
		}
		if err := clock.Sleep(ctx, wait); err != nil {
			return h.answer(ctx, e, statusFailed, fmt.Sprintf("ramp of %s stopped where it is: %v", spec.Service, err), nil)
		}
	}
}

// createdID is the physical id of a ramp created at the live share from:
// a Delete that rolls the Create back puts that share back.
func createdID(logicalID string, from int) string {
	return fmt.Sprintf("ecsplit-ramp-%s-from-%d", logicalID, from)
}

// createdFrom is the share a created ramp found, read from its physical
// id (createdID), and whether the id has one.
func createdFrom(physicalID string) (int, bool) {
	i := strings.LastIndex(physicalID, "-from-")
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(physicalID[i+len("-from-"):])
	return n, err == nil && n >= 0 && n <= 100
}

// delete answers a Delete. A Delete that rolls back the ramp's Create (the
// stack is rolling back: it deletes what the failed update created in
// UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS) puts back the share the
// ramp found, at once, since the previous state's template has no ramp to
// do it and its rule may not be updated (a rule that is, is rolled back to
// the same weights first); any other Delete, such as a deploy without a
// ramp, changes nothing: the listener rule owns the weights. A Delete
// always answers SUCCESS, so that it never fails a rollback; a share it
// could not put back is in its reason and its log.
func (h *Handler) delete(ctx context.Context, e Event) error {
	from, created := createdFrom(e.PhysicalResourceID)
	if !created {
		return h.answer(ctx, e, statusSuccess, "nothing to undo: the listener rule owns the weights", nil)
	}
	status, err := h.stackStatus(ctx, e.StackID)
	if err != nil || !strings.Contains(status, "ROLLBACK") {
		return h.answer(ctx, e, statusSuccess, "nothing to undo: the listener rule owns the weights", nil)
	}
	spec, err := SpecOf(e.ResourceProperties)
	if err == nil {
		spec.Percent = from
		_, err = ramp.Begin(ctx, h.Clients, spec, h.clock().Now(), true)
	}
	if err != nil {
		reason := fmt.Sprintf("the stack is rolling back, but the share the ramp found (%d %%) could not be put back: %s", from, oneLine(err))
		h.logf("%s", reason)
		return h.answer(ctx, e, statusSuccess, reason, nil)
	}
	return h.answer(ctx, e, statusSuccess, fmt.Sprintf("the stack is rolling back: the share the ramp found (%d %%) is back", from), nil)
}

// rollingBack reports whether the stack is rolling back, which a ramp
// does not bake: the stack's status ends in ROLLBACK_IN_PROGRESS.
func (h *Handler) rollingBack(ctx context.Context, stackID string) (bool, error) {
	status, err := h.stackStatus(ctx, stackID)
	if err != nil {
		return false, fmt.Errorf("cannot tell whether stack %s is rolling back: %w", stackID, err)
	}
	return strings.HasSuffix(status, "ROLLBACK_IN_PROGRESS"), nil
}

// stackStatus reads the stack's status.
func (h *Handler) stackStatus(ctx context.Context, stackID string) (string, error) {
	out, err := h.Stacks.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackID)})
	if err != nil {
		return "", err
	}
	if len(out.Stacks) == 0 {
		return "", errors.New("DescribeStacks returned no stack")
	}
	return string(out.Stacks[0].StackStatus), nil
}

// handOn invokes the function again, asynchronously, with e, whose
// EcsplitProgress says where the ramp is.
func (h *Handler) handOn(ctx context.Context, e Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err = h.Lambda.Invoke(ctx, &awslambda.InvokeInput{
		FunctionName:   aws.String(h.FunctionName),
		InvocationType: lambdatypes.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return err
	}
	h.logf("ramp %s goes on in a new invocation", e.LogicalResourceID)
	return nil
}

// oneLine is err's message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
