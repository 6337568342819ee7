// Package ramp moves a service's share of its paths to a target step by
// step, baking at each step while CloudWatch alarms judge it: the
// hands-off ramp of one `cdk deploy`.
//
// A service's share is a weighted forward in one ALB listener rule: the
// service's target group weighs p and the monolith's 100-p. The ramp
// finds that rule by listener and priority, writes the weights of each
// step of its Plan in turn and, when an alarm goes off during a bake,
// writes back the share it started from and fails, so that CloudFormation
// rolls the deployment back.
package ramp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits and defaults of a Plan.
const (
	// MinStep is the smallest step, in percent of the service's paths.
	MinStep = 1
	// MaxStep is the largest step: a step of 100 is the whole share,
	// which is a target rather than a step.
	MaxStep = 99
	// DefaultBake is the bake of a plan that does not give one.
	DefaultBake = 5 * time.Minute
	// MinBake is one CloudWatch alarm period of the migration's alarms:
	// a shorter bake cannot see an evaluation.
	MinBake = time.Minute
	// MaxTotal is the longest a ramp's bakes may take together. It is the
	// mechanism's limit: a CloudFormation custom resource must answer
	// within its ServiceTimeout, at most 3600 s, and 10 minutes of those
	// are kept for the rule changes, the polls and the answer.
	MaxTotal = 50 * time.Minute
	// PollInterval is how often a bake reads the alarms.
	PollInterval = 15 * time.Second
)

// planUsage is what a plan's syntax and limits are, for error messages.
var planUsage = fmt.Sprintf("use STEP[,STEP...][:BAKE], steps whole percents from %d to %d in increasing order, BAKE a duration from %s to %s (for example 5,25,50:5m)",
	MinStep, MaxStep, formatDuration(MinBake), formatDuration(MaxTotal))

// Plan is the steps and the bake of a ramp. Its text form, in app context
// and ParsePlan, is "5,25,50:5m": the steps in percent, then optionally a
// colon and the bake (DefaultBake when left out).
//
// Going up, a ramp writes each step between the live share and the target
// in turn, bakes Bake at each, then writes the target, where it does not
// bake. Going down it writes the target at once.
type Plan struct {
	// Steps are the shares a ramp goes through, in percent, increasing.
	Steps []int
	// Bake is how long a ramp stays at each step while alarms judge it.
	Bake time.Duration
}

// ParsePlan reads a plan in the syntax "5,25,50:5m" and checks it (see
// Plan.Check). The bake is a Go duration ("90s", "5m", "1m30s"); when left
// out it is DefaultBake. An empty string is the zero Plan, no ramp.
// Errors are one line naming the bad part and what is allowed.
func ParsePlan(s string) (Plan, error) {
	if s == "" {
		return Plan{}, nil
	}
	fail := func(format string, args ...any) (Plan, error) {
		return Plan{}, fmt.Errorf("ramp %q: %s; %s", s, fmt.Sprintf(format, args...), planUsage)
	}
	steps, bake, hasBake := strings.Cut(s, ":")
	p := Plan{Bake: DefaultBake}
	if hasBake {
		b := strings.TrimSpace(bake)
		if b == "" {
			return fail("no bake after the colon")
		}
		d, err := time.ParseDuration(b)
		if err != nil {
			return fail("bake %q is not a duration", b)
		}
		p.Bake = d
	}
	if strings.TrimSpace(steps) == "" {
		return fail("no steps")
	}
	for part := range strings.SplitSeq(steps, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return fail("an empty step")
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return fail("step %q is not a whole percent", part)
		}
		p.Steps = append(p.Steps, n)
	}
	if problem := p.problem(); problem != "" {
		return fail("%s", problem)
	}
	return p, nil
}

// Check reports whether p is a plan a ramp can follow: at least one step,
// steps from MinStep to MaxStep in increasing order, a bake of at least
// MinBake in whole seconds, and all bakes together, len(Steps)*Bake, at
// most MaxTotal. The error is one line.
func (p Plan) Check() error {
	if problem := p.problem(); problem != "" {
		return fmt.Errorf("ramp %q: %s; %s", p.String(), problem, planUsage)
	}
	return nil
}

// stepsProblem is what is wrong with steps, or "": each from MinStep to
// MaxStep, increasing.
func stepsProblem(steps []int) string {
	for i, s := range steps {
		if s < MinStep || s > MaxStep {
			return fmt.Sprintf("step %d is out of range", s)
		}
		if i > 0 && s <= steps[i-1] {
			return fmt.Sprintf("steps must increase (%d after %d)", s, steps[i-1])
		}
	}
	return ""
}

// problem is what is wrong with p, or "".
func (p Plan) problem() string {
	if len(p.Steps) == 0 {
		return "no steps"
	}
	if problem := stepsProblem(p.Steps); problem != "" {
		return problem
	}
	if p.Bake < MinBake {
		return fmt.Sprintf("bake %s is shorter than %s, one alarm period, so no alarm could judge it", formatDuration(p.Bake), formatDuration(MinBake))
	}
	if p.Bake%time.Second != 0 {
		return fmt.Sprintf("bake %s is not whole seconds", formatDuration(p.Bake))
	}
	if total := time.Duration(len(p.Steps)) * p.Bake; total > MaxTotal {
		return fmt.Sprintf("%d steps of %s bake for %s, more than the %s a ramp may take (a CloudFormation custom resource must answer within an hour, and %s of it are kept for the rule changes and the answer); use fewer steps or a shorter bake",
			len(p.Steps), formatDuration(p.Bake), formatDuration(total), formatDuration(MaxTotal), formatDuration(time.Hour-MaxTotal))
	}
	return ""
}

// String is p in ParsePlan's syntax, "5,25,50:5m"; ParsePlan reads it
// back to p. The zero Plan is "".
func (p Plan) String() string {
	var b strings.Builder
	for i, s := range p.Steps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(s))
	}
	if p.Bake != 0 {
		b.WriteByte(':')
		b.WriteString(formatDuration(p.Bake))
	}
	return b.String()
}

// Schedule is the shares a ramp from share from to share to writes, in
// order. Going up, it is the steps strictly between from and to, then to;
// going down or staying, it is just to: straight to the target, as a
// rollback does.
func (p Plan) Schedule(from, to int) []int {
	if to <= from {
		return []int{to}
	}
	var s []int
	for _, step := range p.Steps {
		if step > from && step < to {
			s = append(s, step)
		}
	}
	return append(s, to)
}

// Duration is how long the bakes of a ramp from share from to share to
// take: Bake for each step strictly between them; 0 going down.
func (p Plan) Duration(from, to int) time.Duration {
	return time.Duration(len(p.Schedule(from, to))-1) * p.Bake
}

// formatDuration writes d as time.Duration.String does without the zero
// units it ends with: "5m" rather than "5m0s", "1h" rather than "1h0m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
