package microservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
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
	suppress.On(s.TaskDefinition, suppress.Rule{
		ID: "AwsSolutions-ECS2",
		Reason: "The environment holds PORT and Props.Environment, which is documented as plain configuration; " +
			"secrets go in Props.Secrets, which ECS injects from Secrets Manager or SSM Parameter Store at task start.",
	})
	suppress.OnTree(s.TaskDefinition.ExecutionRole(), suppress.Rule{
		ID: "AwsSolutions-IAM5",
		Reason: "ecr:GetAuthorizationToken has no resource-level permissions (Resource *); every other " +
			"action of the execution role is scoped to the service's image repository, log group and secrets.",
		AppliesTo: []string{"Resource::*"},
	})
}
