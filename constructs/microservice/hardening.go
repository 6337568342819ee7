package microservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// noCapabilities drops every Linux capability of the container: a service
// that listens on an unprivileged port as a non-root user needs none.
func noCapabilities(s *Service) awsecs.LinuxParameters {
	lp := awsecs.NewLinuxParameters(s, jsii.String("LinuxParameters"), nil)
	lp.DropCapabilities(awsecs.Capability_ALL)
	return lp
}

// suppressNagFindings records, on the one resource each concerns, the
// cdk-nag AwsSolutions findings a service accepts and why. They live here,
// with the resources, so that every app using the construct inherits them.
func suppressNagFindings(s *Service) {
	cdknag.NagSuppressions_AddResourceSuppressions(s.TaskDefinition, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-ECS2"),
		Reason: jsii.String("The environment holds PORT and Props.Environment, which is documented as plain configuration; " +
			"secrets go in Props.Secrets, which ECS injects from Secrets Manager or SSM Parameter Store at task start."),
	}}, jsii.Bool(false))
	cdknag.NagSuppressions_AddResourceSuppressions(s.TaskDefinition.ExecutionRole(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ecr:GetAuthorizationToken has no resource-level permissions (Resource *); every other " +
			"action of the execution role is scoped to the service's image repository, log group and secrets."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
}
