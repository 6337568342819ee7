package cluster

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

// validate fills the EC2 capacity's defaults into p and reports every
// invalid value of it through v.
func validate(v invalid.Construct, p *Props) {
	fail := v.Fail
	if p.EC2 == nil {
		return
	}
	e := *p.EC2
	if e.InstanceType == "" {
		e.InstanceType = DefaultInstanceType
		if e.AlternativeInstanceTypes == nil {
			e.AlternativeInstanceTypes = slices.Clone(DefaultAlternativeInstanceTypes)
		}
	}
	if !validInstanceType(e.InstanceType) {
		fail("EC2.InstanceType", "must be an EC2 instance type such as %q (family.size), got %q", DefaultInstanceType, e.InstanceType)
	}
	for i, t := range e.AlternativeInstanceTypes {
		if !validInstanceType(t) || t == e.InstanceType || slices.Contains(e.AlternativeInstanceTypes[:i], t) {
			fail("EC2.AlternativeInstanceTypes", "must be distinct EC2 instance types such as %q (family.size), other than InstanceType %q, got %q", DefaultAlternativeInstanceTypes[0], e.InstanceType, t)
		}
		if a, b := instanceArchitecture(t), instanceArchitecture(e.InstanceType); a != b {
			fail("EC2.AlternativeInstanceTypes", "must have the architecture of InstanceType %q (%s): one AMI serves the group, got %q (%s)", e.InstanceType, b, t, a)
		}
	}
	if e.MinCapacity == nil {
		e.MinCapacity = new(DefaultMinCapacity)
	}
	if e.TasksPerInstance < 0 {
		fail("EC2.TasksPerInstance", "must be 0 (from the instance types) or more, got %d", e.TasksPerInstance)
	}
	per, known := e.tasksPerInstance()
	if !known {
		fail("EC2.TasksPerInstance", "the network interfaces of %s are not in cluster.InstanceNetworkInterfaces, so the awsvpc task slots "+
			"the services are checked against are not known; set EC2.TasksPerInstance (network interfaces minus one, or the trunking "+
			"limit when the account has awsvpcTrunking on)", strings.Join(e.instanceTypes(), ", "))
	}
	if e.Tasks < 0 {
		fail("EC2.Tasks", "must be 0 (MaxCapacity as given) or the most tasks the capacity must run at once, got %d", e.Tasks)
	}
	if e.MaxCapacity == 0 && e.Tasks > 0 && known && per > 0 {
		e.MaxCapacity = max(InstancesFor(e.Tasks, per), *e.MinCapacity, 1)
	}
	e.MaxCapacity = cmp.Or(e.MaxCapacity, max(DefaultMaxCapacity, *e.MinCapacity))
	if *e.MinCapacity < 0 {
		fail("EC2.MinCapacity", "must be 0 or more, got %d", *e.MinCapacity)
	}
	if e.MaxCapacity < 1 || e.MaxCapacity < *e.MinCapacity {
		fail("EC2.MaxCapacity", "must be at least 1 and at least MinCapacity (%d), got %d", *e.MinCapacity, e.MaxCapacity)
	}
	if known && e.Tasks > per*e.MaxCapacity {
		fail("EC2.MaxCapacity", "%d instances (%d awsvpc tasks each) give %d task slots, fewer than EC2.Tasks (%d); raise it to at least %d, or leave it unset and let Tasks size it",
			e.MaxCapacity, per, per*e.MaxCapacity, e.Tasks, InstancesFor(e.Tasks, per))
	}
	if n := e.CapacityProviderName; n != "" {
		lower := strings.ToLower(n)
		for _, reserved := range ReservedCapacityProviderPrefixes {
			if strings.HasPrefix(lower, reserved) {
				fail("EC2.CapacityProviderName", "must not begin with %q in any letter case (ECS reserves %s), got %q",
					reserved, strings.Join(ReservedCapacityProviderPrefixes, ", "), n)
			}
		}
		if len(n) > MaxCapacityProviderNameLength || !capacityProviderNameRE.MatchString(n) {
			fail("EC2.CapacityProviderName", "must be 1 to %d letters, digits, '-' and '_', got %q", MaxCapacityProviderNameLength, n)
		}
	}
	p.EC2 = &e
}

var capacityProviderNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)

func validInstanceType(s string) bool { return instanceTypeRE.MatchString(s) }
