package cluster

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
)

// Instance architectures, as ECS names them (microservice.X86_64 and
// ARM64).
const (
	archX86 = "X86_64"
	archARM = "ARM64"
)

// gravitonRE matches the instance families of AWS Graviton (Arm)
// processors: a "g" after the generation digit, such as c7g, m6gd, c6gn,
// t4g; not g4dn (a GPU family on x86).
var gravitonRE = regexp.MustCompile(`^[a-z]+[0-9]+[a-z]*g[a-z]*(-[a-z]+)?\.`)

// instanceArchitecture returns the CPU architecture of an instance type.
func instanceArchitecture(instanceType string) string {
	if gravitonRE.MatchString(instanceType) {
		return archARM
	}
	return archX86
}

// architecture returns the architecture of the capacity's instance types
// (validate makes sure they share one).
func (e *EC2Capacity) architecture() string {
	return instanceArchitecture(e.InstanceType)
}

// amiHardware returns the ECS-optimized AMI variant for an architecture.
func amiHardware(arch string) awsecs.AmiHardwareType {
	if arch == archARM {
		return awsecs.AmiHardwareType_ARM
	}
	return awsecs.AmiHardwareType_STANDARD
}

// Architecture returns the CPU architecture of the cluster's EC2 capacity
// ("X86_64" or "ARM64", as ECS names them), "" on a Fargate-only cluster.
func (c *Cluster) Architecture() string {
	if c.ec2 == nil {
		return ""
	}
	return c.ec2.architecture()
}
