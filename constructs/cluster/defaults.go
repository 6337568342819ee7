package cluster

// Defaults for Props. Each one is documented on the field it fills.
const (
	// DefaultMaxAzs is the number of Availability Zones the new VPC spans.
	DefaultMaxAzs = 2
	// DefaultNatGateways is the number of NAT gateways of the new VPC. One is
	// the cheapest setup that lets private tasks pull images and ship logs;
	// production accounts that need AZ-independent egress set one per AZ.
	DefaultNatGateways = 1
	// DefaultInstanceType is the EC2 instance type of EC2 capacity. A
	// t3.medium has 3 ENIs, so it runs 2 awsvpc tasks without ENI trunking.
	DefaultInstanceType = "t3.medium"
	// DefaultMinCapacity is the minimum number of EC2 instances.
	DefaultMinCapacity = 1
	// DefaultMaxCapacity is the maximum number of EC2 instances.
	DefaultMaxCapacity = 4
	// DefaultRootVolumeGiB is the size of the encrypted root volume of each
	// EC2 instance (the ECS-optimized AMI needs at least 30 GiB).
	DefaultRootVolumeGiB = 30
	// DefaultTargetCapacityPercent is the managed-scaling target of the EC2
	// capacity provider: 100 % packs tasks onto as few instances as possible.
	DefaultTargetCapacityPercent = 100
)
