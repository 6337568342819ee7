package permission

import (
	"fmt"
	"strings"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// RampResourceType is the CloudFormation type of the migration's ramp
// (constructs/migration.RampResourceType; this package does not import the
// constructs).
const RampResourceType = "Custom::EcsplitRamp"

// customResourceFunction returns the function and its role behind a custom
// resource's ServiceToken, which must be a function of the templates, and
// adds CloudFormation's invocation of it: CloudFormation invokes the
// function with the stack's execution role (CDK's bootstrap role, which the
// manifest names), or with the deployer's credentials when there is none.
// That caller's policies are not in the templates, so the path is Outside:
// its policy must allow lambda:InvokeFunction on the function.
func (d *deriver) customResourceFunction(at ref, res *cfn.Resource) (fnArn string, r *role, err error) {
	token, err := d.str(at, res, "ServiceToken")
	if err != nil {
		return "", nil, err
	}
	fn, ok := d.byArn[token]
	if !ok || d.resource(fn).Type != "AWS::Lambda::Function" {
		return "", nil, fmt.Errorf("ServiceToken %s is not a function of the templates", token)
	}
	roleArn, err := d.str(fn, d.resource(fn), "Role")
	if err != nil {
		return "", nil, err
	}
	if r, err = d.role(roleArn); err != nil {
		return "", nil, err
	}
	caller, outside := d.executionRole(at.stack)
	d.add(Path{
		Kind:    CustomResource,
		What:    fmt.Sprintf("CloudFormation creates, updates and deletes custom resource %s through function %s", at, fn),
		Request: Request{Principal: caller, Action: "lambda:InvokeFunction", Resource: token, ResourceAccount: accountOf(token)},
		Doc:     docCustomResource,
		Outside: outside,
	})
	return token, r, nil
}

// executionRole returns the principal with which CloudFormation acts on a
// stack (its execution role, or the account for the deployer's
// credentials), and the Outside text that names it.
func (d *deriver) executionRole(stack string) (principal, outside string) {
	for _, st := range d.asm.Artifacts {
		if st.ID != stack || st.ExecutionRole == "" {
			continue
		}
		arn := strings.NewReplacer("${AWS::Partition}", d.env.Partition, "${AWS::AccountId}", d.env.Account,
			"${AWS::Region}", d.env.Region).Replace(st.ExecutionRole)
		return arn, fmt.Sprintf("the policy of stack %s's execution role %s (the CDK bootstrap's execution policies; "+
			"its default, AdministratorAccess, allows the invocation)", st.Name, arn)
	}
	account := fmt.Sprintf("arn:%s:iam::%s:root", d.env.Partition, d.env.Account)
	return account, fmt.Sprintf("the policy of the credentials that deploy stack %s", stack)
}

// ramp finds the calls of the migration's ramp (constructs/migration,
// Custom::EcsplitRamp): CloudFormation invoking its function, and the
// function, with its role, reading the listener's rules and changing the
// weighted rule at the ramp's priority, reading each alarm that judges a
// bake, reading its own stack (to tell a rollback) and invoking itself
// asynchronously to go on. Lambda assuming the role and writing the
// function's logs, and CloudWatch Logs using the log group's key, are
// the function's and the log group's own paths.
func (d *deriver) ramp(at ref, res *cfn.Resource) error {
	fnArn, r, err := d.customResourceFunction(at, res)
	if err != nil {
		return err
	}
	listener, err := d.str(at, res, "ListenerArn")
	if err != nil {
		return err
	}
	priority, err := d.str(at, res, "Priority")
	if err != nil {
		return err
	}
	rule, err := d.listenerRule(listener, priority)
	if err != nil {
		return err
	}
	alarms, err := d.r.Strings(at.stack, res.Properties["AlarmNames"])
	if err != nil {
		return fmt.Errorf("AlarmNames: %w", err)
	}
	if len(alarms) == 0 {
		return fmt.Errorf("AlarmNames is empty: the ramp reads at least one alarm")
	}
	stackID, err := d.r.Resolve(at.stack, map[string]any{"Ref": "AWS::StackId"})
	if err != nil {
		return err
	}
	service, _ := d.str(at, res, "Service")
	calls := []Request{
		{Action: "elasticloadbalancing:DescribeRules", Resource: "*"},
		{Action: "elasticloadbalancing:ModifyRule", Resource: rule},
	}
	for _, name := range alarms {
		calls = append(calls, Request{Action: "cloudwatch:DescribeAlarms", Resource: d.env.ARN("cloudwatch", "alarm:"+name)})
	}
	calls = append(calls,
		Request{Action: "cloudformation:DescribeStacks", Resource: stackID.(string)},
		Request{Action: "lambda:InvokeFunction", Resource: fnArn},
	)
	for _, call := range calls {
		call.Principal = r.arn
		d.add(Path{
			Kind:             FunctionRole,
			What:             fmt.Sprintf("ramp %s moves service %q's share of its listener rule (priority %s)", at, service, priority),
			Request:          call,
			IdentityPolicies: r.policies,
			Doc:              docRamp,
		})
	}
	return nil
}

// listenerRule returns the ARN of the one listener rule of the templates on
// listener at priority: the rule the ramp finds and changes.
func (d *deriver) listenerRule(listener, priority string) (string, error) {
	var found []string
	for _, at := range d.all() {
		res := d.resource(at)
		if res.Type != "AWS::ElasticLoadBalancingV2::ListenerRule" {
			continue
		}
		l, err := d.str(at, res, "ListenerArn")
		if err != nil {
			return "", fmt.Errorf("%s: ListenerArn: %w", at, err)
		}
		p, err := d.prop(at, res, "Priority")
		if err != nil {
			return "", fmt.Errorf("%s: Priority: %w", at, err)
		}
		if l != listener || fmt.Sprint(p) != priority {
			continue
		}
		arn, err := d.arn(at)
		if err != nil {
			return "", err
		}
		found = append(found, arn)
	}
	if len(found) != 1 {
		return "", fmt.Errorf("want one listener rule at priority %s of listener %s in the templates, got %d", priority, listener, len(found))
	}
	return found[0], nil
}
