package stacks

import (
	"fmt"
)

// Stage is a point on the way from the monolith to the microservices.
type Stage string

// The two ends of the migration.
const (
	// Monolith runs one service that owns every API path.
	Monolith Stage = "monolith"
	// Split runs users, threads and posts, each owning its own paths; the
	// monolith is gone.
	Split Stage = "split"
)

// Route is one row of the path-ownership table: the ECS service that owns
// a set of ALB path patterns.
type Route struct {
	// Service is the service's name; its image is built from the Dockerfile
	// SERVICE/Dockerfile in the services directory.
	Service string
	// Paths are the ALB path patterns the service owns.
	Paths []string
}

// MonolithRoute is the monolith's row: every API path.
var MonolithRoute = Route{Service: "monolith", Paths: []string{"/api", "/api/*"}}

// MicroserviceRoutes are the rows of the three microservices, in the order
// they are extracted.
var MicroserviceRoutes = []Route{
	{Service: "users", Paths: []string{"/api/users", "/api/users/*"}},
	{Service: "threads", Paths: []string{"/api/threads", "/api/threads/*"}},
	{Service: "posts", Paths: []string{"/api/posts", "/api/posts/*"}},
}

// ParseStage parses the stage context value; "" is DefaultStage.
func ParseStage(s string) (Stage, error) {
	switch Stage(s) {
	case "":
		return DefaultStage, nil
	case Monolith, Split:
		return Stage(s), nil
	}
	return "", fmt.Errorf("context %s=%q is not valid: use one of monolith, split", StageKey, s)
}

// Routes returns the stage's path-ownership table.
func (s Stage) Routes() []Route {
	if s == Split {
		return MicroserviceRoutes
	}
	return []Route{MonolithRoute}
}
