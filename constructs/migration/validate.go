package migration

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// validate checks the whole plan, whatever the state, reporting every
// problem through v; it returns props with their defaults, the plan (the
// monolith's props, then each service's, with their defaults, the
// cluster, the listener, the preview header and their priorities filled
// in), and whether there was no problem.
func validate(v invalid.Construct, stack string, props *Props) (Props, []microservice.Props, bool) {
	if props == nil {
		v.Fail("props", "are required")
		return Props{}, nil, false
	}
	p := *props
	platformOK := microservice.CheckPlatform(v.Scope, v.Kind, v.ID, p.Platform)
	if len(p.Services) == 0 {
		v.Fail("Services", "must list at least one service to extract")
	}
	p.PreviewHeader = cmp.Or(p.PreviewHeader, DefaultPreviewHeader)
	if p.DisablePreview {
		p.PreviewHeader = ""
	} else if !microservice.ValidHeaderName(p.PreviewHeader) {
		v.Fail("PreviewHeader", "must be an HTTP header name of 1 to %d letters, digits and !#$%%&'*+-.^_`|~, got %q", microservice.MaxHeaderNameLength, p.PreviewHeader)
		p.PreviewHeader = DefaultPreviewHeader // the services' own checks would name it again
	}
	if !platformOK || v.Failed() {
		return p, nil, false
	}
	plan, servicesOK := checkServices(v, p)
	if env := p.Platform; env.TaskSlots > 0 { // slots are known on EC2 capacity only
		if peak := PeakTasks(p.Monolith, p.Services); peak > env.TaskSlots {
			v.Fail("Platform", "the EC2 capacity of %s gives %d awsvpc task slots, but the plan's services may run %d tasks at once "+
				"at its peak, every service with the monolith, during deployments at their maximum scale; size the capacity for the "+
				"whole migration with the cluster's EC2.Tasks = migration.PeakTasks(monolith, services), so that no state changes it",
				env.Owner, env.TaskSlots, peak)
		}
	}
	checkOverlaps(v, plan)
	checkPriorities(v, plan)
	if !microservice.ValidStickiness(p.Stickiness) {
		v.Fail("Stickiness", "must be 0 (off) or whole seconds from %s to %s, got %s", microservice.MinStickiness, microservice.MaxStickiness, p.Stickiness)
	}
	checkState(v, p, plan)
	checkAlarms(v, &p.Alarms, stack)
	checkRamp(v, &p.Ramp, p.Alarms.Disabled)
	p.Dashboard.Name = cmp.Or(p.Dashboard.Name, stack+DefaultDashboardSuffix)
	if n := p.Dashboard.Name; !p.Dashboard.Disabled && !invalid.Unresolved(n) && (len(n) > 255 || !dashboardNameRE.MatchString(n)) {
		v.Fail("Dashboard.Name", "must be 1 to 255 letters, digits, '-' and '_', got %q", n)
	}
	return p, plan, servicesOK && !v.Failed()
}

// field names a service of the plan: Monolith, or Services[i].
func field(i int) string {
	if i == 0 {
		return "Monolith"
	}
	return fmt.Sprintf("Services[%d]", i-1)
}

