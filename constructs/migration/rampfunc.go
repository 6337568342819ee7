package migration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/kmskey"
	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
)

// RampFunctionPackage is the Go package of the ramp's function, built at
// synth for provided.al2023 on arm64 with the Go toolchain that runs the
// app, from the module the app builds in (its go.mod requires
// github.com/ecsplit/ecsplit, so it resolves to the version the app
// uses).
const RampFunctionPackage = "github.com/ecsplit/ecsplit/cmd/ecsplit-ramp"

// rampFunctionTimeout is the ramp function's Lambda timeout, Lambda's
// largest: one invocation bakes for most of it, then invokes the function
// again, until the ramp answers CloudFormation.
const rampFunctionTimeout = 15 * time.Minute

// rampServiceTimeout is how long CloudFormation waits for the ramp's
// answer, its largest (ServiceTimeout, 1 to 3600 seconds).
const rampServiceTimeout = time.Hour

// rampBuild is the ramp function's bootstrap, built once per process: a
// directory holding it, or the build's error.
var rampBuild = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ecsplit-ramp-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=",
		"-o", filepath.Join(dir, "bootstrap"), RampFunctionPackage)
	// The app's own module settings (GOFLAGS, GOPROXY...) stand: the
	// function builds from the app's module as the app does.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v: %s", RampFunctionPackage, err, strings.TrimSpace(string(out)))
	}
	return dir, nil
})

// rampFunction is the function that drives every ramp of a migration,
// and the policy its ramps must wait for.
type rampFunction struct {
	fn     awslambda.Function
	policy awsiam.Policy
}

// newRampFunction creates the ramp's function, its log group, its role and
// the role's policy: read the listener's rules and change them, read the
// alarms, read the stack (to tell a rollback), invoke itself, and write its
// logs. It runs outside the VPC (Control Tower's CT.LAMBDA.PR.3 then
// fails, as for CDK's own custom resource in the platform stack): it calls
// only AWS's APIs and CloudFormation's response URL, during deploys; in the
// VPC it would need network-interface permissions on every resource, a NAT
// path for its answer (without one, CloudFormation waits an hour), and it
// would hold the subnets for a while once deleted. The policy is a
// resource of its own that names the function, so that the function does
// not depend on it (no cycle); a ramp depends on it.
func newRampFunction(scope constructs.Construct, code string, listener elbv2.IApplicationListener, alarmNames []string) rampFunction {
	stack := awscdk.Stack_Of(scope)
	logs := awslogs.NewLogGroup(scope, jsii.String("RampLogs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: kmskey.ForLogs(scope, "RampLogsKey", "ecsplit: encrypts the logs of the migration's ramp"),
	})
	role := awsiam.NewRole(scope, jsii.String("RampRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("ecsplit: the migration's ramp moves its services' shares"),
	})
	fn := awslambda.NewFunction(scope, jsii.String("RampFunction"), &awslambda.FunctionProps{
		Description:  jsii.String("ecsplit: ramps a service's share of its listener rule step by step, judged by its alarms (a CloudFormation custom resource)"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(&code, nil),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(rampFunctionTimeout.Seconds())),
		MemorySize:   jsii.Number(128),
		Role:         role,
		LogGroup:     logs,
		// Lambda retries a failed asynchronous invocation twice by
		// default; a retry of CloudFormation's request would begin the
		// ramp again from the step it had reached and take that for the
		// share to put back. A ramp that cannot answer fails instead:
		// CloudFormation then times it out and rolls back.
		RetryAttempts: jsii.Number(0),
	})
	arn := func(service, resource string) *string {
		return jsii.String(fmt.Sprintf("arn:%s:%s:%s:%s:%s", *stack.Partition(), service, *stack.Region(), *stack.Account(), resource))
	}
	// A listener's ARN is …:listener/app/NAME/ID/LISTENER; its rules'
	// are …:listener-rule/app/NAME/ID/LISTENER/RULE.
	halves := awscdk.Fn_Split(jsii.String(":listener/"), listener.ListenerArn(), jsii.Number(2))
	rules := awscdk.Fn_Join(jsii.String(""), &[]*string{
		awscdk.Fn_Select(jsii.Number(0), halves), jsii.String(":listener-rule/"), awscdk.Fn_Select(jsii.Number(1), halves), jsii.String("/*"),
	})
	var alarms []*string
	for _, name := range alarmNames {
		alarms = append(alarms, arn("cloudwatch", "alarm:"+name))
	}
	policy := awsiam.NewPolicy(scope, jsii.String("RampPolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			statement("ReadRules", []string{"elasticloadbalancing:DescribeRules"}, jsii.String("*")),
			statement("ChangeTheListenersRules", []string{"elasticloadbalancing:ModifyRule"}, rules),
			statement("ReadTheAlarms", []string{"cloudwatch:DescribeAlarms"}, alarms...),
			statement("ReadTheStack", []string{"cloudformation:DescribeStacks"}, stack.StackId()),
			statement("WriteItsLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, logs.LogGroupArn()),
			statement("InvokeItself", []string{"lambda:InvokeFunction"}, fn.FunctionArn()),
		},
	})
	suppress.On(policy, suppress.Rule{
		ID: "AwsSolutions-IAM5",
		Reason: "elasticloadbalancing:DescribeRules has no resource-level permissions (Resource *); ModifyRule names the rules of " +
			"the migration's listener (listener-rule/app/NAME/ID/LISTENER/*): the ramp finds its rule by the listener and its " +
			"priority, and CloudFormation runs it before the rule resource changes, so it cannot name the rule's ARN without a cycle.",
	})
	return rampFunction{fn: fn, policy: policy}
}

// statement allows actions on resources.
func statement(sid string, actions []string, resources ...*string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	})
}
