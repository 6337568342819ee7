// Command ecsplit-ramp is the bootstrap of the ramp's provided.al2023
// function: the CloudFormation custom resource that ramps a service's
// share step by step (see package constructs/ramp/lambda). The migration
// construct builds it at synth:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o DIR/bootstrap github.com/ecsplit/ecsplit/cmd/ecsplit-ramp
package main

import "github.com/ecsplit/ecsplit/constructs/ramp/lambda"

func main() {
	lambda.Main()
}