// checkServices checks every service's props as microservice.New would,
// with the cluster, listener and preview header the migration gives them,
// and that the props the migration sets are unset; it returns the plan, and
// whether every service's props are valid.
func checkServices(v invalid.Construct, p Props) ([]microservice.Props, bool) {
	ok := true
	plan := append([]microservice.Props{p.Monolith}, p.Services...)
	names := map[string]string{} // name -> field
	for i, s := range plan {
		f := field(i)
		switch {
		case s.Platform != nil:
			v.Fail(f+".Platform", "is set by the migration (Props.Platform); leave it unset")
		case s.Share != nil:
			v.Fail(f+".Share", "is set by the migration from Props.State; leave it unset")
		case s.PreviewHeader != "":
			v.Fail(f+".PreviewHeader", "is set by the migration (Props.PreviewHeader); leave it unset")
		case i == 0 && s.Inside != "":
			v.Fail(f+".Inside", "must be unset: the monolith lies inside no service, got %q", s.Inside)
		case i == 0 && s.ExtraTargetGroups != 0:
			v.Fail(f+".ExtraTargetGroups", "is set by the migration (its target groups for the paths of the services below 100 %%); leave it unset")
		}
		s.Platform, s.PreviewHeader, s.Share = p.Platform, p.PreviewHeader, nil
		if i == 0 {
			s.ExtraTargetGroups = monolithTargetGroups(len(p.Services))
		}
		checked, valid := microservice.Check(v.Scope, v.Kind, v.ID, f+".", &s)
		plan[i], ok = checked, ok && valid
		if prev, dup := names[s.Name]; dup && s.Name != "" {
			v.Fail(f+".Name", "%q is also the name of %s; each service needs its own name", s.Name, prev)
		}
		names[s.Name] = f
	}
	for i, s := range plan[1:] {
		if s.Inside == "" {
			continue
		}
		j := slices.IndexFunc(plan[1:i+1], func(o microservice.Props) bool { return o.Name == s.Inside })
		if j < 0 && s.Inside != plan[0].Name {
			v.Fail(field(i+1)+".Inside", "must name the monolith or a service listed before %q, got %q", s.Name, s.Inside)
		}
	}
	return plan, ok
}

// checkOverlaps reports two services whose patterns can match the same
// path, with the path, unless one lies inside the other (Inside): each
// path belongs to one service. A service's patterns lie inside the
// monolith's (checkState checks that they are covered where a share needs
// it), and a service that lies inside another must lie inside it.
func checkOverlaps(v invalid.Construct, plan []microservice.Props) {
	insideOf := map[string]string{}
	for _, s := range plan[1:] {
		insideOf[s.Name] = cmp.Or(s.Inside, plan[0].Name)
	}
	within := func(inner, outer string) bool {
		n := inner
		for range plan { // Inside names a service listed before: no cycle, but a bad plan stops here too
			if n == "" || n == plan[0].Name {
				return false
			}
			if insideOf[n] == outer {
				return true
			}
			n = insideOf[n]
		}
		return false
	}
	for i := 1; i < len(plan); i++ {
		s := plan[i]
		if s.Inside != "" && s.Inside != plan[0].Name {
			if outer := slices.IndexFunc(plan[1:], func(o microservice.Props) bool { return o.Name == s.Inside }); outer >= 0 {
				for _, pattern := range s.Paths {
					if example, out := microservice.Uncovered(pattern, plan[outer+1].Paths); out {
						v.Fail(field(i)+".Paths", "path pattern %q of %q is not inside %q (Inside), whose patterns %q do not match %q", pattern, s.Name, s.Inside, plan[outer+1].Paths, example)
					}
				}
			}
		}
		for j := 1; j < i; j++ {
			o := plan[j]
			if within(s.Name, o.Name) || within(o.Name, s.Name) {
				continue
			}
		pairs:
			for _, a := range s.Paths {
				for _, b := range o.Paths {
					if example, overlap := microservice.Overlap(a, b); overlap {
						v.Fail(field(i)+".Paths", "path pattern %q of %q and %q of %q (%s) both match %q, so one would take the other's requests; "+
							"each path belongs to one service: make the patterns disjoint, or set Inside to %q on the one whose paths lie inside the other's",
							a, s.Name, b, o.Name, field(j), example, o.Name)
						break pairs
					}
				}
			}
		}
	}
}

