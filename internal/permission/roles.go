package permission

import (
	"fmt"
	"strings"
)

// role is a role of the assembly: where it is, its ARN, its trust policy
// and its identity policies.
type role struct {
	at       ref
	arn      string
	trust    *Policy
	policies []Policy
}

// awsManagedPolicies holds the documents of the AWS managed policies that
// the templates attach, as the AWS Managed Policy Reference gives them
// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/).
// Another managed policy is an error: its document is not known here.
var awsManagedPolicies = map[string]map[string]any{
	// AWSLambdaBasicExecutionRole, version 1 (CDK's custom resource
	// providers attach it).
	"service-role/AWSLambdaBasicExecutionRole": {
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": "*",
		}},
	},
}

// role finds the role of the assembly with ARN arn, reading it the first
// time only.
func (d *deriver) role(arn string) (*role, error) {
	if r, ok := d.roles[arn]; ok {
		return r, nil
	}
	at, ok := d.byArn[arn]
	if !ok || d.resource(at).Type != "AWS::IAM::Role" {
		return nil, fmt.Errorf("role %s is not in the templates, and no rule covers a role from elsewhere", arn)
	}
	res := d.resource(at)
	trust, err := d.document(at, res.Properties["AssumeRolePolicyDocument"])
	if err != nil {
		return nil, fmt.Errorf("%s: AssumeRolePolicyDocument: %w", at, err)
	}
	if res.Properties["PermissionsBoundary"] != nil {
		return nil, fmt.Errorf("%s: a permissions boundary is not modelled", at)
	}
	r := &role{at: at, arn: arn, trust: &Policy{Source: at.String(), Document: trust}}
	if err := d.identityPolicies(r); err != nil {
		return nil, err
	}
	d.roles[arn] = r
	return r, nil
}

// identityPolicies collects a role's policies: its inline Policies, the
// AWS::IAM::Policy resources that name it, and its managed policies.
func (d *deriver) identityPolicies(r *role) error {
	res := d.resource(r.at)
	name, err := d.r.PhysicalID(r.at.stack, r.at.id)
	if err != nil {
		return err
	}
	if res.Properties["Policies"] != nil {
		inline, err := d.r.Resolve(r.at.stack, res.Properties["Policies"])
		if err != nil {
			return fmt.Errorf("%s: Policies: %w", r.at, err)
		}
		for _, p := range inline.([]any) {
			m := p.(map[string]any)
			doc, _ := m["PolicyDocument"].(map[string]any)
			r.policies = append(r.policies, Policy{Source: fmt.Sprintf("%s inline %v", r.at, m["PolicyName"]), Document: normalize(doc)})
		}
	}
	r.policies = append(r.policies, d.policies[named{"AWS::IAM::Role", name}]...)
	if res.Properties["ManagedPolicyArns"] == nil {
		return nil
	}
	managed, err := d.r.Strings(r.at.stack, res.Properties["ManagedPolicyArns"])
	if err != nil {
		return fmt.Errorf("%s: ManagedPolicyArns: %w", r.at, err)
	}
	for _, arn := range managed {
		prefix := fmt.Sprintf("arn:%s:iam::aws:policy/", d.env.Partition)
		doc, ok := awsManagedPolicies[strings.TrimPrefix(arn, prefix)]
		if !strings.HasPrefix(arn, prefix) || !ok {
			return fmt.Errorf("%s: managed policy %s: its document is not known to internal/permission", r.at, arn)
		}
		r.policies = append(r.policies, Policy{Source: "AWS managed policy " + strings.TrimPrefix(arn, prefix), Document: doc})
	}
	return nil
}

// assume adds the path of a service assuming a role, decided by the role's
// trust policy.
func (d *deriver) assume(r *role, service, what, doc string, context map[string]any) {
	d.add(Path{
		Kind: RoleTrust,
		What: what,
		Request: Request{
			Principal: service,
			Action:    "sts:AssumeRole",
			Resource:  r.arn,
			Context:   context,
		},
		ResourcePolicy: r.trust,
		Doc:            doc,
	})
}
