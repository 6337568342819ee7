package stacks

import (
	"path/filepath"

	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// The forum's migration table: the monolith, which serves the whole API,
// and the services extracted from it, in order, each with the path patterns
// it takes over. Everything else about them is microservice's defaults.
// Each one's image is built from NAME/Dockerfile in the services directory.
var (
	// ForumMonolith is the forum monolith: every API path.
	ForumMonolith = ForumService{Name: "monolith", Paths: []string{"/api", "/api/*"}}
	// ForumServices are the services extracted from the monolith, in
	// extraction order.
	ForumServices = []ForumService{
		{Name: "users", Paths: []string{"/api/users", "/api/users/*"}},
		{Name: "threads", Paths: []string{"/api/threads", "/api/threads/*"}},
		{Name: "posts", Paths: []string{"/api/posts", "/api/posts/*"}},
	}
)

// ForumService is one row of the forum's table.
type ForumService struct {
	// Name names the service and its image directory.
	Name string
	// Paths are the ALB path patterns it serves.
	Paths []string
}

// forumShutdownTimeout is how long a forum service finishes in-flight
// requests after SIGTERM (its SHUTDOWN_TIMEOUT; services/README.md). The
// template carries it, so that the rollout invariants (deregistration
// delay >= shutdown < stop timeout) are checked from the template.
const forumShutdownTimeout = "10s"

// forumRequestsPerTask is the forum services' request-count scaling target,
// per task and minute, sized from their measured throughput: the monolith
// spends 13.5 µs of CPU per request (services/README.md, Performance,
// logs through a pipe as on ECS), so a 0.25 vCPU task serves about 18,500
// requests/s at full CPU; at the CPU policy's 60 % that is about 11,000/s,
// rounded down to 10,000/s. (The old default of 1,000 a minute, 17/s,
// drove every service to its maximum at about 170 requests/s.)
const forumRequestsPerTask = 10000 * 60

// props returns the service's microservice props, its image built from
// dir/NAME/Dockerfile.
func (f ForumService) props(dir string) microservice.Props {
	return microservice.Props{
		Name:              f.Name,
		Paths:             f.Paths,
		Image:             microservice.ImageFromDirectory(dir, filepath.Join(f.Name, "Dockerfile"), microservice.X86_64),
		Environment:       map[string]string{"SHUTDOWN_TIMEOUT": forumShutdownTimeout},
		RequestsPerTarget: forumRequestsPerTask,
	}
}

// ForumServiceNames returns the names of ForumServices, in order.
func ForumServiceNames() []string {
	var names []string
	for _, s := range ForumServices {
		names = append(names, s.Name)
	}
	return names
}

// forumPlan returns the forum's migration plan: the monolith's props and
// each extracted service's, their images built from dir.
func forumPlan(dir string) (microservice.Props, []microservice.Props) {
	var services []microservice.Props
	for _, f := range ForumServices {
		services = append(services, f.props(dir))
	}
	return ForumMonolith.props(dir), services
}
