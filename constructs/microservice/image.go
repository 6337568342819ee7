package microservice

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

// Architecture is a task's CPU architecture.
type Architecture string

// Architectures.
const (
	// X86_64 is 64-bit x86 (Intel and AMD).
	X86_64 Architecture = "X86_64"
	// ARM64 is 64-bit Arm (AWS Graviton).
	ARM64 Architecture = "ARM64"
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
// (relative to the directory): ImageFromDirectoryWith with only those
// options. A missing directory or Dockerfile is a problem of the service
// that takes the image (see ImageFromDirectoryWith).
func ImageFromDirectory(directory, dockerfile string, arch Architecture) awsecs.ContainerImage {
	return ImageFromDirectoryWith(directory, ImageOptions{Dockerfile: dockerfile, Architecture: arch})
}

// DefaultDockerfile is the Dockerfile of an image directory when
// ImageOptions.Dockerfile is unset (Docker's own default).
const DefaultDockerfile = "Dockerfile"

// ImageOptions are the build options of an image that ImageFromDirectoryWith
// builds from a directory.
type ImageOptions struct {
	// Dockerfile is the Dockerfile, relative to the directory.
	// Default: DefaultDockerfile.
	Dockerfile string
	// Architecture is the CPU architecture the image is built for: its
	// Docker platform is linux/amd64 for X86_64 and linux/arm64 for ARM64.
	// It must be the service's Props.Architecture. Default: X86_64.
	Architecture Architecture
	// Exclude are patterns of paths in the directory, in .dockerignore
	// syntax (such as "node_modules", "**/*.log" or "!keep.log"), that the
	// asset leaves out: they neither reach the build nor count in the
	// asset's hash, so that, for example, whether someone ran npm install
	// changes neither the image nor whether it is rebuilt. They come after
	// the patterns of the directory's own .dockerignore, which the CDK
	// reads as Docker does; the Dockerfile and .dockerignore are kept
	// whatever the patterns. Default: none, so that what the directory's
	// .dockerignore says is all that is left out, as with docker build:
	// ecsplit cannot know what a build needs (a node_modules may be the
	// point of the build context).
	Exclude []string
	// BuildArgs are build-time variables (docker build --build-arg
	// NAME=VALUE), which count in the asset's hash. Neither names nor
	// values may hold a token: the image is built before deployment.
	// Default: none.
	BuildArgs map[string]string
	// Target is the stage of a multi-stage Dockerfile to build
	// (docker build --target). Default: "" (the last stage).
	Target string
}

// ImageFromDirectoryWith returns a container image that `cdk deploy` builds
// from a Docker build context directory, with opts. When the directory or
// the Dockerfile is missing, or an option is invalid, the image carries the
// problems, each naming the option and the value, and the microservice
// that takes it as Props.Image reports them as its own, on its Image prop,
// an error annotation each (an image has no construct to report on); such
// an image is for a microservice only.
func ImageFromDirectoryWith(directory string, opts ImageOptions) awsecs.ContainerImage {
	v := &invalidImage{}
	dockerfile := opts.Dockerfile
	if dockerfile == "" {
		dockerfile = DefaultDockerfile
	}
	if _, err := os.Stat(filepath.Join(directory, dockerfile)); err != nil {
		abs, _ := filepath.Abs(directory)
		v.Fail("Image", "no Dockerfile %q in image directory %q (%s): %v", dockerfile, directory, abs, err)
	}
	arch := opts.Architecture
	if arch == "" {
		arch = X86_64
	}
	if arch != X86_64 && arch != ARM64 {
		v.Fail("Image", "architecture must be %s or %s, got %q", X86_64, ARM64, arch)
	}
	props := &awsecs.AssetImageProps{
		File:     jsii.String(dockerfile),
		Platform: arch.platform(),
	}
	for _, pattern := range opts.Exclude {
		if strings.TrimSpace(pattern) == "" || pattern == "!" {
			v.Fail("Image", "Exclude patterns must name paths (.dockerignore syntax), got %q", pattern)
		}
	}
	if len(opts.Exclude) > 0 {
		props.Exclude = jsii.Strings(opts.Exclude...)
	}
	if len(opts.BuildArgs) > 0 {
		args := map[string]*string{}
		for _, name := range slices.Sorted(maps.Keys(opts.BuildArgs)) {
			value := opts.BuildArgs[name]
			if !buildArgNameRE.MatchString(name) {
				v.Fail("Image", "BuildArgs names must be letters, digits and '_', not beginning with a digit, got %q", name)
			}
			if invalid.Unresolved(value) {
				v.Fail("Image", "BuildArgs %s must not hold a token: the image is built before deployment, got %q", name, value)
			}
			args[name] = jsii.String(value)
		}
		props.BuildArgs = &args
	}
	if opts.Target != "" {
		if strings.ContainsAny(opts.Target, " \t\n") {
			v.Fail("Image", "Target must name a stage of the Dockerfile, got %q", opts.Target)
		}
		props.Target = jsii.String(opts.Target)
	}
	if len(v.problems) > 0 {
		return v
	}
	return awsecs.ContainerImage_FromAsset(jsii.String(directory), props)
}

// invalidImage is the image that ImageFromDirectoryWith or ImageFromECR
// returns for input it refuses: no image, only the problems, which the
// microservice that takes it reports (Problems). It satisfies
// awsecs.ContainerImage so that it fits Props.Image; it is never bound,
// because a service with a problem builds nothing.
type invalidImage struct {
	awsecs.ContainerImage
	problems []imageProblem
}

// imageProblem is a problem of an image's input: the prop of the service
// it is reported on, and what is wrong.
type imageProblem struct{ prop, msg string }

// Fail records a problem of prop, as invalid.Construct.Fail does.
func (i *invalidImage) Fail(prop, format string, args ...any) {
	i.problems = append(i.problems, imageProblem{prop, fmt.Sprintf(format, args...)})
}

// imageProblems returns the problems that image carries: none unless
// ImageFromDirectoryWith or ImageFromECR refused their input.
func imageProblems(image awsecs.ContainerImage) []imageProblem {
	if i, ok := image.(*invalidImage); ok {
		return i.problems
	}
	return nil
}

// buildArgNameRE matches a build argument's name as a Dockerfile's ARG
// takes it: a shell variable name.
var buildArgNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ImageFromECR returns a container image taken from an existing ECR
// repository, by repository name and tag, imported into scope as id. The
// task's execution role gets pull access to that repository only. An empty
// name or tag is a problem of the service that takes the image, as with
// ImageFromDirectoryWith.
func ImageFromECR(scope constructs.Construct, id, repositoryName, tag string) awsecs.ContainerImage {
	if repositoryName == "" || tag == "" {
		v := &invalidImage{}
		v.Fail("Image", "an ECR image needs a repository name and a tag, got %q and %q", repositoryName, tag)
		return v
	}
	repo := awsecr.Repository_FromRepositoryName(scope, jsii.String(id), jsii.String(repositoryName))
	return awsecs.ContainerImage_FromEcrRepository(repo, jsii.String(tag))
}
