package cfn

import (
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Env is what a deployment decides and a template leaves open: the
// partition, Region and account that the pseudo parameters name.
type Env struct {
	// Partition is the AWS partition, such as "aws".
	Partition string
	// Region is the Region, such as "eu-west-1".
	Region string
	// Account is the 12-digit account id.
	Account string
}

// ARN returns the ARN of a regional resource of service in the
// environment: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func (e Env) ARN(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", e.Partition, service, e.Region, e.Account, resource)
}

// Export is an output's export: the stack (artifact id) that exports it,
// and its value expression.
type Export struct {
	// Stack is the exporting stack's artifact id.
	Stack string
	// Value is the output's value, an expression of that stack.
	Value any
}

// Exports returns every export of the assembly's stacks by export name.
func (a *Assembly) Exports() map[string]Export {
	out := map[string]Export{}
	for _, st := range a.Artifacts {
		for name, v := range a.Stacks[st.ID].Exports() {
			out[name] = Export{Stack: st.ID, Value: v}
		}
	}
	return out
}

// Resolver evaluates the intrinsic functions of an assembly's templates the
// way CloudFormation would when it deploys them in an Env: pseudo
// parameters, Ref and Fn::GetAtt of resources (with the physical ids and
// ARNs of PhysicalID and Attribute), conditions, mappings, parameters'
// defaults and imports across the assembly's stacks. What only a
// deployment knows, such as a generated name, gets a deterministic
// stand-in of the right form.
type Resolver struct {
	asm     *Assembly
	env     Env
	exports map[string]Export
}

// NewResolver returns a Resolver of asm's templates in env.
func NewResolver(asm *Assembly, env Env) *Resolver {
	return &Resolver{asm: asm, env: env, exports: asm.Exports()}
}

// noValue is what AWS::NoValue resolves to: the property or list item is
// left out.
type noValue struct{}

// Resolve evaluates every intrinsic function in v, an expression of
// stack's template, and returns plain JSON values. A property whose value
// is AWS::NoValue is left out.
func (r *Resolver) Resolve(stack string, v any) (any, error) {
	out, err := r.resolve(stack, v)
	if err != nil {
		return nil, err
	}
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, nil
}

// String resolves v to a string.
func (r *Resolver) String(stack string, v any) (string, error) {
	out, err := r.Resolve(stack, v)
	if err != nil {
		return "", err
	}
	switch x := out.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("%v is not a string", out)
}

// Strings resolves v to a list of strings; a single string is a list of
// one.
func (r *Resolver) Strings(stack string, v any) ([]string, error) {
	out, err := r.Resolve(stack, v)
	if err != nil {
		return nil, err
	}
	if s, ok := out.(string); ok {
		return []string{s}, nil
	}
	list, ok := out.([]any)
	if !ok && out != nil {
		return nil, fmt.Errorf("%v is not a list of strings", out)
	}
	var ss []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a string", e)
		}
		ss = append(ss, s)
	}
	return ss, nil
}

func (r *Resolver) resolve(stack string, v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			v, err := r.resolve(stack, e)
			if err != nil {
				return nil, err
			}
			if _, skip := v.(noValue); !skip {
				out = append(out, v)
			}
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if fn == "Ref" || fn == "Condition" || strings.HasPrefix(fn, "Fn::") {
					v, err := r.function(stack, fn, arg)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", fn, err)
					}
					return v, nil
				}
			}
		}
		out := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			v, err := r.resolve(stack, x[k])
			if err != nil {
				return nil, err
			}
			if _, skip := v.(noValue); !skip {
				out[k] = v
			}
		}
		return out, nil
	}
	return v, nil
}

