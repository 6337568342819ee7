package albemu

import (
	"time"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// Service is an AWS::ECS::Service with its task definition's containers.
type Service struct {
	// ID is the service resource.
	ID ResourceID
	// DesiredCount is the number of tasks; 1 when the template does not
	// set it.
	DesiredCount int
	// HealthCheckGracePeriod is how long ECS ignores a new task's failing
	// load balancer health checks (HealthCheckGracePeriodSeconds); 0 when
	// the template does not set it.
	HealthCheckGracePeriod time.Duration
	// Containers are the task definition's containers.
	Containers []*Container
}

// Container is one container definition of a task definition.
type Container struct {
	// Name is the container's name, unique in its task definition.
	Name string
	// Env is the container's environment (Environment).
	Env map[string]string
	// Secrets are the names of the environment variables that ECS fills
	// from Secrets Manager or SSM Parameter Store (Secrets), sorted. The
	// emulator cannot read them.
	Secrets []string
	// PortMappings are the container ports it exposes.
	PortMappings []int
	// Image is the image the container runs.
	Image Image
}

// Image is the image of a container definition.
type Image struct {
	// Asset is the Docker image asset of the assembly that the image is
	// built from, or nil when it is not one (such as an image of a
	// registry).
	Asset *ImageAsset
	// Name is the template's Image: the literal, such as "nginx:1.27", or
	// the JSON of the expression that builds it (an asset's or an ECR
	// repository's URI is an Fn::Join).
	Name string
}

// String names the image: its asset hash, or Name.
func (i Image) String() string {
	if i.Asset != nil {
		return "image asset " + i.Asset.Hash
	}
	return "image " + i.Name
}

// ImageAsset is a Docker image asset of the assembly: what `cdk deploy`
// would build with docker build.
type ImageAsset = cfn.ImageAsset

// pseudoParameters are the values the emulation gives CloudFormation's
// pseudo parameters where a container's environment refers to them (CDK
// sets AWS_REGION to {"Ref": "AWS::Region"} on EC2 awsvpc tasks). There is
// no account or region here: they are stand-ins.
var pseudoParameters = map[string]string{
	"AWS::Region":    "local",
	"AWS::AccountId": "000000000000",
	"AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com",
}