// checkPriorities gives every rule of the plan its priority
// (microservice.PlanPriorities): the same in every state, none shared. A
// service that lies inside another must come first.
func checkPriorities(v invalid.Construct, plan []microservice.Props) {
	paths := make([][]string, len(plan))
	explicit := make([]int, len(plan))
	for i, s := range plan {
		paths[i], explicit[i] = s.Paths, s.Priority
	}
	priorities, clash, ok := microservice.PlanPriorities(paths, explicit)
	if !ok {
		a, b := plan[clash[0]], plan[clash[1]]
		v.Fail(field(clash[1])+".Priority", "%d of %q collides with the priority %d of %q (%s), or one of their preview rules (Priority - 1); "+
			"give each a priority of its own, two apart at least", b.Priority, b.Name, priorityOf(a, clash[0], explicit), a.Name, field(clash[0]))
		return
	}
	for i := range plan {
		plan[i].Priority = priorities[i]
	}
	for i, s := range plan[1:] {
		outer := slices.IndexFunc(plan, func(o microservice.Props) bool { return o.Name == cmp.Or(s.Inside, plan[0].Name) })
		if outer >= 0 && s.Priority >= plan[outer].Priority-1 {
			v.Fail(field(i+1)+".Priority", "%d: the rules of %q, which lies inside %q, must come first, below %q's preview rule (%d); "+
				"leave Priority automatic on both, or set it lower", s.Priority, s.Name, plan[outer].Name, plan[outer].Name, plan[outer].Priority-1)
		}
	}
}

// priorityOf is a rule's priority for a message: its explicit one, or
// its automatic one.
func priorityOf(s microservice.Props, i int, explicit []int) int {
	if explicit[i] != 0 {
		return explicit[i]
	}
	return microservice.AutoPriority(s.Paths)
}