// function evaluates one intrinsic function.
func (r *Resolver) function(stack, fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("want a name, got %v", arg)
		}
		return r.ref(stack, name)
	case "Fn::GetAtt":
		id, attr, err := getAttArgs(arg)
		if err != nil {
			return nil, err
		}
		return r.getAtt(stack, id, attr)
	case "Fn::ImportValue":
		name, err := r.String(stack, arg)
		if err != nil {
			return nil, err
		}
		e, ok := r.exports[name]
		if !ok {
			return nil, fmt.Errorf("no stack of the assembly exports %q", name)
		}
		return r.resolve(e.Stack, e.Value)
	case "Fn::Sub":
		return r.sub(stack, arg)
	case "Fn::If":
		args, ok := arg.([]any)
		if !ok || len(args) != 3 {
			return nil, fmt.Errorf("want [CONDITION, THEN, ELSE], got %v", arg)
		}
		cond, _ := args[0].(string)
		holds, err := r.Condition(stack, cond)
		if err != nil {
			return nil, err
		}
		if holds {
			return r.resolve(stack, args[1])
		}
		return r.resolve(stack, args[2])
	case "Condition":
		name, _ := arg.(string)
		return r.Condition(stack, name)
	case "Fn::GetAZs":
		return []any{r.env.Region + "a", r.env.Region + "b", r.env.Region + "c"}, nil
	}
	// The remaining functions take resolved arguments.
	resolved, err := r.resolve(stack, arg)
	if err != nil {
		return nil, err
	}
	args, _ := resolved.([]any)
	switch fn {
	case "Fn::Join":
		return join(args)
	case "Fn::Select":
		if len(args) != 2 {
			return nil, fmt.Errorf("want [INDEX, LIST], got %v", args)
		}
		i, err := index(args[0])
		list, _ := args[1].([]any)
		if err != nil || i < 0 || i >= len(list) {
			return nil, fmt.Errorf("index %v of %d items", args[0], len(list))
		}
		return list[i], nil
	case "Fn::Split":
		if len(args) != 2 {
			return nil, fmt.Errorf("want [DELIMITER, STRING], got %v", args)
		}
		sep, _ := args[0].(string)
		s, ok := args[1].(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a string", args[1])
		}
		var out []any
		for _, part := range strings.Split(s, sep) {
			out = append(out, part)
		}
		return out, nil
	case "Fn::FindInMap":
		return r.findInMap(stack, args)
	case "Fn::Base64":
		s, ok := resolved.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a string", resolved)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return evalCondition(fn, args)
	}
	return nil, fmt.Errorf("not supported")
}

// Condition evaluates the template condition name of stack.
func (r *Resolver) Condition(stack, name string) (bool, error) {
	t := r.asm.Stacks[stack]
	if t == nil {
		return false, fmt.Errorf("no stack %s", stack)
	}
	expr, ok := t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s in stack %s", name, stack)
	}
	v, err := r.resolve(stack, expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is %v, not a boolean", name, v)
	}
	return b, nil
}

// evalCondition evaluates a condition function of resolved arguments.
func evalCondition(fn string, args []any) (bool, error) {
	switch fn {
	case "Fn::Equals":
		if len(args) != 2 {
			return false, fmt.Errorf("want two values, got %v", args)
		}
		return fmt.Sprint(args[0]) == fmt.Sprint(args[1]), nil
	case "Fn::Not":
		if len(args) != 1 {
			return false, fmt.Errorf("want one condition, got %v", args)
		}
		b, ok := args[0].(bool)
		return !b, boolErr(ok, args[0])
	}
	all := fn == "Fn::And"
	result := all
	for _, a := range args {
		b, ok := a.(bool)
		if !ok {
			return false, boolErr(false, a)
		}
		if all {
			result = result && b
		} else {
			result = result || b
		}
	}
	return result, nil
}

func boolErr(ok bool, v any) error {
	if ok {
		return nil
	}
	return fmt.Errorf("%v is not a condition", v)
}

func (r *Resolver) findInMap(stack string, args []any) (any, error) {
	if len(args) < 3 {
		return nil, fmt.Errorf("want [MAP, KEY, KEY], got %v", args)
	}
	name, key1, key2 := fmt.Sprint(args[0]), fmt.Sprint(args[1]), fmt.Sprint(args[2])
	m := r.asm.Stacks[stack].Mappings[name]
	v, ok := m[key1][key2]
	if !ok {
		return nil, fmt.Errorf("mapping %s has no %s.%s", name, key1, key2)
	}
	return v, nil
}

