package microservice

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

var (
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	// pathRE holds the characters the ALB accepts in a path pattern.
	pathRE = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]*$`)
	envRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// headerNameRE is an HTTP header name (an RFC 9110 token).
	headerNameRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
	// httpCodesRE is a health check matcher: codes, lists and ranges.
	httpCodesRE = regexp.MustCompile(`^[2-4][0-9]{2}(-[2-4][0-9]{2})?(,[2-4][0-9]{2}(-[2-4][0-9]{2})?)*$`)
)

// fargateMemory lists, for each Fargate CPU value, the memory sizes in MiB
// that Fargate accepts.
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var s []int
	for m := from; m <= to; m += step {
		s = append(s, m)
	}
	return s
}

// ValidHeaderName reports whether h can name a preview header: an HTTP
// header name (an RFC 9110 token) of at most MaxHeaderNameLength
// characters, or a token, which is not checked before deployment.
func ValidHeaderName(h string) bool {
	return invalid.Unresolved(h) || len(h) <= MaxHeaderNameLength && headerNameRE.MatchString(h)
}

// Check reports, as New does, every problem of props as an error
// annotation on scope, in the name of construct kind with that id and each
// prop named prefix+PROP (a migration checks the services of its whole
// plan so: kind "migration", prefix "Services[1]."); it returns props with
// their defaults filled in, and whether they are valid. New builds nothing
// from invalid props; neither should a caller.
func Check(scope constructs.IConstruct, kind, id, prefix string, props *Props) (Props, bool) {
	return check(invalid.New(scope, kind, id).Under(prefix), props)
}

// check returns a copy of props with defaults filled in, reporting every
// problem through v, and whether there was none. A value that fails is
// kept; a check that depends on it is skipped. A value that holds an
// unresolved token is not checked, as aws-cdk-lib's checks do not.
func check(v invalid.Construct, props *Props) (Props, bool) {
	before := v.Problems()
	if props == nil {
		v.Fail("props", "are required")
		return Props{}, false
	}
	p := *props
	platformOK := checkPlatform(v, p.Platform)
	fargate := !platformOK || !p.Platform.onEC2()
	if !invalid.Unresolved(p.Name) && (len(p.Name) > MaxNameLength || !nameRE.MatchString(p.Name)) {
		v.Fail("Name", "must be 1 to %d characters of lower-case letters, digits and '-', starting with a letter, got %q", MaxNameLength, p.Name)
	}
	checkPaths(v, p.Paths, p.PreviewHeader != "")
	if h := p.PreviewHeader; h != "" && !ValidHeaderName(h) {
		v.Fail("PreviewHeader", "must be an HTTP header name of 1 to %d letters, digits and !#$%%&'*+-.^_`|~, got %q", MaxHeaderNameLength, h)
	}
	if p.Image == nil {
		v.Fail("Image", "is required: use ImageFromDirectory, ImageFromECR or any awsecs.ContainerImage")
	}
	for _, problem := range imageProblems(p.Image) {
		v.Fail(problem.prop, "%s", problem.msg)
	}
	if p.Priority != 0 && (p.Priority < MinPriority+1 || p.Priority > MaxPriority) {
		v.Fail("Priority", "must be from %d to %d (the preview rule takes Priority - 1), or 0 for automatic, got %d", MinPriority+1, MaxPriority, p.Priority)
	}
	p.LogRetention = cmp.Or(p.LogRetention, DefaultLogRetention)
	p.ContainerPort = cmp.Or(p.ContainerPort, DefaultContainerPort)
	if p.ContainerPort < 1 || p.ContainerPort > 65535 {
		v.Fail("ContainerPort", "must be from 1 to 65535, got %d", p.ContainerPort)
	}
	if platformOK && !slices.Contains(p.Platform.TargetPorts, p.ContainerPort) {
		v.Fail("ContainerPort", "the load balancer of %s may send to ports %v only (its TargetPorts), got %d; "+
			"add %d to its TargetPorts or listen on one of them", p.Platform.Owner, p.Platform.TargetPorts, p.ContainerPort, p.ContainerPort)
	}
	checkSize(v, &p, fargate)
	checkScaling(v, &p)
	checkHealth(v, &p)
	p.User = cmp.Or(p.User, DefaultUser)
	if root := strings.SplitN(p.User, ":", 2)[0]; !invalid.Unresolved(p.User) && (root == "root" || root == "0") {
		v.Fail("User", "must not be root (Control Tower CT.ECS.PR.3 and PR.8), got %q", p.User)
	}
	for k := range p.Environment {
		if !envRE.MatchString(k) {
			v.Fail("Environment", "variable names must match %s, got %q", envRE, k)
		}
		if k == "PORT" {
			v.Fail("Environment", "must not set PORT: it is set from ContainerPort")
		}
	}
	for k, s := range p.Secrets {
		if !envRE.MatchString(k) || k == "PORT" {
			v.Fail("Secrets", "variable names must match %s and not be PORT, got %q", envRE, k)
		}
		if _, dup := p.Environment[k]; dup {
			v.Fail("Secrets", "%q is also in Environment; give each variable one source", k)
		}
		if s == nil {
			v.Fail("Secrets", "%q has no secret", k)
		}
	}
	if sh := p.Share; sh != nil {
		if sh.Other == nil {
			v.Fail("Share.Other", "is required: the target group that receives the rest of the requests")
		}
		if sh.Percent < 0 || sh.Percent > 100 {
			v.Fail("Share.Percent", "must be from 0 to 100, got %d", sh.Percent)
		}
		if !ValidStickiness(sh.Stickiness) {
			v.Fail("Share.Stickiness", "must be 0 (off) or whole seconds from %s to %s, got %s", MinStickiness, MaxStickiness, sh.Stickiness)
		}
	}
	return p, v.Problems() == before
}

