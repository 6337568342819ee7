package microservice

import (
	"net/url"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// importListener returns the listener as the stack of scope sees it: the
// same listener (its ARN) and its load balancer's security groups, imported
// as immutable, once per stack. The service's rules and target group attach
// to it, and its tasks admit those security groups, so that nothing in the
// load balancer's stack is changed or called: otherwise the CDK would add
// egress rules to the load balancer's security group (in this stack, on top
// of CloudFormation's default egress to anywhere) and record every call in
// the load balancer's stack's CDKMetadata, so that its template would change
// with each service. The load balancer's own stack opens its egress
// (alb.Props.TargetPorts).
//
// The imports are named after the constructs they stand for, so that every
// service in a stack shares them (CDK then writes an ingress rule once per
// service and port), and the security groups' imports after the groups, not
// the listener: switching a service to another listener of the same load
// balancer (HTTPS turned on) keeps its ingress rules, which EC2 would
// otherwise refuse to create again beside the old ones.
func importListener(scope constructs.Construct, listener elbv2.IApplicationListener) (elbv2.IApplicationListener, []awsec2.ISecurityGroup) {
	stack := awscdk.Stack_Of(scope)
	sgs := *listener.Connections().SecurityGroups()
	if len(sgs) == 0 {
		return listener, nil
	}
	var imported []awsec2.ISecurityGroup
	for _, sg := range sgs {
		id := "EcsplitImport" + pathID(sg)
		imported = append(imported, once(stack, id, func() awsec2.ISecurityGroup {
			return awsec2.SecurityGroup_FromSecurityGroupId(stack, &id, sg.SecurityGroupId(), &awsec2.SecurityGroupImportOptions{
				Mutable:          jsii.Bool(false),
				AllowAllOutbound: jsii.Bool(true),
			})
		}))
	}
	id := "EcsplitImport" + pathID(listener)
	return once(stack, id, func() elbv2.IApplicationListener {
		return elbv2.ApplicationListener_FromApplicationListenerAttributes(stack, &id, &elbv2.ApplicationListenerAttributes{
			ListenerArn:   listener.ListenerArn(),
			SecurityGroup: imported[0],
		})
	}), imported
}

// once returns the construct that make made with id in stack, calling make
// the first time only: later calls find it in the stack (a child found with
// TryFindChild comes back as a plain construct, which UnsafeCast turns
// back into the interface it implements). The construct tree holds it: no
// state outlives the app.
func once[T any](stack awscdk.Stack, id string, make func() T) T {
	if c := stack.Node().TryFindChild(&id); c != nil {
		var t T
		jsii.UnsafeCast(c, &t)
		return t
	}
	return make()
}

// pathID turns a construct's path into a construct id.
func pathID(c constructs.IConstruct) string {
	return url.PathEscape(strings.ReplaceAll(*c.Node().Path(), "/", "-"))
}
