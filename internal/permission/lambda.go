package permission

import (
	"fmt"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// function finds the paths of a Lambda function: Lambda assuming its
// execution role, and the role writing the function's logs.
func (d *deriver) function(at ref, res *cfn.Resource) error {
	roleArn, err := d.str(at, res, "Role")
	if err != nil {
		return err
	}
	r, err := d.role(roleArn)
	if err != nil {
		return err
	}
	name, err := d.r.Name(at.stack, at.id)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("function %s runs with role %s", at, r.at)
	d.assume(r, "lambda.amazonaws.com", what, docLambdaRole, nil)
	group := "/aws/lambda/" + name
	if res.Properties["LoggingConfig"] != nil {
		v, err := d.prop(at, res, "LoggingConfig")
		if err != nil {
			return err
		}
		if g, ok := v.(map[string]any)["LogGroup"].(string); ok {
			group = g
		}
	}
	groupArn := d.env.ARN("logs", "log-group:"+group)
	stream := groupArn + ":log-stream:2026/12/06/[$LATEST]0123456789abcdef0123456789abcdef"
	for _, call := range []Request{
		{Action: "logs:CreateLogStream", Resource: stream},
		{Action: "logs:PutLogEvents", Resource: stream},
	} {
		call.Principal = r.arn
		d.add(Path{Kind: FunctionRole, What: what + " and writes its logs", Request: call, IdentityPolicies: r.policies, Doc: docLambdaRole})
	}
	return nil
}

// restrictDefaultSG finds the calls of the function behind CDK's
// Custom::VpcRestrictDefaultSG: it revokes the default security group's
// rules when created and authorizes them again when deleted.
func (d *deriver) restrictDefaultSG(at ref, res *cfn.Resource) error {
	_, r, err := d.customResourceFunction(at, res)
	if err != nil {
		return err
	}
	sg, err := d.str(at, res, "DefaultSecurityGroupId")
	if err != nil {
		return err
	}
	sgArn := d.env.ARN("ec2", "security-group/"+sg)
	for _, action := range []string{"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
		"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"} {
		d.add(Path{
			Kind:             FunctionRole,
			What:             fmt.Sprintf("custom resource %s restricts the VPC's default security group", at),
			Request:          Request{Principal: r.arn, Action: action, Resource: sgArn},
			IdentityPolicies: r.policies,
			Doc:              docRestrictDefaultSG,
		})
	}
	return nil
}
