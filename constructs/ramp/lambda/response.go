package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// Response statuses of a custom resource.
const (
	statusSuccess = "SUCCESS"
	statusFailed  = "FAILED"
)

// response is a custom resource's answer, which CloudFormation reads at
// the request's ResponseURL.
type response struct {
	Status             string
	Reason             string            `json:",omitempty"`
	PhysicalResourceID string            `json:"PhysicalResourceId"`
	StackID            string            `json:"StackId"`
	RequestID          string            `json:"RequestId"`
	LogicalResourceID  string            `json:"LogicalResourceId"`
	Data               map[string]string `json:",omitempty"`
}

// maxReason bounds a response's Reason: CloudFormation takes a response
// of at most 4096 bytes.
const maxReason = 2048

// answer tries a few times to PUT the response to e.ResponseURL: an
// answer that does not arrive leaves CloudFormation waiting for its
// ServiceTimeout.
func (h *Handler) answer(ctx context.Context, e Event, status, reason string, data map[string]string) error {
	if len(reason) > maxReason {
		cut := maxReason - len("…")
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut] + "…"
	}
	body, err := json.Marshal(response{
		Status:             status,
		Reason:             reason,
		PhysicalResourceID: physicalID(e),
		StackID:            e.StackID,
		RequestID:          e.RequestID,
		LogicalResourceID:  e.LogicalResourceID,
		Data:               data,
	})
	if err != nil {
		return err
	}
	h.logf("%s %s %s: %s: %s", e.RequestType, e.LogicalResourceID, physicalID(e), status, reason)
	// The answer goes out even when the invocation's time is up.
	ctx = context.WithoutCancel(ctx)
	for attempt := 1; ; attempt++ {
		err = h.put(ctx, e.ResponseURL, body)
		if err == nil || attempt == 3 {
			return err
		}
		h.logf("answering CloudFormation (attempt %d): %v", attempt, err)
		if err := h.clock().Sleep(ctx, time.Duration(attempt)*time.Second); err != nil {
			return err
		}
	}
}

// put sends the body to a pre-signed S3 URL: a PUT with no content type,
// which is not part of the signature.
func (h *Handler) put(ctx context.Context, url string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("answering CloudFormation: %w", err)
	}
	client := h.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("answering CloudFormation: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answering CloudFormation: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// physicalID is the resource's id: the one CloudFormation has, or on
// Create one made of the logical id. It never changes, so an Update never
// replaces the resource.
func physicalID(e Event) string {
	if e.PhysicalResourceID != "" {
		return e.PhysicalResourceID
	}
	return "ecsplit-ramp-" + e.LogicalResourceID
}
