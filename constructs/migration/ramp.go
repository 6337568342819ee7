package migration

import (
	"time"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

// Ramp is a hands-off cutover: one deploy moves each extracted service
// from the share its weighted listener rule has when the stack deploys
// (the live share) to its share in the state, through each of Steps that
// lies between them, baking Bake at each step. A bake fails when one of
// the service's alarms, or the load balancer's, is in ALARM: the ramp then
// puts the live share back at once, and the deploy fails, so
// CloudFormation rolls the stack back. Going down, as a rollback does,
// goes straight to the state's share.
//
// The ramp is a CloudFormation custom resource per extracted service,
// backed by one Go function (provided.al2023, built from
// github.com/ecsplit/ecsplit/cmd/ecsplit-ramp at synth) that drives itself
// until it answers CloudFormation. Its limits are CloudFormation's: a
// custom resource must answer within an hour, so the bakes of one ramp
// total at most MaxRampTotal.
type Ramp struct {
	// Steps are the shares, in percent, a service stops at on its way up,
	// increasing, each from MinRampStep to MaxRampStep. Required for a
	// ramp; none (nil) turns the ramp off.
	Steps []int
	// Bake is how long each step lasts while its alarms judge it, from
	// MinRampBake to MaxRampTotal / len(Steps). Default: DefaultRampBake.
	Bake time.Duration
}

// checkRamp checks the ramp and fills in its defaults.
func checkRamp(v invalid.Construct, r *Ramp, alarmsDisabled bool) {
}

// addRamps adds a ramp for each extracted service when Props.Ramp has
// steps.
func (m *Migration) addRamps(p Props) {
}
