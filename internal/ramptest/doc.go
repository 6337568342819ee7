// Package ramptest runs the ramp (package ramp) end to end on a local
// stage: the same Go code that ramps in AWS, through the AWS SDK for Go,
// against the emulator of package awsemu, which computes the alarms from
// the stage's own traffic with compressed periods. It has only tests, so
// that package ramp's code never imports the emulator.
package ramptest
