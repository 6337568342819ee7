package microservice

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
)

// Listener rule priorities are a pure function of a rule's path patterns, so
// a more specific rule always wins over a less specific one whatever order
// services are added in, and adding a service never renumbers the rules of
// the others (CloudFormation would fail such an update with PriorityInUse).
//
// A pattern's specificity grows with the length of its literal prefix (the
// characters before the first * or ?), and for equal prefixes an exact
// pattern beats one whose first wildcard is ?, which beats *:
// "/api/users/1" beats "/api/users/?" beats "/api/users/*" beats "/api/*". A rule is as
// specific as its least specific pattern. Each specificity owns a band of
// slotsPerBand priorities, most specific first; within a band the slot is a
// hash of the rule's patterns. Two rules landing on the same priority is a
// synth-time error that asks for an explicit Priority on one of them.
const (
	maxSpecificity = 3*MaxPathPatternLength + 2
	slotsPerBand   = 129 // (maxSpecificity+1) * slotsPerBand <= MaxPriority
)

// specificity ranks a path pattern: higher is more specific.
func specificity(pattern string) int {
	i := strings.IndexAny(pattern, "*?")
	switch {
	case i < 0:
		return 3*len(pattern) + 2
	case pattern[i] == '?':
		return 3*i + 1
	default:
		return 3 * i
	}
}

// AutoPriority returns the listener rule priority that ecsplit gives a rule
// matching paths when no explicit priority is set.
func AutoPriority(paths []string) int {
	least := maxSpecificity
	for _, p := range paths {
		least = min(least, specificity(p))
	}
	sorted := slices.Clone(paths)
	slices.Sort(sorted)
	h := fnv.New32a()
	h.Write([]byte(strings.Join(sorted, "\x00")))
	return (maxSpecificity-least)*slotsPerBand + int(h.Sum32()%slotsPerBand) + MinPriority
}

// claims are the claims on one listener: its stack, and the suffix of the
// claims' ids that names the listener.
type claims struct {
	stack awscdk.Stack
	at    string
}

// claimsOn returns the claims on listener.
func claimsOn(listener elbv2.IApplicationListener) claims {
	return claims{stack: awscdk.Stack_Of(listener), at: "@" + url.PathEscape(*listener.Node().Path())}
}

// claim records that owner uses key (a path pattern or a priority) on a
// listener. It returns the previous owner when another service already
// claimed key on the same listener. Claims are plain constructs with no
// resources, kept in the listener's stack under the listener's path: they
// change no template, and they work across stacks and with imported
// listeners.
func (l claims) claim(kind, key, owner string) (previous string, taken bool) {
	id := "EcsplitClaim" + kind + url.PathEscape(key) + l.at
	if c := l.stack.Node().TryFindChild(&id); c != nil {
		for _, child := range *c.Node().Children() {
			prev, _ := url.PathUnescape(*child.Node().Id())
			return prev, true
		}
	}
	c := constructs.NewConstruct(l.stack, &id)
	ownerID := url.PathEscape(owner)
	constructs.NewConstruct(c, &ownerID)
	return "", false
}

// claimRoutes registers the service's path patterns and priority on the
// listener and panics, naming both services, on a conflict.
func claimRoutes(listener elbv2.IApplicationListener, owner string, paths []string, priority int, explicit bool) {
	on := claimsOn(listener)
	for _, p := range paths {
		if prev, taken := on.claim("Path", p, owner); taken {
			panic(fmt.Sprintf("ecsplit microservice %s: Paths: path pattern %q is already routed to %s on the same listener; each path pattern belongs to one service", owner, p, prev))
		}
	}
	how := "automatic priority"
	if explicit {
		how = "Priority"
	}
	for _, pr := range []struct {
		n    int
		what string
	}{{priority, "listener rule priority"}, {priority - 1, "listener rule priority of the preview rule (Priority - 1)"}} {
		if prev, taken := on.claim("Priority", fmt.Sprint(pr.n), owner); taken {
			panic(fmt.Sprintf("ecsplit microservice %s: %s: %s %d is already used by %s on the same listener; set Priority explicitly (%d-%d) on one of them", owner, how, pr.what, pr.n, prev, MinPriority+1, MaxPriority))
		}
	}
}
