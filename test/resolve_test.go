package test

import (
	"fmt"
	"strings"
)

// Stand-ins that resolveIntrinsics gives what a template leaves to deploy
// time, to check what CloudFormation would make of an intrinsic-built
// string (a dashboard body).
const (
	testRegion  = "eu-west-1"
	testAccount = "123456789012"
	// testListenerArn is what an imported listener ARN resolves to: its
	// load balancer's full name is app/EcsplitShared/0123456789abcdef.
	testListenerArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/EcsplitShared/0123456789abcdef/fedcba9876543210"
	// testLoadBalancerFullName is the load balancer part of testListenerArn.
	testLoadBalancerFullName = "app/EcsplitShared/0123456789abcdef"
)

// resolveIntrinsics evaluates the intrinsic functions of a template value
// the way CloudFormation would at deploy time, with stand-ins for what only
// a deployment knows: Ref of a resource is "<ID>", Fn::GetAtt is
// "<ID.Attribute>", pseudo parameters are testRegion and testAccount, an
// imported listener ARN is testListenerArn and any other import
// "<import:NAME>". It supports Fn::Join, Fn::Select and Fn::Split.
func resolveIntrinsics(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := resolveIntrinsics(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if len(x) != 1 {
			out := map[string]any{}
			for k, e := range x {
				r, err := resolveIntrinsics(e)
				if err != nil {
					return nil, err
				}
				out[k] = r
			}
			return out, nil
		}
		for fn, arg := range x {
			switch fn {
			case "Ref":
				return resolveRef(fmt.Sprint(arg)), nil
			case "Fn::GetAtt":
				a := arg.([]any)
				return fmt.Sprintf("<%v.%v>", a[0], a[1]), nil
			case "Fn::ImportValue":
				if name := fmt.Sprint(arg); strings.Contains(name, "LoadBalancerHTTP") {
					return testListenerArn, nil
				}
				return fmt.Sprintf("<import:%v>", arg), nil
			case "Fn::Join", "Fn::Select", "Fn::Split":
				args, err := resolveIntrinsics(arg)
				if err != nil {
					return nil, err
				}
				return resolveFn(fn, args.([]any))
			}
			r, err := resolveIntrinsics(arg)
			if err != nil {
				return nil, err
			}
			return map[string]any{fn: r}, nil
		}
	}
	return v, nil
}

func resolveRef(name string) string {
	switch name {
	case "AWS::Region":
		return testRegion
	case "AWS::AccountId":
		return testAccount
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	}
	return "<" + name + ">"
}

func resolveFn(fn string, args []any) (any, error) {
	switch fn {
	case "Fn::Join":
		var parts []string
		for _, p := range args[1].([]any) {
			s, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("Fn::Join of a non-string %v", p)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, args[0].(string)), nil
	case "Fn::Split":
		var out []any
		for _, s := range strings.Split(args[1].(string), args[0].(string)) {
			out = append(out, s)
		}
		return out, nil
	case "Fn::Select":
		i := int(args[0].(float64))
		list := args[1].([]any)
		if i >= len(list) {
			return nil, fmt.Errorf("Fn::Select %d of %d items", i, len(list))
		}
		return list[i], nil
	}
	return nil, fmt.Errorf("%s is not resolved", fn)
}
