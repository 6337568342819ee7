package stacks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Stage is a point on the way from the monolith to the microservices: the
// microservices extracted so far, each with the percent of its paths'
// requests it serves. The monolith serves the rest, and every path of a
// service not extracted yet. The zero Stage is the monolith stage.
type Stage struct {
	// Extracted lists the extracted microservices in MicroserviceRoutes
	// order.
	Extracted []Extraction
}

// Extraction is one extracted microservice and its share of its paths.
type Extraction struct {
	// Service is a microservice name from MicroserviceRoutes.
	Service string
	// Percent is the share of the service's paths' requests it serves,
	// from 0 to 100; the monolith serves the rest.
	Percent int
}

// The two ends of the migration, by name.
const (
	// MonolithStage runs one service that owns every API path.
	MonolithStage = "monolith"
	// SplitStage runs users, threads and posts, each owning its own paths;
	// the monolith is gone.
	SplitStage = "split"
)

// Monolith returns the monolith stage.
func Monolith() Stage { return Stage{} }

// Split returns the split stage: every microservice at 100 %.
func Split() Stage {
	var s Stage
	for _, r := range MicroserviceRoutes {
		s.Extracted = append(s.Extracted, Extraction{Service: r.Service, Percent: 100})
	}
	return s
}

// Route is one row of the path-ownership table: the ECS service that owns
// a set of ALB path patterns.
type Route struct {
	// Service is the service's name; its image is built from the Dockerfile
	// SERVICE/Dockerfile in the services directory.
	Service string
	// Paths are the ALB path patterns the service owns.
	Paths []string
	// Percent is the share of Paths' requests the service serves; below
	// 100 the monolith serves the rest (a weighted forward).
	Percent int
}

// MonolithRoute is the monolith's row: every API path.
var MonolithRoute = Route{Service: "monolith", Paths: []string{"/api", "/api/*"}, Percent: 100}

// MicroserviceRoutes are the rows of the three microservices when fully
// extracted, in the order they are extracted.
var MicroserviceRoutes = []Route{
	{Service: "users", Paths: []string{"/api/users", "/api/users/*"}, Percent: 100},
	{Service: "threads", Paths: []string{"/api/threads", "/api/threads/*"}, Percent: 100},
	{Service: "posts", Paths: []string{"/api/posts", "/api/posts/*"}, Percent: 100},
}

func microserviceNames() []string {
	var names []string
	for _, r := range MicroserviceRoutes {
		names = append(names, r.Service)
	}
	return names
}

// ParseStage parses the stage context value: "monolith", "split", or a
// migration state such as "users:100,threads:10" — each extracted service
// with the percent of its traffic it serves, the others still in the
// monolith. "" is DefaultStage.
func ParseStage(s string) (Stage, error) {
	switch strings.TrimSpace(s) {
	case "", MonolithStage:
		return Monolith(), nil
	case SplitStage:
		return Split(), nil
	}
	bad := func(format string, args ...any) (Stage, error) {
		return Stage{}, fmt.Errorf("context %s=%q is not valid: %s; use monolith, split, or SERVICE:PERCENT[,SERVICE:PERCENT...] with SERVICE one of %s and PERCENT a whole number from 0 to 100 (for example users:100,threads:10)",
			StageKey, s, fmt.Sprintf(format, args...), strings.Join(microserviceNames(), ", "))
	}
	percent := map[string]int{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		name, value, ok := strings.Cut(item, ":")
		if !ok || name == "" || value == "" {
			return bad("%q is not SERVICE:PERCENT", item)
		}
		if !slices.Contains(microserviceNames(), name) {
			return bad("unknown service %q", name)
		}
		if _, dup := percent[name]; dup {
			return bad("service %q is given twice", name)
		}
		p, err := strconv.Atoi(value)
		if err != nil || p < 0 || p > 100 || strings.ContainsAny(value, "+- ") {
			return bad("percent %q of %s is not a whole number from 0 to 100", value, name)
		}
		percent[name] = p
	}
	var st Stage
	for _, name := range microserviceNames() {
		if p, ok := percent[name]; ok {
			st.Extracted = append(st.Extracted, Extraction{Service: name, Percent: p})
		}
	}
	return st, nil
}

// String returns the stage in ParseStage's syntax: "monolith", "split", or
// the migration state.
func (s Stage) String() string {
	if len(s.Extracted) == 0 {
		return MonolithStage
	}
	if !s.NeedsMonolith() {
		return SplitStage
	}
	items := make([]string, len(s.Extracted))
	for i, e := range s.Extracted {
		items[i] = fmt.Sprintf("%s:%d", e.Service, e.Percent)
	}
	return strings.Join(items, ",")
}

// NeedsMonolith reports whether the monolith still serves any path: some
// microservice is not extracted, or serves less than 100 % of its paths.
func (s Stage) NeedsMonolith() bool {
	if len(s.Extracted) < len(MicroserviceRoutes) {
		return true
	}
	for _, e := range s.Extracted {
		if e.Percent < 100 {
			return true
		}
	}
	return false
}

// Routes returns the stage's path-ownership table: the monolith first
// while it is needed, then each extracted microservice with its share.
func (s Stage) Routes() []Route {
	var routes []Route
	if s.NeedsMonolith() {
		routes = append(routes, MonolithRoute)
	}
	for _, e := range s.Extracted {
		for _, r := range MicroserviceRoutes {
			if r.Service == e.Service {
				r.Percent = e.Percent
				routes = append(routes, r)
			}
		}
	}
	return routes
}
