// Package permission proves, from synthesized templates, that every call
// one AWS service makes to another on the deployment's behalf is allowed:
// CloudWatch publishing an alarm to its SNS topic, CloudWatch Logs using a
// log group's KMS key, Elastic Load Balancing writing access logs to S3, a
// task's execution role pulling its image, and the rest.
//
// Derive reads the paths from the templates, rule by resource type, so a
// new resource cannot slip through: a resource type that no rule covers is
// an error. Each path is one request with the request context that AWS
// documents for it (and nothing else: a policy that relies on a context key
// no document promises fails the proof), and the policies that decide it,
// the resource's policy (bucket, topic, key or trust policy) and the
// caller's identity policies. Evaluate decides each request with an IAM
// policy evaluator that this project did not write
// (@cloud-copilot/iam-simulate, through scripts/iam-evaluate.mjs).
package permission

import (
	"encoding/json"
	"fmt"
)

// Kind is the kind of a path: which two services, and which call.
type Kind string

// The kinds of path Derive finds.
const (
	// AlarmAction is CloudWatch publishing an alarm's state change to an
	// SNS topic.
	AlarmAction Kind = "alarm-action"
	// AlarmTopicKey is CloudWatch using the KMS key of an encrypted topic
	// it publishes to.
	AlarmTopicKey Kind = "alarm-topic-key"
	// LogGroupKey is CloudWatch Logs using a log group's KMS key.
	LogGroupKey Kind = "log-group-key"
	// FlowLogDelivery is VPC Flow Logs assuming its role and writing to
	// the flow log's log group.
	FlowLogDelivery Kind = "flow-log-delivery"
	// AccessLogs is Elastic Load Balancing writing a load balancer's
	// access logs to S3.
	AccessLogs Kind = "access-logs"
	// ServerAccessLogs is S3's logging service writing a bucket's server
	// access logs to another bucket.
	ServerAccessLogs Kind = "server-access-logs"
	// RoleTrust is an AWS service assuming a role that a resource names.
	RoleTrust Kind = "role-trust"
	// TaskExecution is ECS, with a task's execution role, pulling the
	// image, writing the log stream and reading the secrets.
	TaskExecution Kind = "task-execution"
	// ContainerAgent is the ECS container agent, with the EC2 instance
	// role, registering and serving the container instance.
	ContainerAgent Kind = "container-agent"
	// FunctionRole is a Lambda function, with its role, making the calls
	// its handler makes: writing its logs, and the calls of each custom
	// resource's handler (the migration's ramp reading and changing the
	// listener's rules, reading its alarms and its stack, invoking
	// itself).
	FunctionRole Kind = "function-role"
	// CustomResource is CloudFormation invoking the function behind a
	// custom resource, with the stack's execution role: that role's
	// policies are CDK's bootstrap's, not the templates', so these paths
	// are Outside.
	CustomResource Kind = "custom-resource"
	// VolumeKey is EC2 Auto Scaling, with its service-linked role, using
	// the KMS key of a launch template's encrypted volume.
	VolumeKey Kind = "volume-key"
)

// Request is one call a service makes: who calls, what, on which resource,
// with which request context.
type Request struct {
	// Principal is the caller: a service principal such as
	// "cloudwatch.amazonaws.com", or the ARN of a role or an account.
	Principal string `json:"principal"`
	// Action is the IAM action, such as "sns:Publish".
	Action string `json:"action"`
	// Resource is the ARN the action acts on, "*" for an action without
	// resource-level permissions.
	Resource string `json:"resource"`
	// ResourceAccount is the account that owns Resource.
	ResourceAccount string `json:"resourceAccount"`
	// Context holds the request context keys AWS documents for this call
	// (see Path.Doc), and no other.
	Context map[string]any `json:"context"`
}

// Policy is a policy document and where it comes from.
type Policy struct {
	// Source names the resource that holds the policy, such as
	// "EcsplitServices/AlarmTopicPolicy309DB5F8", or "AWS managed policy
	// NAME".
	Source string `json:"source"`
	// Document is the resolved policy document.
	Document map[string]any `json:"document"`
}

// Path is one call between services that the deployment relies on, and
// the policies that decide it.
type Path struct {
	// Kind is the kind of path.
	Kind Kind `json:"kind"`
	// What says what relies on the call, naming the resources, such as
	// `alarm "EcsplitServices-users-error-rate" notifies topic ...`.
	What string `json:"what"`
	// Request is the call.
	Request Request `json:"request"`
	// ResourcePolicy is the policy of the resource the call acts on: a
	// topic, bucket, key or trust policy; nil when the resource has none,
	// and then the caller's identity policies decide within an account.
	ResourcePolicy *Policy `json:"resourcePolicy,omitempty"`
	// IdentityPolicies are the caller's policies when it is a role of
	// the deployment (or, for another account's principal, what that
	// account is documented to allow).
	IdentityPolicies []Policy `json:"identityPolicies,omitempty"`
	// Doc is where AWS documents the call: its principal, action and
	// request context.
	Doc string `json:"doc"`
	// Outside, when set, says that the resource is not in the templates
	// (an existing topic or bucket that the user names): its policy is
	// its owner's, ResourcePolicy is nil, and Outside names it.
	Outside string `json:"outside,omitempty"`
}

// String describes the path in one line.
func (p Path) String() string {
	return fmt.Sprintf("%s: %s: %s %s on %s", p.Kind, p.What, p.Request.Principal, p.Request.Action, p.Request.Resource)
}

// key identifies a path by everything that decides it, so that the same
// call on the same policies, relied on by several resources or found in
// several assemblies, is evaluated once.
func (p Path) key() string {
	p.What = "" // the same call on the same policies, whoever relies on it
	b, _ := json.Marshal(p)
	return string(b)
}