// ref is Ref of a pseudo parameter, a parameter or a resource.
func (r *Resolver) ref(stack, name string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.env.Region, nil
	case "AWS::AccountId":
		return r.env.Account, nil
	case "AWS::Partition":
		return r.env.Partition, nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return r.stackName(stack), nil
	case "AWS::StackId":
		return r.env.ARN("cloudformation", "stack/"+r.stackName(stack)+"/"+standInID(stack, "stack")), nil
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	t := r.asm.Stacks[stack]
	if t == nil {
		return nil, fmt.Errorf("no stack %s", stack)
	}
	if p, ok := t.Parameters[name]; ok {
		// The resolver knows no deployment's values: a parameter takes its Default,
		// or a stand-in named after it.
		if p.Default != nil {
			return p.Default, nil
		}
		return "<parameter " + name + ">", nil
	}
	if t.Resources[name] == nil {
		return nil, fmt.Errorf("no resource or parameter %s in stack %s", name, stack)
	}
	return r.PhysicalID(stack, name)
}

// getAtt is Fn::GetAtt of a resource.
func (r *Resolver) getAtt(stack, id, attr string) (any, error) {
	t := r.asm.Stacks[stack]
	if t == nil || t.Resources[id] == nil {
		return nil, fmt.Errorf("no resource %s in stack %s", id, stack)
	}
	return r.Attribute(stack, id, attr)
}

func getAttArgs(arg any) (id, attr string, err error) {
	switch x := arg.(type) {
	case []any:
		if len(x) == 2 {
			id, _ = x[0].(string)
			attr, _ = x[1].(string)
		}
	case string:
		id, attr, _ = strings.Cut(x, ".")
	}
	if id == "" || attr == "" {
		return "", "", fmt.Errorf("want [ID, ATTRIBUTE], got %v", arg)
	}
	return id, attr, nil
}

// subVar matches a ${NAME} or ${ID.ATTRIBUTE} of Fn::Sub; ${!...} is a
// literal.
var subVar = regexp.MustCompile(`\$\{(!?)([^}]+)\}`)

func (r *Resolver) sub(stack string, arg any) (any, error) {
	var format string
	vars := map[string]any{}
	switch x := arg.(type) {
	case string:
		format = x
	case []any:
		if len(x) != 2 {
			return nil, fmt.Errorf("want [STRING, VARIABLES], got %v", arg)
		}
		format, _ = x[0].(string)
		m, _ := x[1].(map[string]any)
		for k, v := range m {
			rv, err := r.resolve(stack, v)
			if err != nil {
				return nil, err
			}
			vars[k] = rv
		}
	default:
		return nil, fmt.Errorf("want a string, got %v", arg)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(format, func(m string) string {
		g := subVar.FindStringSubmatch(m)
		if g[1] == "!" {
			return "${" + g[2] + "}"
		}
		var v any
		var err error
		if x, ok := vars[g[2]]; ok {
			v = x
		} else if id, attr, ok := strings.Cut(g[2], "."); ok {
			v, err = r.getAtt(stack, id, attr)
		} else {
			v, err = r.ref(stack, g[2])
		}
		if err == nil {
			if s, ok := v.(string); ok {
				return s
			}
			err = fmt.Errorf("${%s} is %v, not a string", g[2], v)
		}
		if firstErr == nil {
			firstErr = err
		}
		return ""
	})
	return out, firstErr
}

func join(args []any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("want [DELIMITER, LIST], got %v", args)
	}
	sep, _ := args[0].(string)
	list, ok := args[1].([]any)
	if !ok {
		return nil, fmt.Errorf("%v is not a list", args[1])
	}
	parts := make([]string, 0, len(list))
	for _, p := range list {
		switch s := p.(type) {
		case string:
			parts = append(parts, s)
		case float64:
			parts = append(parts, strconv.FormatFloat(s, 'f', -1, 64))
		default:
			return nil, fmt.Errorf("joins %v, not a string", p)
		}
	}
	return strings.Join(parts, sep), nil
}

func index(v any) (int, error) {
	switch x := v.(type) {
	case float64:
		return int(x), nil
	case string:
		return strconv.Atoi(x)
	}
	return 0, fmt.Errorf("%v is not an index", v)
}

// stackName is the CloudFormation name of a stack artifact.
func (r *Resolver) stackName(stack string) string {
	for _, a := range r.asm.Artifacts {
		if a.ID == stack {
			return a.Name
		}
	}
	return stack
}
