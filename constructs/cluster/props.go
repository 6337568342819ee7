package cluster

import (
	"cmp"
	"slices"
)

// fillNetwork fills the defaults of the new VPC's props into p (NatGateways
// one per zone), and reports each bad value through fail, naming the prop,
// the value and what is allowed.
func fillNetwork(fail func(prop, format string, args ...any), p *Props) {
	if p.Vpc != nil {
		if p.MaxAzs != 0 {
			fail("MaxAzs", "must be left unset (0) when Vpc is given, got %d", p.MaxAzs)
		}
		if p.FlowLogRetention != "" {
			fail("FlowLogRetention", "must be left unset when Vpc is given (its flow logs are its owner's), got %q", p.FlowLogRetention)
		}
		if p.NatGateways != 0 {
			fail("NatGateways", "must be left unset (0) when Vpc is given, got %d", p.NatGateways)
		}
		return
	}
	if p.MaxAzs != 0 && p.MaxAzs < MinMaxAzs {
		fail("MaxAzs", "must be %d or more (an Application Load Balancer needs subnets in two Availability Zones), got %d", MinMaxAzs, p.MaxAzs)
	}
	p.MaxAzs = cmp.Or(p.MaxAzs, DefaultMaxAzs)
	if p.NatGateways == 0 {
		p.NatGateways = p.MaxAzs // one per zone: DefaultNatGateways with DefaultMaxAzs
	} else if p.NatGateways < 1 || p.NatGateways > p.MaxAzs {
		fail("NatGateways", "must be from 1 to %d (MaxAzs: one per AZ), got %d", p.MaxAzs, p.NatGateways)
	}
	p.FlowLogRetention = cmp.Or(p.FlowLogRetention, DefaultFlowLogRetention)
	if !slices.Contains(LogRetentions, p.FlowLogRetention) {
		fail("FlowLogRetention", "must be one of awslogs.RetentionDays (%s to %s, or %s), got %q",
			LogRetentions[0], LogRetentions[len(LogRetentions)-2], LogRetentions[len(LogRetentions)-1], p.FlowLogRetention)
	}
}

// fillInstances fills the defaults of the EC2 instances' props into e (the
// copy validate made, nil on Fargate only), and reports each bad value
// through fail.
func fillInstances(fail func(prop, format string, args ...any), e *EC2Capacity) {
	if e == nil {
		return
	}
	e.RootVolumeGiB = cmp.Or(e.RootVolumeGiB, DefaultRootVolumeGiB)
	if e.RootVolumeGiB < MinRootVolumeGiB || e.RootVolumeGiB > MaxRootVolumeGiB {
		fail("EC2.RootVolumeGiB", "must be from %d (the ECS-optimized AMI's snapshot) to %d GiB (gp3's largest), got %d",
			MinRootVolumeGiB, MaxRootVolumeGiB, e.RootVolumeGiB)
	}
	e.TargetCapacityPercent = cmp.Or(e.TargetCapacityPercent, DefaultTargetCapacityPercent)
	if e.TargetCapacityPercent < 1 || e.TargetCapacityPercent > 100 {
		fail("EC2.TargetCapacityPercent", "must be from 1 to 100 (ECS managed scaling's target capacity), got %d", e.TargetCapacityPercent)
	}
}
