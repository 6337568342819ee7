package migration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// State is a point on the way from the monolith to the services: the
// services extracted so far, each with the share of its paths' requests it
// serves. The monolith serves the rest, and every path of a service not
// extracted yet, until it is retired: an explicit last step, never a side
// effect of the last share reaching 100 %. The zero State is the monolith
// alone.
type State struct {
	// Extracted lists the extracted services, each once.
	Extracted []Extraction
	// Retired removes the monolith: every service must be extracted at
	// 100 %, and the monolith's paths that no service owns then get the
	// listener's default action (see Props.RetireUnownedPaths).
	Retired bool
}

// Extraction is one extracted service and its share of its paths.
type Extraction struct {
	// Service is the name of a service of Props.Services.
	Service string
	// Percent is the share of the service's paths' requests it serves,
	// from 0 to 100; the monolith serves the rest.
	Percent int
}

// The two ends of a migration, by name, in ParseState's syntax.
const (
	// MonolithState is the zero State: the monolith serves every path.
	MonolithState = "monolith"
	// SplitState is every service extracted at 100 % and the monolith
	// retired.
	SplitState = "split"
)

// Split returns the last state: every one of services serves all of its
// paths, and the monolith is retired.
func Split(services ...string) State {
	s := State{Retired: true}
	for _, name := range services {
		s.Extracted = append(s.Extracted, Extraction{Service: name, Percent: 100})
	}
	return s
}

// ParseState parses a state written as "monolith", "split", or
// "NAME:PERCENT[,NAME:PERCENT...]" (such as "users:100,threads:10"), where
// each NAME is one of services (the names of Props.Services, in extraction
// order) and PERCENT a whole number from 0 to 100. "" is the monolith. The
// extractions come out in the order of services. The error says what is
// wrong and what is allowed.
func ParseState(s string, services []string) (State, error) {
	switch strings.TrimSpace(s) {
	case "", MonolithState:
		return State{}, nil
	case SplitState:
		return Split(services...), nil
	}
	bad := func(format string, args ...any) (State, error) {
		return State{}, fmt.Errorf("%s; use %s, %s, or SERVICE:PERCENT[,SERVICE:PERCENT...] with SERVICE one of %s and PERCENT a whole number from 0 to 100 (for example %s)",
			fmt.Sprintf(format, args...), MonolithState, SplitState, strings.Join(services, ", "), example(services))
	}
	percent := map[string]int{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		name, value, ok := strings.Cut(item, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || value == "" {
			return bad("%q is not SERVICE:PERCENT", item)
		}
		if !slices.Contains(services, name) {
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
	var st State
	for _, name := range services {
		if p, ok := percent[name]; ok {
			st.Extracted = append(st.Extracted, Extraction{Service: name, Percent: p})
		}
	}
	return st, nil
}

// example is a state for messages: the first service fully extracted and
// the second at 10 %.
func example(services []string) string {
	switch len(services) {
	case 0:
		return "NAME:100"
	case 1:
		return services[0] + ":10"
	}
	return services[0] + ":100," + services[1] + ":10"
}

// String returns the state in ParseState's syntax: "monolith" for the zero
// State, "split" once the monolith is retired, otherwise the extractions as
// NAME:PERCENT joined by commas.
func (s State) String() string {
	if s.Retired {
		return SplitState
	}
	if len(s.Extracted) == 0 {
		return MonolithState
	}
	items := make([]string, len(s.Extracted))
	for i, e := range s.Extracted {
		items[i] = fmt.Sprintf("%s:%d", e.Service, e.Percent)
	}
	return strings.Join(items, ",")
}

// Percent returns a service's share, and false when it is not extracted.
func (s State) Percent(service string) (int, bool) {
	for _, e := range s.Extracted {
		if e.Service == service {
			return e.Percent, true
		}
	}
	return 0, false
}

// Complete reports whether every one of services is extracted at 100 %,
// which retiring the monolith (Retired) requires.
func (s State) Complete(services []string) bool {
	for _, name := range services {
		if p, ok := s.Percent(name); !ok || p < 100 {
			return false
		}
	}
	return true
}

// has reports whether the service is extracted.
func (s State) has(service string) bool {
	_, ok := s.Percent(service)
	return ok
}
