package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
)

// The account the emulator's resources live in.
const (
	// Partition is the AWS partition of the emulator's ARNs.
	Partition = "aws"
	// Region is the Region of the emulator's ARNs, and the one its
	// clients are configured with (Config).
	Region = "us-east-1"
	// Account is the account id of the emulator's ARNs.
	Account = "000000000000"
)

// Env is the environment the emulator resolves the assembly's templates
// in: a cfn.Resolver made with it computes the same ARNs as ARNs does.
func Env() cfn.Env { return cfn.Env{Partition: Partition, Region: Region, Account: Account} }

// kinds of resource an ARN names.
const (
	kindTargetGroup = "targetgroup"
	kindListener    = "listener"
	kindRule        = "listener-rule"
	kindDefaultRule = "default-rule"
)

// ARNs gives the load balancer resources of an assembly stable ARNs: those
// that CloudFormation would report for them in Env (cfn.Resolver's stand-in
// names and ids), so that an ARN read from a template output equals the
// one the emulator serves. A resource that the assembly's templates do not
// hold (a listener or rule made by hand, or by a later assembly) gets an
// ARN of the same form made from its ResourceID. It is safe for
// concurrent use.
type ARNs struct {
	resolver *cfn.Resolver

	mu    sync.Mutex
	byID  map[named]string
	byARN map[string]named
}

// named is a resource of a kind.
type named struct {
	kind string
	id   albemu.ResourceID
}

// NewARNs returns the ARNs of asm's resources.
func NewARNs(asm *albemu.Assembly) *ARNs {
	templates := asm.Templates
	if templates == nil { // an assembly made by hand
		templates = &cfn.Assembly{Stacks: map[string]*cfn.Template{}}
	}
	return &ARNs{
		resolver: cfn.NewResolver(templates, Env()),
		byID:     map[named]string{},
		byARN:    map[string]named{},
	}
}

// TargetGroup returns the ARN of a target group:
// arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/HEX.
func (a *ARNs) TargetGroup(id albemu.ResourceID) string {
	return a.arn(named{kindTargetGroup, id}, func() string {
		return elbARN("targetgroup/" + truncate(safeName(id.Stack+"-"+id.LogicalID), 32) + "/" + hash16(id.String()))
	})
}

// Listener returns the ARN of a listener:
// arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/LBHEX/HEX.
func (a *ARNs) Listener(id albemu.ResourceID) string {
	return a.arn(named{kindListener, id}, func() string {
		return elbARN("listener/app/" + truncate(safeName(id.Stack), 32) + "/" + hash16(id.Stack+"/load-balancer") + "/" + hash16(id.String()))
	})
}

// Rule returns the ARN of a listener rule of listener:
// arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener-rule/app/NAME/LBHEX/LISTENERHEX/HEX.
func (a *ARNs) Rule(listener, id albemu.ResourceID) string {
	return a.arn(named{kindRule, id}, func() string {
		return ruleARN(a.Listener(listener), id.String())
	})
}

// DefaultRule returns the ARN of a listener's default rule, the one that
// DescribeRules reports with Priority "default".
func (a *ARNs) DefaultRule(listener albemu.ResourceID) string {
	return a.arn(named{kindDefaultRule, listener}, func() string {
		return ruleARN(a.Listener(listener), listener.String()+"/default")
	})
}

// LoadBalancerFullName returns the full name of the load balancer of a
// listener, "app/NAME/HEX": the value of the LoadBalancer dimension of its
// CloudWatch metrics.
func (a *ARNs) LoadBalancerFullName(listener albemu.ResourceID) string {
	res := strings.TrimPrefix(resourcePart(a.Listener(listener)), "listener/") // app/NAME/LBHEX/HEX
	if i := strings.LastIndexByte(res, '/'); i >= 0 {
		res = res[:i]
	}
	return res
}

// TargetGroupFullName returns the full name of a target group,
// "targetgroup/NAME/HEX": the value of the TargetGroup dimension of its
// CloudWatch metrics.
func (a *ARNs) TargetGroupFullName(id albemu.ResourceID) string {
	return resourcePart(a.TargetGroup(id))
}

// Lookup returns the resource that an ARN given by a, a target group, a
// listener or a rule, names; a default rule's ARN names its listener.
func (a *ARNs) Lookup(arn string) (albemu.ResourceID, bool) {
	n, ok := a.lookup(arn)
	return n.id, ok
}

func (a *ARNs) lookup(arn string) (named, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := a.byARN[arn]
	return n, ok
}

// arn returns the cached ARN of n, or resolves it as CloudFormation would,
// or, when the templates do not hold it, makes it with fallback.
func (a *ARNs) arn(n named, fallback func() string) string {
	a.mu.Lock()
	if s, ok := a.byID[n]; ok {
		a.mu.Unlock()
		return s
	}
	a.mu.Unlock()
	s, err := "", error(nil)
	if n.kind != kindDefaultRule {
		s, err = a.resolver.PhysicalID(n.id.Stack, n.id.LogicalID)
	}
	if n.kind == kindDefaultRule || err != nil || !strings.HasPrefix(resourcePart(s), n.kind+"/") {
		s = fallback() // may call arn for another resource: not under a.mu
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.byID[n] = s
	a.byARN[s] = n
	return s
}

// elbARN returns the ELBv2 ARN of a resource in Env.
func elbARN(resource string) string { return Env().ARN("elasticloadbalancing", resource) }

// ruleARN returns the ARN of a rule of a listener, its last part made
// from seed.
func ruleARN(listener, seed string) string {
	return strings.Replace(listener, ":listener/", ":listener-rule/", 1) + "/" + hash16(seed)
}

// resourcePart returns what follows the fifth colon of an ARN.
func resourcePart(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[5]
}

// hash16 returns 16 hexadecimal digits made from s.
func hash16(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// safeName keeps the letters, digits and hyphens of s: what an ELB name may
// hold.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return '-'
	}, s)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
