// Package albemu reads the Application Load Balancer routing of a synthesized
// CDK cloud assembly and routes HTTP requests the way the ALB would.
//
// It reads only the files of the assembly (manifest.json, *.template.json,
// *.assets.json), through package cfn, which parses them; then one reader
// per resource family: template.go resolves references across stacks,
// elbv2_read.go reads the listeners, rules, actions and target groups,
// ecs_read.go the ECS services, task definitions and containers. It knows
// nothing of how an image is built or run: that is the runner's business
// (package runner). It imports no CDK code, so its tests start no Node.js
// process.
package albemu

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// ResourceID names a CloudFormation resource of the assembly.
type ResourceID struct {
	// Stack is the stack's artifact id in the assembly, such as
	// "EcsplitServices": its key in cfn.Assembly.Stacks, which may differ
	// from its CloudFormation stack name (cfn.Stack.Name).
	Stack string
	// LogicalID is the resource's logical id in the stack's template.
	LogicalID string
}

// String returns "Stack/LogicalID".
func (id ResourceID) String() string { return id.Stack + "/" + id.LogicalID }

// Assembly is the routing of a cloud assembly, as the emulator needs it.
type Assembly struct {
	// Dir is the absolute path of the cloud assembly directory.
	Dir string
	// Templates are the assembly's stacks and templates, which the
	// routing was read from.
	Templates *cfn.Assembly
	// Listener is the listener the services' rules attach to.
	Listener *Listener
	// TargetGroups holds every target group of the assembly.
	TargetGroups map[ResourceID]*TargetGroup
	// Services holds the ECS services that register with a target group of
	// the assembly, in stack and logical id order.
	Services []*Service
}

// Service returns the service with the id, or nil when the assembly has
// none behind its load balancer.
func (a *Assembly) Service(id ResourceID) *Service {
	i := slices.IndexFunc(a.Services, func(s *Service) bool { return s.ID == id })
	if i < 0 {
		return nil
	}
	return a.Services[i]
}

// TargetsOf returns the registrations of the containers of service svc in
// the assembly's target groups, in target group id order, then in the
// order of the service's LoadBalancers.
func (a *Assembly) TargetsOf(svc ResourceID) []*Target {
	var out []*Target
	for _, id := range slices.SortedFunc(maps.Keys(a.TargetGroups), CompareIDs) {
		for _, t := range a.TargetGroups[id].Targets {
			if t.Service.ID == svc {
				out = append(out, t)
			}
		}
	}
	return out
}

// Load reads the ALB routing of the cloud assembly in dir and the ECS
// services behind it. It fails, naming the resource and the property, on
// anything it cannot emulate faithfully: rules on two listeners, an
// unsupported condition or action, a reference it cannot resolve, an
// environment value that is not a literal.
func Load(dir string) (*Assembly, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	t, err := cfn.LoadAssembly(dir)
	if err != nil {
		return nil, err
	}
	a, err := newReader(t).assemble(abs)
	if err != nil {
		return nil, fmt.Errorf("cloud assembly %s: %w", dir, err)
	}
	return a, nil
}

// assemble reads the resource families in dependency order: target groups,
// the ECS services registered in them, then the listener and the rules that
// forward to them.
func (r *reader) assemble(dir string) (*Assembly, error) {
	a := &Assembly{Dir: dir, Templates: r.asm, TargetGroups: map[ResourceID]*TargetGroup{}}
	for _, id := range r.ofType(TypeTargetGroup) {
		tg, err := readTargetGroup(id, r.resource(id).Properties)
		if err != nil {
			return nil, err
		}
		a.TargetGroups[id] = tg
	}
	for _, id := range r.ofType(TypeService) {
		svc, err := r.readService(id, a.TargetGroups)
		if err != nil {
			return nil, err
		}
		if svc != nil {
			a.Services = append(a.Services, svc)
		}
	}
	l, err := r.readRouting(a.TargetGroups)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, errors.New("no " + TypeListener + " in any stack")
	}
	a.Listener = l
	return a, nil
}
