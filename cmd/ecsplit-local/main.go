// Command ecsplit-local runs a stage of a CDK app on this machine, without
// AWS, compares two stages request by request, and checks a transition
// from one state to another.
//
// It synthesizes the stage with the app's cdk.json and the context given
// (or reads an existing cloud assembly), starts each ECS service behind
// the load balancer as a local process with its task definition's
// environment, and serves a front door that routes like the stage's ALB
// listener, as read from the synthesized templates; the front door names
// the service that answered in X-Ecsplit-Local-Service. A service starts
// from the command a services file gives for its container; without one,
// by ecsplit's own build.sh convention (a Dockerfile with
// RUN ./build.sh NAME OUT).
//
// Install it, or run it, from any module (your own app's):
//
//	go install github.com/ecsplit/ecsplit/cmd/ecsplit-local@VERSION
//	go run github.com/ecsplit/ecsplit/cmd/ecsplit-local@VERSION -h
//
// The context is the app's: -c, -a and -b take any KEY=VALUE, like
// cdk synth -c, for whatever keys the app reads (ecsplit's app reads
// stage and capacity). Serve one stage:
//
//	ecsplit-local -c stage=split
//	curl -i localhost:8080/api/users/1
//
// Compare two stages over a corpus of requests:
//
//	ecsplit-local compare -a stage=monolith -b stage=split -corpus requests.txt
//
// compare prints each request the two front doors answer differently
// (status, headers, body) and a summary line; it exits 0 when none
// differs, 1 when some do. It warns when both sides have the same
// templates: the context did not reach the app.
//
// Check a transition, the way the tests check the app's:
//
//	ecsplit-local transition -a stage=monolith -b stage=users:10 -corpus requests.txt -scale 0.01
//
// transition runs the static ordering check on the two assemblies (no
// routing rule sends a share to a service before it is stable or after it
// is deleted), then starts side a, applies the update to side b as
// CloudFormation would while the corpus flows, and reports the update and
// every unexpected answer (a 5xx the steady state did not give, or no
// answer). It exits 0 when the check finds nothing, the update completes
// and no answer is unexpected, 1 otherwise. Every command exits 2 on a
// usage or runtime error.
//
// Flags of serve:
//
//	-c KEY=VALUE      the app's context, like cdk synth -c (repeatable; default: cdk.json's)
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
// Flags of transition: -a KEY=VALUE and -b KEY=VALUE (the states before
// and after, repeatable), -a-assembly and -b-assembly DIR, -services FILE,
// -corpus FILE, -scale, -min-start-delay, -max-start-delay, -failed-tasks
// (the timing model), -clients, -max-requests (the load), -app, -seed,
// -start-timeout, -v; run `ecsplit-local transition -h`.
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
	exitDiffer  = 1 // compare: the stages answer differently; transition: a problem found
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
	if len(args) > 0 {
		switch args[0] {
		case "compare":
			cmd, args = "ecsplit-local compare", args[1:]
			runCmd = func(args []string) (bool, error) { return runCompare(args, stdout, stderr) }
		case "transition":
			cmd, args = "ecsplit-local transition", args[1:]
			runCmd = func(args []string) (bool, error) { return runTransition(args, stdout, stderr) }
		}
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
