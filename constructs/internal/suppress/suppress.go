// Package suppress records, on a construct's CloudFormation resources, the
// cdk-nag findings that the construct accepts and why, without importing
// cdk-nag: an app that runs cdk-nag's rule packs (such as the ecsplit app,
// stacks.AddNagChecks) sees them as suppressions, and an app that does not
// run cdk-nag needs neither the module nor its jsii package.
//
// It writes what cdk-nag's NagSuppressions.addResourceSuppressions writes
// (cdk-nag 2.x, src/nag-suppressions.ts and
// src/utils/nag-suppression-helper.ts), and what its rule packs read: the
// resource metadata
//
//	Metadata:
//	  cdk_nag:
//	    rules_to_suppress:
//	      - {reason: "...", id: "AwsSolutions-IAM5", applies_to: ["Resource::*"]}
//
// merged with the entries already there, without duplicates.
package suppress

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MetadataKey is the resource metadata key that cdk-nag reads its
// suppressions from.
const MetadataKey = "cdk_nag"

// MinReasonLength is the shortest reason cdk-nag accepts.
const MinReasonLength = 10

// Rule is one accepted finding of a cdk-nag rule, as cdk-nag's
// NagPackSuppression.
type Rule struct {
	// ID is the rule, such as "AwsSolutions-IAM5", or
	// "CdkNagValidationFailure" for a rule that cdk-nag could not evaluate.
	ID string
	// Reason says why the finding is accepted, for a reviewer: at least
	// MinReasonLength characters.
	Reason string
	// AppliesTo limits the suppression to these findings of the rule (such
	// as "Resource::*" for AwsSolutions-IAM5, or the rule that failed to
	// evaluate for CdkNagValidationFailure). Default: every finding of the
	// rule.
	AppliesTo []string
}

// On records rules on the CloudFormation resource of c: c's default child
// (such as an L2 construct's Resource), or c itself when it is a
// CfnResource. Like addResourceSuppressions with applyToChildren false, it
// does nothing to a construct that has neither.
func On(c constructs.IConstruct, rules ...Rule) {
	apply(c, false, rules)
}

// OnTree records rules on the CloudFormation resources of c and of every
// construct under c that exists now (addResourceSuppressions with
// applyToChildren true), such as a role and its default policy.
func OnTree(c constructs.IConstruct, rules ...Rule) {
	apply(c, true, rules)
}

func apply(c constructs.IConstruct, children bool, rules []Rule) {
	entries := make([]map[string]any, 0, len(rules))
	for _, r := range rules {
		entries = append(entries, r.metadata(*c.Node().Id()))
	}
	targets := []constructs.IConstruct{c}
	if children {
		targets = *c.Node().FindAll(constructs.ConstructOrder_PREORDER)
	}
	for _, t := range targets {
		l1 := t.Node().DefaultChild()
		if l1 == nil {
			l1 = t
		}
		if !*awscdk.CfnResource_IsCfnResource(l1) {
			continue
		}
		res, ok := l1.(awscdk.CfnResource)
		if !ok {
			panic(fmt.Sprintf("suppress: %s is a CloudFormation resource the Go runtime does not know as one (%T)", *l1.Node().Path(), l1))
		}
		res.AddMetadata(jsii.String(MetadataKey), merge(res.GetMetadata(jsii.String(MetadataKey)), entries))
	}
}

// findingInID is what cdk-nag refuses in a rule id: a finding, which
// belongs in AppliesTo.
var findingInID = regexp.MustCompile(`\[.*\]`)

// metadata returns r in cdk-nag's CloudFormation form (toCfnFormat): a
// reason with a character beyond Latin-1 is base64-encoded and flagged,
// as cdk-nag does. It panics, as cdk-nag's assertSuppressionsAreValid
// throws, on a rule cdk-nag would refuse; the rules are the constructs'
// own, so that is a bug in the construct.
func (r Rule) metadata(constructID string) map[string]any {
	if r.ID == "" || findingInID.MatchString(r.ID) || len(r.Reason) < MinReasonLength {
		panic(fmt.Sprintf("suppress: %s: rule %q: an id without a finding and a reason of %d characters or more are required, got reason %q",
			constructID, r.ID, MinReasonLength, r.Reason))
	}
	m := map[string]any{"id": r.ID, "reason": r.Reason}
	for _, c := range r.Reason {
		if c > 255 {
			m["reason"] = base64.StdEncoding.EncodeToString([]byte(r.Reason))
			m["is_reason_encoded"] = true
			break
		}
	}
	if len(r.AppliesTo) > 0 {
		applies := make([]any, len(r.AppliesTo))
		for i, a := range r.AppliesTo {
			applies[i] = a
		}
		m["applies_to"] = applies
	}
	return m
}

// merge returns the metadata value with existing's rules_to_suppress
// followed by entries, each once (addRulesToMetadata).
func merge(existing any, entries []map[string]any) map[string]any {
	var all []any
	if m, ok := existing.(map[string]any); ok {
		if rules, ok := m["rules_to_suppress"].([]any); ok {
			all = append(all, rules...)
		}
	}
	for _, e := range entries {
		all = append(all, e)
	}
	seen := map[string]bool{}
	out := []any{}
	for _, r := range all {
		key, err := json.Marshal(r) // sorted keys: one form per rule
		if err != nil {
			panic(fmt.Sprintf("suppress: existing %s metadata is not JSON: %v", MetadataKey, err))
		}
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, r)
		}
	}
	return map[string]any{"rules_to_suppress": out}
}
