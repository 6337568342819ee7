package test

import (
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/transition"
)

// transitionStates are the states whose every pair TestTransitionsSendNoShareToAMissingService
// proves: both ends, every step of the README's runbook (one service at 0,
// 10, 50 and 100 %, then the next service at 0 and 10 %), several at once,
// and the README's rollback.
var transitionStates = []string{"monolith", "users:0", "users:10", "users:50", "users:100",
	"users:100,threads:0", "users:100,threads:10", "users:50,threads:50,posts:50",
	"users:100,threads:100,posts:50", "split"}

// TestTransitionsSendNoShareToAMissingService: for every ordered pair of
// transitionStates, forward and back, several services at once and
// monolith <-> split directly, in both capacity modes, CloudFormation's
// order sends no share of a rule's traffic to a service before it is
// created and stable, nor after it is deleted (transition.Check).
func TestTransitionsSendNoShareToAMissingService(t *testing.T) {
	parallel(t)
	for _, capacity := range []string{"fargate", "ec2"} {
		pairs := 0
		for _, from := range transitionStates {
			for _, to := range transitionStates {
				if from == to {
					continue
				}
				a := loadRouting(t, synth(t, map[string]string{"stage": from, "capacity": capacity}).Dir)
				b := loadRouting(t, synth(t, map[string]string{"stage": to, "capacity": capacity}).Dir)
				for _, p := range transition.Check(a, b) {
					t.Errorf("%s -> %s (%s): %s", from, to, capacity, p)
				}
				pairs++
			}
		}
		t.Logf("%s: %d transitions proved", capacity, pairs)
	}
}

// TestTransitionsCatchPlantedFaults: a routing rule that does not wait for
// the service it sends a share to is reported, when the service is
// created (monolith -> users:10) and when it is deleted (users:10 ->
// monolith); so is one that waits for the service but not for its
// scalable target, the registration that raises the new service from one
// task to its minimum capacity.
func TestTransitionsCatchPlantedFaults(t *testing.T) {
	parallel(t)
	mono := loadRouting(t, synth(t, monolithFargate).Dir)
	// The users routing rule without its DependsOn.
	dir, _ := plantInServices(t, synth(t, fargate("users:10")).Dir, albemu.TypeListenerRule, "usersRule", func(r map[string]any) {
		delete(r, "DependsOn")
	})
	unwaited := loadRouting(t, dir)
	// The users routing rule waiting for the ECS services only.
	dir, _ = plantInServices(t, synth(t, fargate("users:10")).Dir, albemu.TypeListenerRule, "usersRule", func(r map[string]any) {
		var services []any
		for _, d := range r["DependsOn"].([]any) {
			if strings.Contains(d.(string), "ServiceTaskCountTarget") {
				continue
			}
			services = append(services, d)
		}
		r["DependsOn"] = services
	})
	unscaled := loadRouting(t, dir)
	for _, c := range []struct {
		name     string
		from, to *albemu.Assembly
		want     string
	}{
		{"created", mono, unwaited, "which this update creates, without depending on it"},
		{"deleted", unwaited, mono, "which this update deletes, without depending on it"},
		{"created, not scaled", mono, unscaled, "which this update creates, without depending on its scalable target usersServiceTaskCountTarget"},
	} {
		problems := transition.Check(c.from, c.to)
		if !strings.Contains(strings.Join(problems, "\n"), c.want) {
			t.Errorf("%s: the planted fault was not reported (want %q): %v", c.name, c.want, problems)
			continue
		}
		t.Logf("planted fault (%s) caught: %s", c.name, problems)
	}
}
