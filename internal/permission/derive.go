package permission

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// rule derives the paths that one resource of the assembly relies on.
type rule func(d *deriver, at ref, res *cfn.Resource) error

// rules are the resource types on which an AWS service acts, or which make
// one act, with a permission the templates grant; each finds its paths.
var rules = map[string]rule{
	"AWS::CloudWatch::Alarm":                      (*deriver).alarm,
	"AWS::Logs::LogGroup":                         (*deriver).logGroup,
	"AWS::EC2::FlowLog":                           (*deriver).flowLog,
	"AWS::ElasticLoadBalancingV2::LoadBalancer":   (*deriver).loadBalancer,
	"AWS::S3::Bucket":                             (*deriver).bucket,
	"AWS::ECS::TaskDefinition":                    (*deriver).taskDefinition,
	"AWS::EC2::LaunchTemplate":                    (*deriver).launchTemplate,
	"AWS::Lambda::Function":                       (*deriver).function,
	"Custom::VpcRestrictDefaultSG":                (*deriver).restrictDefaultSG,
	RampResourceType:                              (*deriver).ramp,
	"AWS::ECS::Service":                           (*deriver).ecsService,
	"AWS::ApplicationAutoScaling::ScalableTarget": (*deriver).scalableTarget,
}

// covered are the resource types that need no rule of their own, and why.
// A type in neither rules nor covered fails Derive: a new kind of resource
// cannot slip through the proof.
var covered = map[string]string{
	"AWS::CDK::Metadata":                            "CDK's version report: nothing acts on it",
	"AWS::EC2::VPC":                                 "network plumbing: CloudFormation creates it with the deployer's credentials",
	"AWS::EC2::Subnet":                              "network plumbing",
	"AWS::EC2::RouteTable":                          "network plumbing",
	"AWS::EC2::Route":                               "network plumbing",
	"AWS::EC2::SubnetRouteTableAssociation":         "network plumbing",
	"AWS::EC2::InternetGateway":                     "network plumbing",
	"AWS::EC2::VPCGatewayAttachment":                "network plumbing",
	"AWS::EC2::NatGateway":                          "network plumbing",
	"AWS::EC2::EIP":                                 "network plumbing",
	"AWS::EC2::SecurityGroup":                       "network rules, enforced by the VPC, not by IAM",
	"AWS::EC2::SecurityGroupIngress":                "network rules, enforced by the VPC, not by IAM",
	"AWS::EC2::SecurityGroupEgress":                 "network rules, enforced by the VPC, not by IAM",
	"AWS::IAM::Role":                                "proved where a resource names it: its trust policy, and the calls made with it",
	"AWS::IAM::Policy":                              "read as the identity policy of its roles",
	"AWS::IAM::InstanceProfile":                     "proved where a launch template names it",
	"AWS::KMS::Key":                                 "proved where a resource encrypts with it",
	"AWS::S3::BucketPolicy":                         "read as the resource policy of its bucket",
	"AWS::SNS::TopicPolicy":                         "read as the resource policy of its topic",
	"AWS::SNS::Topic":                               "proved where an alarm publishes to it, key included",
	"AWS::SNS::Subscription":                        "SNS delivers to a subscription without an IAM permission",
	"AWS::ECS::Cluster":                             "proved where the container agent registers with it",
	"AWS::ECS::ClusterCapacityProviderAssociations": "ECS's own association, with its service-linked role",
	"AWS::ECS::CapacityProvider":                    "ECS scales the Auto Scaling group with its service-linked role (AWSServiceRoleForECS)",
	"AWS::AutoScaling::AutoScalingGroup":            "EC2 Auto Scaling launches from the launch template with its service-linked role; an encrypted volume's own key is a volume-key path",
	"AWS::ApplicationAutoScaling::ScalingPolicy":    "acts through its scalable target",
	"AWS::CloudWatch::Dashboard":                    "people read it with their own permissions",
	"AWS::ElasticLoadBalancingV2::Listener":         "the load balancer's own routing",
	"AWS::ElasticLoadBalancingV2::ListenerRule":     "the load balancer's own routing",
	"AWS::ElasticLoadBalancingV2::TargetGroup":      "ECS registers targets with its service-linked role (AWSServiceRoleForECS)",
	"AWS::SecretsManager::Secret":                   "proved where a task definition reads it",
	"AWS::SSM::Parameter":                           "proved where a task definition reads it",
	"AWS::Lambda::EventInvokeConfig":                "Lambda's own retry settings for a function's asynchronous invocations: nothing is called",
}

