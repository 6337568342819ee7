package albemu

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// CloudFormation resource types the emulator reads.
const (
	TypeListener       = "AWS::ElasticLoadBalancingV2::Listener"
	TypeListenerRule   = "AWS::ElasticLoadBalancingV2::ListenerRule"
	TypeTargetGroup    = "AWS::ElasticLoadBalancingV2::TargetGroup"
	TypeService        = "AWS::ECS::Service"
	TypeTaskDefinition = "AWS::ECS::TaskDefinition"
)

// reader resolves references between the templates of an assembly while
// Load reads its routing.
type reader struct {
	asm     *cfn.Assembly
	exports map[string]cfn.Export // by export name
}

func newReader(asm *cfn.Assembly) *reader {
	return &reader{asm: asm, exports: asm.Exports()}
}

// resolve turns a reference to a resource ({"Ref": ID} in stack, or
// {"Fn::ImportValue": NAME} of an export whose value is such a Ref) into its
// ResourceID.
func (r *reader) resolve(stack string, v any) (ResourceID, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ResourceID{}, fmt.Errorf("%v is not a reference to a resource of the assembly", v)
	}
	if ref, ok := m["Ref"].(string); ok {
		if r.resource(ResourceID{stack, ref}) == nil {
			return ResourceID{}, fmt.Errorf("Ref %s: no such resource in stack %s", ref, stack)
		}
		return ResourceID{stack, ref}, nil
	}
	if name, ok := m["Fn::ImportValue"].(string); ok {
		e, ok := r.exports[name]
		if !ok {
			return ResourceID{}, fmt.Errorf("Fn::ImportValue %s: no stack of the assembly exports it", name)
		}
		return r.resolve(e.Stack, e.Value)
	}
	return ResourceID{}, fmt.Errorf("%v is not a Ref or an Fn::ImportValue", v)
}

// lookup resolves a reference in stack to one of the resources in m, which
// what names in the error when it is another resource.
func lookup[T any](r *reader, stack string, ref any, m map[ResourceID]T, what string) (T, ResourceID, error) {
	var zero T
	id, err := r.resolve(stack, ref)
	if err != nil {
		return zero, id, err
	}
	v, ok := m[id]
	if !ok {
		return zero, id, fmt.Errorf("%s is not a %s", id, what)
	}
	return v, id, nil
}

// resource returns the resource with the id, or nil.
func (r *reader) resource(id ResourceID) *cfn.Resource {
	t := r.asm.Stacks[id.Stack]
	if t == nil {
		return nil
	}
	return t.Resources[id.LogicalID]
}

// ofType lists the resources of a type, in stack and logical id order.
func (r *reader) ofType(typ string) []ResourceID {
	var ids []ResourceID
	for _, st := range r.asm.Artifacts {
		for _, name := range r.asm.Stacks[st.ID].OfType(typ) {
			ids = append(ids, ResourceID{st.ID, name})
		}
	}
	return ids
}

// intValue reads a number that CloudFormation accepts as a JSON number or a
// numeric string.
func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), x == float64(int(x))
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

func stringList(v any) ([]string, error) {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a literal string", x)
		}
		out = append(out, s)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// CompareIDs orders resource ids by stack, then logical id.
func CompareIDs(a, b ResourceID) int {
	return cmp.Or(strings.Compare(a.Stack, b.Stack), strings.Compare(a.LogicalID, b.LogicalID))
}
