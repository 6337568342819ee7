package cluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
)

// addVpcEndpoints adds the endpoints tasks need to start without a NAT
// gateway: S3 (a gateway endpoint: ECR stores image layers there), ECR's
// API and registry, CloudWatch Logs, and with EC2 capacity the ECS agent's
// three endpoints. Each interface endpoint is in the private subnets with
// private DNS, open to the VPC on 443 (CDK's default security group).
func (c *Cluster) addVpcEndpoints(ec2 bool) {
	private := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	c.Vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*awsec2.SubnetSelection{private},
	})
	type endpoint struct {
		id      string
		service awsec2.InterfaceVpcEndpointAwsService
	}
	endpoints := []endpoint{
		{"EcrApiEndpoint", awsec2.InterfaceVpcEndpointAwsService_ECR()},
		{"EcrEndpoint", awsec2.InterfaceVpcEndpointAwsService_ECR_DOCKER()},
		{"LogsEndpoint", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS()},
	}
	if ec2 {
		endpoints = append(endpoints,
			endpoint{"EcsEndpoint", awsec2.InterfaceVpcEndpointAwsService_ECS()},
			endpoint{"EcsAgentEndpoint", awsec2.InterfaceVpcEndpointAwsService_ECS_AGENT()},
			endpoint{"EcsTelemetryEndpoint", awsec2.InterfaceVpcEndpointAwsService_ECS_TELEMETRY()})
	}
	for _, e := range endpoints {
		ep := c.Vpc.AddInterfaceEndpoint(jsii.String(e.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           e.service,
			Subnets:           private,
			PrivateDnsEnabled: jsii.Bool(true),
		})
		for _, sg := range *ep.Connections().SecurityGroups() {
			suppress.On(sg, suppress.Rule{
				ID: "CdkNagValidationFailure",
				Reason: "AwsSolutions-EC23 cannot evaluate the ingress source, the VPC's CIDR block (a Fn::GetAtt): " +
					"the endpoint admits HTTPS from inside the VPC only.",
				AppliesTo: []string{"AwsSolutions-EC23"},
			})
		}
	}
}