// checkSize fills and checks the task size and architecture.
func checkSize(v invalid.Construct, p *Props, fargate bool) {
	p.CPU = cmp.Or(p.CPU, DefaultCPU)
	p.MemoryMiB = cmp.Or(p.MemoryMiB, DefaultMemoryMiB)
	if fargate {
		mem, ok := fargateMemory[p.CPU]
		if !ok {
			v.Fail("CPU", "must be a Fargate CPU value (256, 512, 1024, 2048, 4096, 8192 or 16384), got %d", p.CPU)
		} else if !slices.Contains(mem, p.MemoryMiB) {
			v.Fail("MemoryMiB", "must be a Fargate memory size for CPU %d (from %d to %d MiB), got %d", p.CPU, mem[0], mem[len(mem)-1], p.MemoryMiB)
		}
	} else {
		if p.CPU < 128 || p.CPU > 10240 {
			v.Fail("CPU", "must be from 128 to 10240 CPU units on EC2, got %d", p.CPU)
		}
		if p.MemoryMiB < 128 {
			v.Fail("MemoryMiB", "must be at least 128 MiB, got %d", p.MemoryMiB)
		}
	}
	p.Architecture = cmp.Or(p.Architecture, DefaultArchitecture)
	if p.Architecture != X86_64 && p.Architecture != ARM64 {
		v.Fail("Architecture", "must be %s or %s, got %q", X86_64, ARM64, p.Architecture)
	}
	if fargate {
		return
	}
	if arch := p.Platform.Architecture; arch != "" && arch != p.Architecture {
		v.Fail("Architecture", "the EC2 capacity of %s runs %s instances, got %s", p.Platform.Owner, arch, p.Architecture)
	}
}

// fillScaling fills in the defaults of the task counts and of the
// deployment percents.
func fillScaling(p *Props) {
	p.MinCapacity = cmp.Or(p.MinCapacity, DefaultMinCapacity)
	p.MaxCapacity = cmp.Or(p.MaxCapacity, max(DefaultMaxCapacity, p.MinCapacity))
	p.MaxHealthyPercent = cmp.Or(p.MaxHealthyPercent, DefaultMaxHealthyPercent)
}

// MostTasks returns the most tasks a service of props runs at once: its
// MaxCapacity, times its MaxHealthyPercent while a deployment starts new
// tasks beside the old ones (MaxTasks), with their defaults.
func MostTasks(props Props) int {
	fillScaling(&props)
	return MaxTasks(props.MaxCapacity, props.MaxHealthyPercent)
}

// checkScaling fills and checks the task counts, the scaling targets and
// the deployment percents.
func checkScaling(v invalid.Construct, p *Props) {
	fillScaling(p)
	if p.MinCapacity < 1 {
		v.Fail("MinCapacity", "must be at least 1, got %d", p.MinCapacity)
	}
	if p.MaxCapacity < p.MinCapacity {
		v.Fail("MaxCapacity", "must be at least MinCapacity (%d), got %d", p.MinCapacity, p.MaxCapacity)
	}
	p.CPUTargetPercent = cmp.Or(p.CPUTargetPercent, DefaultCPUTargetPercent)
	if p.CPUTargetPercent < 1 || p.CPUTargetPercent > 100 {
		v.Fail("CPUTargetPercent", "must be from 1 to 100, got %d", p.CPUTargetPercent)
	}
	if p.ExtraTargetGroups < 0 || p.ExtraTargetGroups > MaxExtraTargetGroups {
		v.Fail("ExtraTargetGroups", "must be from 0 to %d: ECS registers a service in at most %d target groups, its own included, got %d",
			MaxExtraTargetGroups, MaxTargetGroups, p.ExtraTargetGroups)
	}
	if p.RequestsPerTarget < 0 {
		v.Fail("RequestsPerTarget", "must be 0 (no request-count policy) or at least 1 request per task per minute, got %d", p.RequestsPerTarget)
	}
	if p.MinHealthyPercent == nil {
		p.MinHealthyPercent = new(DefaultMinHealthyPercent)
	}
	if m := *p.MinHealthyPercent; m < 0 || m > 100 {
		v.Fail("MinHealthyPercent", "must be from 0 to 100, got %d", m)
	}
	if p.MaxHealthyPercent < 100 || p.MaxHealthyPercent > MaxMaxHealthyPercent {
		v.Fail("MaxHealthyPercent", "must be from 100 to %d, got %d", MaxMaxHealthyPercent, p.MaxHealthyPercent)
	}
}