var (
	dashboardNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	alarmPrefixRE   = regexp.MustCompile(`^[\x21-\x7e]+$`)
	emailRE         = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// ValidEmail reports whether s looks like an email address that SNS can
// subscribe (Alarms.Email): one @, no spaces, a dot in the domain.
func ValidEmail(s string) bool { return emailRE.MatchString(s) }

// maxAlarmName is CloudWatch's limit on an alarm name.
const maxAlarmName = 255

// unresolvedNumber reports whether f encodes an unresolved token, such as a
// parameter, which a synth-time check must skip: aws-cdk-lib encodes a
// number token as a double whose top 16 bits are 0xFBFF (its
// DOUBLE_TOKEN_MARKER_BITS), read here without a call into the jsii kernel.
func unresolvedNumber(f float64) bool {
	return math.Float64bits(f)>>48 == 0xFBFF
}

// checkAlarms fills the alarms' defaults and checks them.
func checkAlarms(v invalid.Construct, a *Alarms, stack string) {
	if a.Disabled {
		return
	}
	a.ErrorRatePercent = cmp.Or(a.ErrorRatePercent, DefaultErrorRatePercent)
	if a.ErrorRatePercent < 0 || a.ErrorRatePercent > 100 {
		v.Fail("Alarms.ErrorRatePercent", "must be above 0 and at most 100, got %g", a.ErrorRatePercent)
	}
	a.ClientErrorRatePercent = cmp.Or(a.ClientErrorRatePercent, DefaultClientErrorRatePercent)
	if a.ClientErrorRatePercent < 0 || a.ClientErrorRatePercent > 100 {
		v.Fail("Alarms.ClientErrorRatePercent", "must be above 0 and at most 100, got %g", a.ClientErrorRatePercent)
	}
	a.LoadBalancerErrorRatePercent = cmp.Or(a.LoadBalancerErrorRatePercent, DefaultLoadBalancerErrorRatePercent)
	if a.LoadBalancerErrorRatePercent < 0 || a.LoadBalancerErrorRatePercent > 100 {
		v.Fail("Alarms.LoadBalancerErrorRatePercent", "must be above 0 and at most 100, got %g", a.LoadBalancerErrorRatePercent)
	}
	a.LatencyP99 = cmp.Or(a.LatencyP99, DefaultLatencyP99)
	if a.LatencyP99 < time.Millisecond {
		v.Fail("Alarms.LatencyP99", "must be at least 1ms, got %s", a.LatencyP99)
	}
	a.UnhealthyHosts = cmp.Or(a.UnhealthyHosts, DefaultUnhealthyHosts)
	if a.UnhealthyHosts < 1 {
		v.Fail("Alarms.UnhealthyHosts", "must be at least 1, got %d", a.UnhealthyHosts)
	}
	a.VersusMonolithErrorMargin = cmp.Or(a.VersusMonolithErrorMargin, DefaultVersusMonolithErrorMargin)
	if m := a.VersusMonolithErrorMargin; !unresolvedNumber(m) && (m <= 0 || m > 100) {
		v.Fail("Alarms.VersusMonolithErrorMargin", "must be above 0 and at most 100 percentage points, got %g", m)
	}
	a.VersusMonolithClientErrorMargin = cmp.Or(a.VersusMonolithClientErrorMargin, DefaultVersusMonolithClientErrorMargin)
	if m := a.VersusMonolithClientErrorMargin; !unresolvedNumber(m) && (m <= 0 || m > 100) {
		v.Fail("Alarms.VersusMonolithClientErrorMargin", "must be above 0 and at most 100 percentage points, got %g", m)
	}
	a.VersusMonolithLatencyFactor = cmp.Or(a.VersusMonolithLatencyFactor, DefaultVersusMonolithLatencyFactor)
	if f := a.VersusMonolithLatencyFactor; !unresolvedNumber(f) && f < 1 {
		v.Fail("Alarms.VersusMonolithLatencyFactor", "must be at least 1 (the monolith's p99 on the same paths), got %g", f)
	}
	a.VersusMonolithLatencyFloor = cmp.Or(a.VersusMonolithLatencyFloor, DefaultVersusMonolithLatencyFloor)
	if fl := a.VersusMonolithLatencyFloor; fl < time.Millisecond || fl%time.Millisecond != 0 {
		v.Fail("Alarms.VersusMonolithLatencyFloor", "must be whole milliseconds, at least 1ms, got %s", fl)
	}
	a.Period = cmp.Or(a.Period, DefaultAlarmPeriod)
	if a.Period < time.Minute || a.Period%time.Minute != 0 {
		v.Fail("Alarms.Period", "must be whole minutes (ALB metrics have one-minute resolution), got %s", a.Period)
	}
	a.EvaluationPeriods = cmp.Or(a.EvaluationPeriods, DefaultEvaluationPeriods)
	a.DatapointsToAlarm = cmp.Or(a.DatapointsToAlarm, min(DefaultDatapointsToAlarm, a.EvaluationPeriods))
	if a.EvaluationPeriods < 1 {
		v.Fail("Alarms.EvaluationPeriods", "must be at least 1, got %d", a.EvaluationPeriods)
	}
	if a.DatapointsToAlarm < 1 || a.DatapointsToAlarm > a.EvaluationPeriods {
		v.Fail("Alarms.DatapointsToAlarm", "must be from 1 to EvaluationPeriods (%d), got %d", a.EvaluationPeriods, a.DatapointsToAlarm)
	}
	a.NamePrefix = cmp.Or(a.NamePrefix, stack)
	// The longest name: PREFIX-NAME-client-error-rate-vs-monolith.
	longest := len(a.NamePrefix) + 1 + microservice.MaxNameLength + len("-"+VersusMonolithClientErrorRateSuffix)
	if !alarmPrefixRE.MatchString(a.NamePrefix) || longest > maxAlarmName {
		v.Fail("Alarms.NamePrefix", "must be printable ASCII without spaces, short enough for names of at most %d characters, got %q", maxAlarmName, a.NamePrefix)
	}
	if a.Email != "" && !ValidEmail(a.Email) {
		v.Fail("Alarms.Email", "must be an email address, got %q", a.Email)
	}
	if a.Email != "" && a.Topic != nil {
		v.Fail("Alarms.Email", "cannot be set with Alarms.Topic: the address would be subscribed to nothing; subscribe it to your topic yourself, got %q", a.Email)
	}
}

// checkState checks the state against the plan: every name is a service
// to extract, once, with a percent from 0 to 100; below 100 % every path
// pattern of the service is one the monolith's patterns match; a retired
// monolith needs every service at 100 %, and no path that only the
// monolith matches (unless RetireUnownedPaths).
func checkState(v invalid.Construct, p Props, plan []microservice.Props) {
	var names []string
	for _, s := range p.Services {
		names = append(names, s.Name)
	}
	seen := map[string]bool{}
	for i, e := range p.State.Extracted {
		prop := fmt.Sprintf("State.Extracted[%d]", i)
		svc := slices.IndexFunc(p.Services, func(s microservice.Props) bool { return s.Name == e.Service })
		if svc < 0 {
			v.Fail(prop+".Service", "%q is not a service of Services (%s)", e.Service, strings.Join(names, ", "))
			continue
		}
		if seen[e.Service] {
			v.Fail(prop+".Service", "%q is extracted twice", e.Service)
		}
		seen[e.Service] = true
		if e.Percent < 0 || e.Percent > 100 {
			v.Fail(prop+".Percent", "must be from 0 to 100, got %d for %q", e.Percent, e.Service)
		}
		if e.Percent == 100 {
			continue
		}
		for _, path := range p.Services[svc].Paths {
			if example, out := microservice.Uncovered(path, p.Monolith.Paths); out {
				v.Fail(prop+".Percent", "%q at %d %% sends %d %% of path pattern %q to the monolith, whose paths %q do not match it (such as %q); "+
					"add a pattern that matches it to Monolith.Paths, or extract %q at 100",
					e.Service, e.Percent, 100-e.Percent, path, p.Monolith.Paths, example, e.Service)
			}
		}
	}
	if !p.State.Retired {
		checkWeighted(v, p)
		return
	}
	if !p.State.Complete(names) {
		v.Fail("State.Retired", "retires the monolith while a service does not serve all of its paths (%s); extract every service at 100 %% first", p.State)
		return
	}
	var owned []string
	for _, s := range plan[1:] {
		owned = append(owned, s.Paths...)
	}
	if p.RetireUnownedPaths {
		return
	}
	for _, m := range p.Monolith.Paths {
		if example, ok := microservice.Uncovered(m, owned); ok {
			v.Fail("State.Retired", "retiring the monolith drops the paths its pattern %q matches and no service's pattern does, such as %q: "+
				"they would get the listener's default action; compare the states with your clients' requests (ecsplit-local compare), "+
				"then set RetireUnownedPaths, or give those paths to a service", m, example)
			return
		}
	}
}

// checkWeighted refuses a state with more services below 100 % than the
// monolith has target groups for their paths (MaxWeightedServices).
func checkWeighted(v invalid.Construct, p Props) {
	var names []string
	for _, e := range p.State.Extracted {
		known := slices.ContainsFunc(p.Services, func(s microservice.Props) bool { return s.Name == e.Service })
		if weighted(e.Percent, p.Ramp.on()) && known && !slices.Contains(names, e.Service) {
			names = append(names, e.Service)
		}
	}
	if len(names) > monolithTargetGroups(len(p.Services)) {
		if p.Ramp.on() {
			v.Fail("State", "has %d services extracted at once with a ramp (%s), but at most %d may be: a ramp judges each one against "+
				"the monolith on its paths, which the monolith serves from a target group of its own, and ECS registers a service in at most "+
				"%d target groups, its own included; deploy without the ramp, or ramp a state with at most %d services extracted",
				len(names), strings.Join(names, ", "), MaxWeightedServices, microservice.MaxTargetGroups, MaxWeightedServices)
			return
		}
		v.Fail("State", "has %d services below 100 %% at once (%s), but at most %d may be: the monolith serves each one's share "+
			"from a target group of its own and ECS registers a service in at most %d target groups, its own included; "+
			"take services to 100 %% (or back out of the state) so that at most %d are below 100 %% at once",
			len(names), strings.Join(names, ", "), MaxWeightedServices, microservice.MaxTargetGroups, MaxWeightedServices)
	}
}

// PeakTasks returns the most tasks the plan of a migration runs at once on
// EC2 capacity, in any of its states: the monolith and every service side
// by side, each at its maximum scale during a deployment
// (microservice.MostTasks). Size the platform with it once (the cluster's
// EC2.Tasks), so that no state of the migration changes the platform.
func PeakTasks(monolith microservice.Props, services []microservice.Props) int {
	peak := microservice.MostTasks(monolith)
	for _, s := range services {
		peak += microservice.MostTasks(s)
	}
	return peak
}
