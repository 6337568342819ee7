// Command ecsplit-local runs a stage of a CDK app on this machine, without
// AWS, and compares two stages request by request.
//
// It synthesizes the stage with the app's cdk.json (or reads an existing
// cloud assembly), starts each ECS service behind the load balancer as a
// local process with its task definition's environment, and serves a front
// door that routes like the stage's ALB listener, as read from the
// synthesized templates. A service starts from the command a services file
// gives for its container; without one, by ecsplit's own build.sh
// convention (a Dockerfile with RUN ./build.sh NAME OUT).
//
// Serve one stage (from the repository root):
//
//	go run ./cmd/ecsplit-local -stage split
//	curl localhost:8080/api/users/1
//
// Compare two stages over a corpus of requests:
//
//	go run ./cmd/ecsplit-local compare -a stage=monolith -b stage=split -corpus requests.txt
//
// compare prints each request the two front doors answer differently
// (status, headers, body) and a summary line; it exits 0 when none
// differs, 1 when some do. Both exit 2 on a usage or runtime error.
//
// Flags of serve:
//
//	-stage S          the stage context value (default: cdk.json's)
//	-capacity C       the capacity context value (default: cdk.json's)
//	-c KEY=VALUE      more context, like cdk synth -c (repeatable)
//	-assembly DIR     serve an existing cloud assembly (cdk.out); no synth
//	-services FILE    how to run containers locally (see docs/local-runner.md)
//	-addr ADDR        the front door's address (default 127.0.0.1:8080)
//	-seed N           the seed of weighted-forward choices (default 1)
//	-app DIR          the CDK app's directory, holding cdk.json (default .)
//	-start-timeout D  the wait for each service's health check (default 30s)
//
// Flags of compare: -a KEY=VALUE and -b KEY=VALUE (each side's context,
// repeatable), -a-assembly and -b-assembly DIR, -a-header and -b-header
// "Name: value" (repeatable), -services FILE, -a-services and -b-services
// FILE, -corpus FILE, -ignore-headers LIST, -app, -seed, -start-timeout,
// -v; run `ecsplit-local compare -h`.
//
// Ctrl-C (or SIGTERM) stops the front doors, then every service, cleanly:
// requests still in flight after runner.FrontDoorGrace (1 s) are cut, and
// serve exits 0. During a synthesis it stops the app and every process the
// app started. See docs/local-runner.md for what it emulates and what it
// does not.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK      = 0 // no difference, or served until stopped, or -h
	exitDiffer  = 1 // compare: the stages answer differently
	exitFailure = 2 // a usage or runtime error
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd, runCmd := "ecsplit-local", func(args []string) (bool, error) { return false, runServe(args, stderr) }
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	if len(args) > 0 && args[0] == "compare" {
		cmd, args = "ecsplit-local compare", args[1:]
		runCmd = func(args []string) (bool, error) { return runCompare(args, stdout, stderr) }
	}
	differ, err := runCmd(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitFailure
	case differ:
		return exitDiffer
	}
	return exitOK
}
