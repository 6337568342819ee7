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

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
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

// PlanPriorities returns the listener rule priority of each rule of a plan
// of services that share a listener, given each one's path patterns and
// explicit priority (0 for automatic), so that no two rules, nor their
// preview rules (each at its priority minus one), share a priority: an
// automatic priority that an earlier rule of the plan holds moves to the
// next free slot of its band (its specificity stays), in the plan's order,
// so that a rule added at the end never moves the others, and no state of
// a migration numbers a rule differently from another. When an explicit
// priority collides, it returns ok false and the indexes of the two rules.
func PlanPriorities(paths [][]string, explicit []int) (priorities []int, clash [2]int, ok bool) {
	taken := map[int]int{} // priority -> rule index, for a rule and its preview rule
	free := func(p int) bool {
		_, a := taken[p]
		_, b := taken[p-1]
		return !a && !b && p-1 >= MinPriority
	}
	take := func(p, i int) {
		taken[p], taken[p-1] = i, i
	}
	priorities = make([]int, len(paths))
	// Explicit priorities first: they do not move.
	for i, p := range explicit {
		if p == 0 {
			continue
		}
		for _, q := range []int{p, p - 1} { // its rule and its preview rule
			if j, held := taken[q]; held {
				return nil, [2]int{j, i}, false
			}
		}
		take(p, i)
		priorities[i] = p
	}
	for i, ps := range paths {
		if explicit[i] != 0 {
			continue
		}
		p := AutoPriority(ps)
		band := (p - MinPriority) / slotsPerBand * slotsPerBand
		for step := 0; !free(p) && step < slotsPerBand; step++ {
			p = band + (p-band-MinPriority+2)%slotsPerBand + MinPriority
		}
		if !free(p) {
			return nil, [2]int{taken[p], i}, false
		}
		take(p, i)
		priorities[i] = p
	}
	return priorities, [2]int{-1, -1}, true
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
// listener, with what (a description, for other services' checks). It
// returns the previous claim's description when another service already
// claimed key on the same listener. Claims are plain constructs with no
// resources, kept in the listener's stack under the listener's path: they
// change no template, and they work across stacks and with imported
// listeners.
func (l claims) claim(kind, key, what string) (previous string, taken bool) {
	id := "EcsplitClaim" + kind + url.PathEscape(key) + l.at
	if c := l.stack.Node().TryFindChild(&id); c != nil {
		for _, child := range *c.Node().Children() {
			prev, _ := url.PathUnescape(*child.Node().Id())
			return prev, true
		}
	}
	c := constructs.NewConstruct(l.stack, &id)
	whatID := url.PathEscape(what)
	constructs.NewConstruct(c, &whatID)
	return "", false
}

// routeClaim is what a service claims of a listener's paths: its name,
// the service its paths lie inside (Props.Inside), its routing rule's
// priority, and its description for messages.
type routeClaim struct {
	pattern, name, inside string
	priority              int
	owner                 string
}

// encode writes the claim's description, the id of its claim's child.
func (r routeClaim) encode() string {
	return strings.Join([]string{r.name, r.inside, fmt.Sprint(r.priority), r.owner}, "\x00")
}

// routeClaims returns the path claims of other services on the listener.
func (l claims) routeClaims() []routeClaim {
	prefix := "EcsplitClaimPath"
	var out []routeClaim
	for _, c := range *l.stack.Node().Children() {
		id := *c.Node().Id()
		if !strings.HasPrefix(id, prefix) || !strings.HasSuffix(id, l.at) {
			continue
		}
		pattern, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(id, prefix), l.at))
		for _, child := range *c.Node().Children() {
			what, _ := url.PathUnescape(*child.Node().Id())
			parts := strings.SplitN(what, "\x00", 4)
			if len(parts) != 4 {
				continue
			}
			r := routeClaim{pattern: pattern, name: parts[0], inside: parts[1], owner: parts[3]}
			fmt.Sscan(parts[2], &r.priority)
			out = append(out, r)
		}
	}
	return out
}

// contains reports whether the service named outer contains the one named
// inner: inner lies inside it, directly or through services that lie
// inside it, by the Inside of each (insideOf).
func contains(insideOf map[string]string, outer, inner string) bool {
	for seen := 0; inner != "" && seen <= len(insideOf); seen++ {
		inner = insideOf[inner]
		if inner == outer {
			return true
		}
	}
	return false
}

// claimRoutes registers the service's path patterns and priority on the
// listener, and reports through v each one that clashes with another
// service's on the same listener: a pattern that can match a path another
// service's pattern matches, unless one lies inside the other (Inside), a
// service that lies inside another with a pattern outside it or a rule
// that is not evaluated first, and a priority another holds. It returns
// whether there was none.
func claimRoutes(v invalid.Construct, listener elbv2.IApplicationListener, me routeClaim, paths []string, explicit bool) bool {
	on := claimsOn(listener)
	ok := true
	others := on.routeClaims()
	insideOf := map[string]string{me.name: me.inside}
	byName := map[string][]routeClaim{}
	for _, o := range others {
		insideOf[o.name] = o.inside
		byName[o.name] = append(byName[o.name], o)
	}
	if outer := byName[me.inside]; me.inside != "" && len(outer) == 0 {
		v.Fail("Inside", "names %q, which is no other service on the same listener; set it to the name of the service whose paths this one's lie inside, or leave it empty", me.inside)
		ok = false
	} else if me.inside != "" {
		var outerPaths []string
		for _, o := range outer {
			outerPaths = append(outerPaths, o.pattern)
		}
		for _, p := range paths {
			if example, out := Uncovered(p, outerPaths); out {
				v.Fail("Paths", "path pattern %q of %s is not inside %s (Inside), whose patterns %q do not match %q", p, me.owner, outer[0].owner, outerPaths, example)
				ok = false
			}
		}
		if me.priority >= outer[0].priority-1 {
			v.Fail("Priority", "%d: the rules of %s, which lies inside %s, must come first: below %s's preview rule (%d); "+
				"leave Priority automatic or set one below it", me.priority, me.owner, outer[0].owner, outer[0].name, outer[0].priority-1)
			ok = false
		}
	}
	reported := map[string]bool{}
	for _, p := range paths {
		for _, o := range others {
			example, overlap := Overlap(p, o.pattern)
			if !overlap || o.name == me.name || contains(insideOf, o.name, me.name) || contains(insideOf, me.name, o.name) || reported[o.name] {
				continue
			}
			reported[o.name] = true
			v.Fail("Paths", "path pattern %q of %s and %q of %s both match %q, so one would take the other's requests; "+
				"each path belongs to one service: make the patterns disjoint, or set Inside to %q on the one whose paths lie inside the other's",
				p, me.owner, o.pattern, o.owner, example, o.name)
			ok = false
		}
	}
	for _, p := range paths {
		on.claim("Path", p, me.encode())
	}
	how := "the automatic (from Paths) "
	if explicit {
		how = "the "
	}
	for _, pr := range []struct {
		n    int
		what string
	}{{me.priority, "listener rule priority"}, {me.priority - 1, "listener rule priority of the preview rule (Priority - 1)"}} {
		if prev, taken := on.claim("Priority", fmt.Sprint(pr.n), me.owner); taken {
			v.Fail("Priority", "%s%s %d of %s is already used by %s on the same listener; set Priority explicitly (%d-%d) on one of them",
				how, pr.what, pr.n, me.owner, prev, MinPriority+1, MaxPriority)
			ok = false
		}
	}
	return ok
}