// ref names a resource of the assembly.
type ref struct {
	stack, id string
}

func (r ref) String() string { return r.stack + "/" + r.id }

// named names a resource by its type and its physical id, name or ARN:
// a name is unique only among the resources of one type.
type named struct {
	typ, name string
}

// attachments are the policy resources that apply to a resource of the
// templates: the property that names the resources they apply to, and
// those resources' type (the property holds topic ARNs, a bucket name,
// role names).
var attachments = map[string]struct{ prop, to string }{
	"AWS::SNS::TopicPolicy":   {"Topics", "AWS::SNS::Topic"},
	"AWS::S3::BucketPolicy":   {"Bucket", "AWS::S3::Bucket"},
	"AWS::IAM::Policy":        {"Roles", "AWS::IAM::Role"},
	"AWS::IAM::ManagedPolicy": {"Roles", "AWS::IAM::Role"},
}

// deriver holds what Derive reads once.
type deriver struct {
	asm   *cfn.Assembly
	r     *cfn.Resolver
	env   cfn.Env
	paths []Path
	// byArn finds resources by their ARN, byName by their type and
	// physical id or name.
	byArn  map[string]ref
	byName map[named]ref
	// policies holds the policy resources that CloudFormation creates
	// (attachments), by the type and the ARN or name of the resource each
	// applies to.
	policies map[named][]Policy
	// roles holds the roles read so far, by ARN.
	roles map[string]*role
}

