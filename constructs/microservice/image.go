package microservice

import (
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/internal/registry"
)

// Architecture is a task's CPU architecture.
type Architecture string

// Architectures.
const (
	// X86_64 is 64-bit x86 (Intel and AMD).
	X86_64 Architecture = registry.X86_64
	// ARM64 is 64-bit Arm (AWS Graviton).
	ARM64 Architecture = registry.ARM64
)

// cpu returns the architecture as ECS's runtime platform names it.
func (a Architecture) cpu() awsecs.CpuArchitecture {
	if a == ARM64 {
		return awsecs.CpuArchitecture_ARM64()
	}
	return awsecs.CpuArchitecture_X86_64()
}

// platform returns the Docker platform that builds images for a.
func (a Architecture) platform() awsecrassets.Platform {
	if a == ARM64 {
		return awsecrassets.Platform_LINUX_ARM64()
	}
	return awsecrassets.Platform_LINUX_AMD64()
}

// ImageFromDirectory returns a container image that `cdk deploy` builds for
// arch from a Docker build context directory and a Dockerfile inside it
// (relative to the directory). It panics at synth time, naming the construct
// id, when the directory or the Dockerfile is missing.
func ImageFromDirectory(id, directory, dockerfile string, arch Architecture) awsecs.ContainerImage {
	if _, err := os.Stat(filepath.Join(directory, dockerfile)); err != nil {
		abs, _ := filepath.Abs(directory)
		invalid.Construct{Kind: "microservice", ID: id}.Fail("Image", "no Dockerfile %q in image directory %q (%s): %v", dockerfile, directory, abs, err)
	}
	if arch != X86_64 && arch != ARM64 {
		invalid.Construct{Kind: "microservice", ID: id}.Fail("Image", "architecture must be %s or %s, got %q", X86_64, ARM64, arch)
	}
	return awsecs.ContainerImage_FromAsset(jsii.String(directory), &awsecs.AssetImageProps{
		File:     jsii.String(dockerfile),
		Platform: arch.platform(),
	})
}

// ImageFromECR returns a container image taken from an existing ECR
// repository, by repository name and tag. The task's execution role gets
// pull access to that repository only. It panics when name or tag is empty.
func ImageFromECR(scope constructs.Construct, id, repositoryName, tag string) awsecs.ContainerImage {
	if repositoryName == "" || tag == "" {
		invalid.Construct{Kind: "microservice", ID: id}.Fail("Image", "an ECR image needs a repository name and a tag, got %q and %q", repositoryName, tag)
	}
	repo := awsecr.Repository_FromRepositoryName(scope, jsii.String(id), jsii.String(repositoryName))
	return awsecs.ContainerImage_FromEcrRepository(repo, jsii.String(tag))
}