// checkHealth fills and checks the health check and the timings of a
// task's start and stop.
func checkHealth(v invalid.Construct, p *Props) {
	hc := &p.HealthCheck
	hc.Path = cmp.Or(hc.Path, DefaultHealthCheckPath)
	if !invalid.Unresolved(hc.Path) && (!strings.HasPrefix(hc.Path, "/") || len(hc.Path) > 1024 || strings.ContainsAny(hc.Path, " *?")) {
		v.Fail("HealthCheck.Path", "must start with '/' and be a plain path of at most 1024 characters, got %q", hc.Path)
	}
	hc.Interval = cmp.Or(hc.Interval, DefaultHealthCheckInterval)
	checkSeconds(v, "HealthCheck.Interval", hc.Interval, MinHealthCheckInterval, MaxHealthCheckInterval)
	hc.Timeout = cmp.Or(hc.Timeout, DefaultHealthCheckTimeout)
	checkSeconds(v, "HealthCheck.Timeout", hc.Timeout, MinHealthCheckTimeout, MaxHealthCheckTimeout)
	if hc.Timeout >= hc.Interval && hc.Interval >= MinHealthCheckInterval {
		v.Fail("HealthCheck.Timeout", "must be less than HealthCheck.Interval (%s), got %s", hc.Interval, hc.Timeout)
	}
	hc.HealthyThreshold = cmp.Or(hc.HealthyThreshold, DefaultHealthyThreshold)
	hc.UnhealthyThreshold = cmp.Or(hc.UnhealthyThreshold, DefaultUnhealthyThreshold)
	checkThreshold(v, "HealthCheck.HealthyThreshold", hc.HealthyThreshold)
	checkThreshold(v, "HealthCheck.UnhealthyThreshold", hc.UnhealthyThreshold)
	hc.HealthyHTTPCodes = cmp.Or(hc.HealthyHTTPCodes, DefaultHealthyHTTPCodes)
	if !httpCodesRE.MatchString(hc.HealthyHTTPCodes) {
		v.Fail("HealthCheck.HealthyHTTPCodes", "must be codes from 200 to 499 such as \"200\", \"200,204\" or \"200-299\", got %q", hc.HealthyHTTPCodes)
	}
	if p.DeregistrationDelay == nil {
		p.DeregistrationDelay = new(DefaultDeregistrationDelay)
	}
	checkSeconds(v, "DeregistrationDelay", *p.DeregistrationDelay, 0, MaxDeregistrationDelay)
	if p.HealthCheckGracePeriod == nil {
		p.HealthCheckGracePeriod = new(DefaultHealthCheckGracePeriod)
	}
	checkSeconds(v, "HealthCheckGracePeriod", *p.HealthCheckGracePeriod, 0, time.Duration(math.MaxInt32)*time.Second)
	p.StopTimeout = cmp.Or(p.StopTimeout, DefaultStopTimeout)
	checkSeconds(v, "StopTimeout", p.StopTimeout, MinStopTimeout, MaxStopTimeout)
}

// checkThreshold fails unless n is a health check threshold count.
func checkThreshold(v invalid.Construct, prop string, n int) {
	if n < MinThreshold || n > MaxThreshold {
		v.Fail(prop, "must be from %d to %d, got %d", MinThreshold, MaxThreshold, n)
	}
}

// checkSeconds fails unless d is whole seconds from lo to hi.
func checkSeconds(v invalid.Construct, prop string, d, lo, hi time.Duration) {
	if d < lo || d > hi || d%time.Second != 0 {
		v.Fail(prop, "must be whole seconds from %s to %s, got %s", lo, hi, d)
	}
}

// checkPaths fails unless paths are 1 to MaxPathPatterns distinct ALB
// path patterns (one fewer with a preview header) within the ALB's
// wildcard limit.
func checkPaths(v invalid.Construct, paths []string, preview bool) {
	most := MaxPathPatterns
	why := "the ALB's limit of condition values per rule"
	if preview {
		most--
		why = "the ALB's limit of five condition values per rule, one of which the preview header takes"
	}
	if len(paths) == 0 || len(paths) > most {
		v.Fail("Paths", "must hold 1 to %d path patterns (%s), got %d", most, why, len(paths))
	}
	seen := map[string]bool{}
	wildcards := 0
	for _, p := range paths {
		if invalid.Unresolved(p) {
			continue
		}
		if len(p) > MaxPathPatternLength || !pathRE.MatchString(p) {
			v.Fail("Paths", "each path pattern must start with '/', be at most %d characters, and use only A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & and the wildcards * and ?; got %q", MaxPathPatternLength, p)
		}
		if seen[p] {
			v.Fail("Paths", "path pattern %q is listed twice", p)
		}
		seen[p] = true
		wildcards += strings.Count(p, "*") + strings.Count(p, "?")
	}
	if wildcards > MaxWildcards {
		v.Fail("Paths", "may hold at most %d wildcards (* and ?) in all, the ALB's limit per rule, got %d in %q", MaxWildcards, wildcards, paths)
	}
}
