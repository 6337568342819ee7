package migration

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// validate checks props and returns a copy; it panics on the first
// invalid value.
func validate(scope constructs.Construct, id string, props *Props) Props {
	v := invalid.Construct{Kind: "migration", ID: id}
	if props == nil {
		v.Fail("props", "are required")
	}
	p := *props
	if p.Cluster == nil {
		v.Fail("Cluster", "is required")
	}
	if p.Listener == nil {
		v.Fail("Listener", "is required")
	}
	if p.Monolith.Name == "" {
		v.Fail("Monolith.Name", "is required: the monolith's name")
	}
	if len(p.Services) == 0 {
		v.Fail("Services", "must list at least one service to extract")
	}
	all := append([]microservice.Props{p.Monolith}, p.Services...)
	field := func(i int) string {
		if i == 0 {
			return "Monolith"
		}
		return fmt.Sprintf("Services[%d]", i-1)
	}
	names := map[string]string{}  // name -> field
	owners := map[string]string{} // path pattern -> field and name
	for i, s := range all {
		f := field(i)
		switch {
		case s.Cluster != nil:
			v.Fail(f+".Cluster", "is set by the migration (Props.Cluster); leave it unset")
		case s.Listener != nil:
			v.Fail(f+".Listener", "is set by the migration (Props.Listener); leave it unset")
		case s.Share != nil:
			v.Fail(f+".Share", "is set by the migration from Props.State; leave it unset")
		case s.PreviewHeader != "":
			v.Fail(f+".PreviewHeader", "is set by the migration (Props.PreviewHeader); leave it unset")
		}
		if prev, dup := names[s.Name]; dup {
			v.Fail(f+".Name", "%q is also the name of %s; each service needs its own name", s.Name, prev)
		}
		names[s.Name] = f
		for _, path := range s.Paths {
			if prev, dup := owners[path]; dup {
				v.Fail(f+".Paths", "path pattern %q of %q is also listed by %s; each path pattern belongs to one service", path, s.Name, prev)
			}
			owners[path] = fmt.Sprintf("%s (%q)", f, s.Name)
		}
	}
	p.PreviewHeader = cmp.Or(p.PreviewHeader, DefaultPreviewHeader)
	if p.DisablePreview {
		p.PreviewHeader = ""
	}
	if !microservice.ValidStickiness(p.Stickiness) {
		v.Fail("Stickiness", "must be 0 (off) or whole seconds from %s to %s, got %s", microservice.MinStickiness, microservice.MaxStickiness, p.Stickiness)
	}
	checkState(v, p)
	stack := *awscdk.Stack_Of(scope).StackName()
	checkAlarms(v, &p.Alarms, stack)
	p.Dashboard.Name = cmp.Or(p.Dashboard.Name, stack+DefaultDashboardSuffix)
	if n := p.Dashboard.Name; !p.Dashboard.Disabled && (len(n) > 255 || !dashboardNameRE.MatchString(n)) {
		v.Fail("Dashboard.Name", "must be 1 to 255 letters, digits, '-' and '_', got %q", n)
	}
	return p
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
	// The longest name: PREFIX-NAME-client-error-rate.
	longest := len(a.NamePrefix) + 1 + microservice.MaxNameLength + len("-"+ClientErrorRateSuffix)
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

// checkState checks the state against the table: every name is a service
// to extract, once, with a percent from 0 to 100; and below 100 % every
// path pattern of the service is one the monolith's patterns match.
func checkState(v invalid.Construct, p Props) {
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
			if !covered(p.Monolith.Paths, path) {
				v.Fail(prop+".Percent", "%q at %d %% sends %d %% of path pattern %q to the monolith, whose paths %q do not match it; "+
					"add a pattern that matches it to Monolith.Paths, or extract %q at 100",
					e.Service, e.Percent, 100-e.Percent, path, p.Monolith.Paths, e.Service)
			}
		}
	}
}

// covered reports whether every request path that pattern matches is
// matched by one of the monolith's patterns. (ALB path patterns: '*'
// matches any characters, '?' exactly one.)
func covered(monolith []string, pattern string) bool {
	for _, m := range monolith {
		if globCovers(m, pattern) {
			return true
		}
	}
	return false
}

// globCovers reports whether pattern m matches every string pattern p
// matches. It matches p's text against m with p's wildcards as symbols: a
// '*' of m absorbs any run of p (wildcards included), a '?' of m takes one
// symbol but never p's '*' (which may stand for many), and a literal of m
// must meet the same literal. That is sound: whatever p's wildcards stand
// for, m still matches.
func globCovers(m, p string) bool {
	if m == "" {
		return p == ""
	}
	switch m[0] {
	case '*':
		for i := 0; i <= len(p); i++ {
			if globCovers(m[1:], p[i:]) {
				return true
			}
		}
		return false
	case '?':
		return p != "" && p[0] != '*' && globCovers(m[1:], p[1:])
	}
	return p != "" && p[0] == m[0] && globCovers(m[1:], p[1:])
}
