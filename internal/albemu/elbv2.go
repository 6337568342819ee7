package albemu

import (
	"fmt"
	"slices"
	"time"
)

// Listener is an AWS::ElasticLoadBalancingV2::Listener and its rules.
type Listener struct {
	// ID is the listener resource.
	ID ResourceID
	// Port is the port the listener listens on, such as 80.
	Port int
	// Protocol is how it listens, "HTTP" or "HTTPS" (the emulator serves
	// both as plain HTTP).
	Protocol string
	// Default is the action of the default rule: what the listener does
	// when no rule matches.
	Default Action
	// Rules are the listener's rules, lowest priority first: the order the
	// ALB evaluates them in.
	Rules []*Rule
}

// Rule returns the listener's rule with the id, or nil.
func (l *Listener) Rule(id ResourceID) *Rule {
	i := slices.IndexFunc(l.Rules, func(r *Rule) bool { return r.ID == id })
	if i < 0 {
		return nil
	}
	return l.Rules[i]
}

// PriorityInUse returns the rule of rules, other than r (by ID), that
// holds r's priority, or nil. The ALB refuses to create or update r then:
// CloudFormation fails with PriorityInUse.
func PriorityInUse(rules []*Rule, r *Rule) *Rule {
	i := slices.IndexFunc(rules, func(other *Rule) bool { return other.ID != r.ID && other.Priority == r.Priority })
	if i < 0 {
		return nil
	}
	return rules[i]
}

// Rule is an AWS::ElasticLoadBalancingV2::ListenerRule.
type Rule struct {
	// ID is the rule resource.
	ID ResourceID
	// Priority orders the rules: the lowest is evaluated first.
	Priority int
	// Conditions must all match for the rule to apply.
	Conditions []Condition
	// Action is the rule's final action (forward, fixed-response or
	// redirect).
	Action Action
}

// PathsOnly reports whether every condition of the rule is a path-pattern
// condition. Such a rule carries a share of the traffic of its paths; a
// rule that also matches a header, a source address, a method, a host or a
// query string (a preview rule, say) carries only the requests that have
// it.
func (r *Rule) PathsOnly() bool {
	return !slices.ContainsFunc(r.Conditions, func(c Condition) bool { return c.Field != FieldPathPattern })
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
//
// Load prepares each condition it reads for matching (patterns lower-cased
// where the ALB ignores case, CIDR blocks parsed, the header name made
// canonical) and fails on a value the ALB would refuse; Router.SetListener
// prepares a Condition made by hand.
type Condition struct {
	// Field is one of the Field constants.
	Field string
	// Values are the condition's values: path patterns, host patterns,
	// methods, header value patterns or CIDR blocks.
	Values []string
	// HeaderName is the header an http-header condition inspects; the ALB
	// matches it whatever its letter case.
	HeaderName string
	// Query holds the key/value patterns of a query-string condition; an
	// empty Key matches any key.
	Query []KeyValue

	prepared *matcher // set by Load, or by Router.SetListener
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

// KeyValue is one pattern of a query-string condition.
type KeyValue struct {
	// Key is the pattern of the query parameter's name; "" matches any.
	Key string
	// Value is the pattern of the parameter's value.
	Value string
}

// Action types.
const (
	ActionForward       = "forward"
	ActionFixedResponse = "fixed-response"
	ActionRedirect      = "redirect"
)

// Action is what a rule does with a request. Exactly one of its fields is
// set, the one named by Type.
type Action struct {
	// Forward sends the request to target groups (a forward action).
	Forward *Forward
	// FixedResponse answers without a target (a fixed-response action).
	FixedResponse *FixedResponse
	// Redirect answers with a redirect (a redirect action).
	Redirect *Redirect
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
	return ""
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
	// TargetGroup is the target group resource.
	TargetGroup ResourceID
	// Weight is its share of the action's requests against the other
	// groups' weights, 0 to 999; 0 sends it none.
	Weight int
}

// FixedResponse answers without a target.
type FixedResponse struct {
	// StatusCode is the answer's status, such as 404.
	StatusCode int
	// ContentType is its Content-Type; "text/plain" when the template
	// does not set it.
	ContentType string
	// Body is its body (MessageBody), "" when none.
	Body string
}

// Redirect answers with a redirect built from the request. Empty fields
// keep the request's value (#{protocol}, #{host}, #{port}, /#{path},
// #{query}).
type Redirect struct {
	// Protocol is the scheme of the location, such as "HTTPS".
	Protocol string
	// Host is the host name of the location.
	Host string
	// Port is the port of the location.
	Port string
	// Path is the path of the location, beginning with "/".
	Path string
	// Query is the query string of the location, without the "?".
	Query string
	// StatusCode is 301 (HTTP_301) or 302 (HTTP_302).
	StatusCode int
}

// TargetGroup is an AWS::ElasticLoadBalancingV2::TargetGroup and the
// containers registered in it.
type TargetGroup struct {
	// ID is the target group resource.
	ID ResourceID
	// HealthCheckPath is the path of the health check; "/" when the
	// template does not set it (the ALB default).
	HealthCheckPath string
	// HealthyCodes is the matcher's HttpCode, such as "200" or "200-299";
	// "200" when the template does not set it.
	HealthyCodes string
	// HealthCheckInterval is the time between health checks
	// (HealthCheckIntervalSeconds); 30 s, the ALB default, when the
	// template does not set it.
	HealthCheckInterval time.Duration
	// UnhealthyThreshold is the number of failed checks in a row that make
	// a target unhealthy (UnhealthyThresholdCount); 2, the ALB default,
	// when the template does not set it.
	UnhealthyThreshold int
	// DeregistrationDelay is how long the ALB lets a deregistered target
	// finish its in-flight requests (the deregistration_delay.timeout_seconds
	// attribute); 300 s, the ALB default, when the template does not set
	// it.
	DeregistrationDelay time.Duration
	// Targets are the ECS service containers registered in the group.
	Targets []*Target
}

// Target is one container of an ECS service registered in a target group.
type Target struct {
	// TargetGroup is the group the container is registered in.
	TargetGroup *TargetGroup
	// Service is the ECS service the container belongs to.
	Service *Service
	// Container is the registered container.
	Container *Container
	// Port is the container port the load balancer sends to.
	Port int
}
