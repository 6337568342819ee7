// Package albemu reads the Application Load Balancer routing of a synthesized
// CDK cloud assembly (the listener's default action, its listener rules, their
// target groups and the ECS services, task definitions, containers and image
// assets behind them) and routes HTTP requests the way the ALB would.
//
// It reads only the files of the assembly (manifest.json, *.template.json,
// *.assets.json, the asset directories): it imports no CDK code, so its tests
// start no Node.js process.
package albemu

import (
	"fmt"
	"time"
)

// ResourceID names a CloudFormation resource of the assembly.
type ResourceID struct {
	// Stack is the stack's artifact id in the assembly, such as
	// "EcsplitServices".
	Stack string
	// LogicalID is the resource's logical id in the stack's template.
	LogicalID string
}

// String returns "Stack/LogicalID".
func (id ResourceID) String() string { return id.Stack + "/" + id.LogicalID }

// Assembly is the routing of a cloud assembly, as the emulator needs it.
type Assembly struct {
	// Dir is the cloud assembly directory.
	Dir string
	// Listener is the listener the services' rules attach to.
	Listener *Listener
	// TargetGroups holds every target group of the assembly.
	TargetGroups map[ResourceID]*TargetGroup
	// Services holds the ECS services that register with a target group of
	// the assembly, in stack and logical id order.
	Services []*Service
}

// Listener is an AWS::ElasticLoadBalancingV2::Listener and its rules.
type Listener struct {
	ID       ResourceID
	Port     int
	Protocol string
	// Default is the action of the default rule: what the listener does
	// when no rule matches.
	Default Action
	// Rules are the listener's rules, lowest priority first: the order the
	// ALB evaluates them in.
	Rules []*Rule
}

// Rule is an AWS::ElasticLoadBalancingV2::ListenerRule.
type Rule struct {
	ID       ResourceID
	Priority int
	// Conditions must all match for the rule to apply.
	Conditions []Condition
	// Action is the rule's final action (forward, fixed-response or
	// redirect).
	Action Action
}

// Condition field names (the Field of a rule condition).
const (
	FieldPathPattern = "path-pattern"
	FieldHostHeader  = "host-header"
	FieldMethod      = "http-request-method"
	FieldHTTPHeader  = "http-header"
	FieldQueryString = "query-string"
	FieldSourceIP    = "source-ip"
)

// Condition is one condition of a rule: it matches when the request matches
// any one of its values.
type Condition struct {
	// Field is one of the Field constants.
	Field string
	// Values are the condition's values: path patterns, host patterns,
	// methods, header value patterns or CIDR blocks.
	Values []string
	// HeaderName is the header an http-header condition inspects.
	HeaderName string
	// Query holds the key/value patterns of a query-string condition; an
	// empty Key matches any key.
	Query []KeyValue
}

// KeyValue is one pattern of a query-string condition.
type KeyValue struct{ Key, Value string }

// Action types.
const (
	ActionForward       = "forward"
	ActionFixedResponse = "fixed-response"
	ActionRedirect      = "redirect"
)

// Action is what a rule does with a request. Exactly one of the pointer
// fields is set, the one named by Type.
type Action struct {
	Type          string
	Forward       *Forward
	FixedResponse *FixedResponse
	Redirect      *Redirect
}

// String describes the action in one line.
func (a Action) String() string {
	switch {
	case a.Forward != nil:
		s := "forward"
		for _, t := range a.Forward.TargetGroups {
			s += fmt.Sprintf(" %s:%d", t.TargetGroup.LogicalID, t.Weight)
		}
		if a.Forward.Stickiness > 0 {
			s += fmt.Sprintf(" sticky %s", a.Forward.Stickiness)
		}
		return s
	case a.FixedResponse != nil:
		return fmt.Sprintf("fixed-response %d %s", a.FixedResponse.StatusCode, a.FixedResponse.ContentType)
	case a.Redirect != nil:
		return fmt.Sprintf("redirect %d", a.Redirect.StatusCode)
	}
	return a.Type
}

// Forward sends requests to one or more target groups, by weight.
type Forward struct {
	// TargetGroups are the weighted target groups; a plain forward has one
	// with weight 1.
	TargetGroups []WeightedTarget
	// Stickiness, when positive, keeps a client on the target group it
	// first reached for this long (TargetGroupStickinessConfig).
	Stickiness time.Duration
}

// WeightedTarget is one target group of a forward action.
type WeightedTarget struct {
	TargetGroup ResourceID
	Weight      int
}

// FixedResponse answers without a target.
type FixedResponse struct {
	StatusCode  int
	ContentType string
	Body        string
}

// Redirect answers with a redirect built from the request. Empty fields
// keep the request's value (#{protocol}, #{host}, #{port}, /#{path},
// #{query}).
type Redirect struct {
	Protocol, Host, Port, Path, Query string
	// StatusCode is 301 (HTTP_301) or 302 (HTTP_302).
	StatusCode int
}

// TargetGroup is an AWS::ElasticLoadBalancingV2::TargetGroup and the
// containers registered in it.
type TargetGroup struct {
	ID       ResourceID
	Port     int
	Protocol string
	// HealthCheckPath is the path of the health check; "/" when the
	// template does not set it (the ALB default).
	HealthCheckPath string
	// HealthyCodes is the matcher's HttpCode, such as "200" or "200-299";
	// "200" when the template does not set it.
	HealthyCodes string
	// Targets are the ECS service containers registered in the group.
	Targets []*Target
}

// Target is one container of an ECS service registered in a target group.
type Target struct {
	Service *Service
	// Container is the registered container.
	Container *Container
	// Port is the container port the load balancer sends to.
	Port int
}

// Service is an AWS::ECS::Service with its task definition's containers.
type Service struct {
	ID ResourceID
	// DesiredCount is the number of tasks; 1 when the template does not
	// set it.
	DesiredCount int
	// Containers are the task definition's containers.
	Containers []*Container
}

// Container is one container definition of a task definition.
type Container struct {
	Name string
	// Env is the container's environment (Environment).
	Env map[string]string
	// PortMappings are the container ports it exposes.
	PortMappings []int
	// Image is the image asset the container runs.
	Image *ImageAsset
}

// ImageAsset is a Docker image asset of the assembly.
type ImageAsset struct {
	// Hash is the asset hash, the image tag.
	Hash string
	// Dir is the absolute path of the asset's build context, a directory
	// of the assembly.
	Dir string
	// Dockerfile is the Dockerfile, relative to Dir.
	Dockerfile string
	// Program is the service the Dockerfile builds: the NAME of its
	// "build.sh NAME OUTPUT" step.
	Program string
}

// String describes the condition in one line, such as
// "path-pattern [/api/users /api/users/*]".
func (c Condition) String() string {
	switch {
	case c.Field == FieldHTTPHeader:
		return fmt.Sprintf("%s %s %v", c.Field, c.HeaderName, c.Values)
	case len(c.Query) > 0:
		return fmt.Sprintf("%s %v", c.Field, c.Query)
	}
	return fmt.Sprintf("%s %v", c.Field, c.Values)
}