// Derive returns every path between AWS services that the assembly's
// templates rely on when deployed in env, each once, in a stable order.
func Derive(asm *cfn.Assembly, env cfn.Env) ([]Path, error) {
	d := &deriver{asm: asm, r: cfn.NewResolver(asm, env), env: env,
		byArn: map[string]ref{}, byName: map[named]ref{}, policies: map[named][]Policy{}, roles: map[string]*role{}}
	if err := d.index(); err != nil {
		return nil, err
	}
	var errs []string
	for _, at := range d.all() {
		res := d.resource(at)
		rule, ok := rules[res.Type]
		if !ok {
			if _, ok := covered[res.Type]; !ok {
				errs = append(errs, fmt.Sprintf("%s: resource type %s: no rule says which AWS service acts on it (add one to internal/permission)", at, res.Type))
			}
			continue
		}
		holds, err := d.created(at, res)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s (%s): %v", at, res.Type, err))
			continue
		}
		if !holds {
			continue
		}
		if err := rule(d, at, res); err != nil {
			errs = append(errs, fmt.Sprintf("%s (%s): %v", at, res.Type, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return d.paths, nil
}

// all lists every resource, in stack and logical id order.
func (d *deriver) all() []ref {
	var out []ref
	for _, st := range d.asm.Artifacts {
		for _, id := range slices.Sorted(maps.Keys(d.asm.Stacks[st.ID].Resources)) {
			out = append(out, ref{st.ID, id})
		}
	}
	return out
}

func (d *deriver) resource(at ref) *cfn.Resource {
	return d.asm.Stacks[at.stack].Resources[at.id]
}

// created reports whether CloudFormation creates a resource: its Condition,
// if it has one, holds. A condition that cannot be evaluated is an error,
// never a resource left out of the proof.
func (d *deriver) created(at ref, res *cfn.Resource) (bool, error) {
	if res.Condition == "" {
		return true, nil
	}
	holds, err := d.r.Condition(at.stack, res.Condition)
	if err != nil {
		return false, fmt.Errorf("Condition %s: %w", res.Condition, err)
	}
	return holds, nil
}

// index records each resource's ARN and physical id, and each policy
// resource by the resource it applies to.
func (d *deriver) index() error {
	var errs []string
	for _, at := range d.all() {
		res := d.resource(at)
		if id, err := d.r.PhysicalID(at.stack, at.id); err == nil {
			d.byName[named{res.Type, id}] = at
		}
		if arn, err := d.r.Attribute(at.stack, at.id, "Arn"); err == nil {
			d.byArn[strings.TrimSuffix(arn.(string), ":*")] = at
		}
		if err := d.indexPolicy(at, res); err != nil {
			errs = append(errs, fmt.Sprintf("%s (%s): %v", at, res.Type, err))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// indexPolicy records a policy resource (one of attachments) that
// CloudFormation creates under each resource it applies to.
func (d *deriver) indexPolicy(at ref, res *cfn.Resource) error {
	a, ok := attachments[res.Type]
	if !ok {
		return nil
	}
	if holds, err := d.created(at, res); err != nil || !holds {
		return err
	}
	targets, err := d.r.Strings(at.stack, res.Properties[a.prop])
	if err != nil {
		return fmt.Errorf("%s: %w", a.prop, err)
	}
	if len(targets) == 0 {
		return nil
	}
	doc, err := d.document(at, res.Properties["PolicyDocument"])
	if err != nil {
		return fmt.Errorf("PolicyDocument: %w", err)
	}
	for _, target := range slices.Compact(slices.Sorted(slices.Values(targets))) {
		k := named{a.to, target}
		d.policies[k] = append(d.policies[k], Policy{Source: at.String(), Document: doc})
	}
	return nil
}

// resourcePolicy returns the policy of a resource of the templates, at,
// from the one policy resource that applies to it by target (its ARN or
// name); nil when none does. Two or more are an error: each replaces the
// resource's policy, and only the last one CloudFormation applies holds.
func (d *deriver) resourcePolicy(at ref, target string) (*Policy, error) {
	found := d.policies[named{d.resource(at).Type, target}]
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	var sources []string
	for _, p := range found {
		sources = append(sources, p.Source)
	}
	return nil, fmt.Errorf("%s %s has %d policies (%s), and only one applies", d.resource(at).Type, at, len(found), strings.Join(sources, ", "))
}

// add records a path. Paths that make the same call on the same policies
// for different resources are all kept, each with its own What:
// Evaluate decides them once.
func (d *deriver) add(p Path) {
	if p.Request.ResourceAccount == "" {
		p.Request.ResourceAccount = d.env.Account
	}
	if p.Request.Context == nil {
		p.Request.Context = map[string]any{}
	}
	d.paths = append(d.paths, p)
}

// prop resolves a property of a resource.
func (d *deriver) prop(at ref, res *cfn.Resource, name string) (any, error) {
	return d.r.Resolve(at.stack, res.Properties[name])
}

// str resolves a string property of a resource, "" when it is unset.
func (d *deriver) str(at ref, res *cfn.Resource, name string) (string, error) {
	if res.Properties[name] == nil {
		return "", nil
	}
	return d.r.String(at.stack, res.Properties[name])
}

// arn returns a resource's ARN.
func (d *deriver) arn(at ref) (string, error) {
	v, err := d.r.Attribute(at.stack, at.id, "Arn")
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// document resolves a policy document of a resource.
func (d *deriver) document(at ref, v any) (map[string]any, error) {
	out, err := d.r.Resolve(at.stack, v)
	if err != nil {
		return nil, err
	}
	doc, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy document %v is not an object", out)
	}
	return normalize(doc), nil
}

// normalize round-trips a document through JSON so that every value is a
// plain JSON value.
func normalize(doc map[string]any) map[string]any {
	b, _ := json.Marshal(doc)
	var out map[string]any
	json.Unmarshal(b, &out) //nolint:errcheck // it was just marshalled
	return out
}

// accountOf returns the account field of an ARN, "" for an ARN without
// one (S3).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
