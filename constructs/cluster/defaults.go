package cluster

import "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

// Defaults for Props. Each one is documented on the field it fills.
const (
	// DefaultMaxAzs is the number of Availability Zones the new VPC spans
	// (Props.MaxAzs).
	DefaultMaxAzs = 2
	// MinMaxAzs is the fewest Availability Zones Props.MaxAzs takes: an
	// Application Load Balancer needs subnets in two.
	MinMaxAzs = 2
	// DefaultNatGateways is the number of NAT gateways of the new VPC
	// (Props.NatGateways) with the default MaxAzs: one per Availability
	// Zone, so that losing a zone does not stop the other
	// zone's tasks from pulling images and shipping logs (about 32 USD a
	// month each, plus data processed, in us-east-1). One is cheaper and
	// fails with its zone; VpcEndpoints keeps AWS traffic off them.
	DefaultNatGateways = DefaultMaxAzs
	// DefaultInstanceType is the preferred EC2 instance type of EC2
	// capacity. A c6a.large (2 vCPUs, 4 GiB) has 3 ENIs, so it runs 2 awsvpc
	// tasks without ENI trunking, and as a Nitro type it encrypts traffic
	// to other Nitro instances in transit (Control Tower
	// CT.AUTOSCALING.PR.11).
	DefaultInstanceType = "c6a.large"
	// DefaultMinCapacity is the minimum number of EC2 instances.
	DefaultMinCapacity = 1
	// DefaultMaxCapacity is the maximum number of EC2 instances. Without ENI
	// trunking an instance of DefaultInstanceType runs 2 awsvpc tasks: the
	// split stage's 3 services × 2 tasks need 3 instances, and 6 while a
	// deployment runs old and new tasks side by side (max healthy 200 %);
	// 10 leaves room for autoscaling. Managed scaling launches only what
	// the tasks need.
	DefaultMaxCapacity = 10
	// DefaultRootVolumeGiB is the size of the encrypted root volume of each
	// EC2 instance (EC2Capacity.RootVolumeGiB): the smallest the
	// ECS-optimized AMI takes.
	DefaultRootVolumeGiB = MinRootVolumeGiB
	// MinRootVolumeGiB is the smallest root volume of an instance: the size
	// of the ECS-optimized Amazon Linux 2023 AMI's snapshot.
	MinRootVolumeGiB = 30
	// MaxRootVolumeGiB is the largest gp3 volume, 16 TiB.
	MaxRootVolumeGiB = 16384
	// DefaultTargetCapacityPercent is the managed-scaling target of the EC2
	// capacity provider (EC2Capacity.TargetCapacityPercent): 100 % packs
	// tasks onto as few instances as possible.
	DefaultTargetCapacityPercent = 100
	// DefaultCapacityProviderNamePrefix begins the capacity provider's
	// default name: ECS rejects names that begin with "aws", "ecs" or
	// "fargate", and a name derived from a stack such as "EcsplitPlatform"
	// would.
	DefaultCapacityProviderNamePrefix = "cp-"
	// MaxCapacityProviderNameLength is ECS's limit on a capacity provider
	// name.
	MaxCapacityProviderNameLength = 255
	// SessionManagerPolicy is the AWS managed policy that EC2.SessionManager
	// attaches to the instance role.
	SessionManagerPolicy = "AmazonSSMManagedInstanceCore"
)

// ReservedCapacityProviderPrefixes are the beginnings, in any letter case,
// that ECS rejects in a capacity provider name.
var ReservedCapacityProviderPrefixes = []string{"aws", "ecs", "fargate"}

// DefaultAlternativeInstanceTypes are the instance types the EC2 capacity
// may launch when DefaultInstanceType is short (Control Tower
// CT.AUTOSCALING.PR.6): c6i.large has the same 2 vCPUs, 4 GiB and 3 ENIs on
// Intel processors, and encrypts in transit too.
var DefaultAlternativeInstanceTypes = []string{"c6i.large"}

// DefaultFlowLogRetention is how long the new VPC's flow logs are kept
// (Props.FlowLogRetention): one year, the minimum of Control Tower's
// CT.CLOUDWATCH.PR.2.
const DefaultFlowLogRetention = awslogs.RetentionDays_ONE_YEAR

// LogRetentions are the retention periods of a log group that the CDK
// knows (awslogs.RetentionDays), those CloudWatch Logs accepts, and never
// expiring (INFINITE).
var LogRetentions = []awslogs.RetentionDays{
	awslogs.RetentionDays_ONE_DAY, awslogs.RetentionDays_THREE_DAYS, awslogs.RetentionDays_FIVE_DAYS,
	awslogs.RetentionDays_ONE_WEEK, awslogs.RetentionDays_TWO_WEEKS, awslogs.RetentionDays_ONE_MONTH,
	awslogs.RetentionDays_TWO_MONTHS, awslogs.RetentionDays_THREE_MONTHS,
	awslogs.RetentionDays_FOUR_MONTHS, awslogs.RetentionDays_FIVE_MONTHS,
	awslogs.RetentionDays_SIX_MONTHS, awslogs.RetentionDays_ONE_YEAR,
	awslogs.RetentionDays_THIRTEEN_MONTHS, awslogs.RetentionDays_EIGHTEEN_MONTHS,
	awslogs.RetentionDays_TWO_YEARS, awslogs.RetentionDays_THREE_YEARS,
	awslogs.RetentionDays_FIVE_YEARS, awslogs.RetentionDays_SIX_YEARS,
	awslogs.RetentionDays_SEVEN_YEARS, awslogs.RetentionDays_EIGHT_YEARS,
	awslogs.RetentionDays_NINE_YEARS, awslogs.RetentionDays_TEN_YEARS, awslogs.RetentionDays_INFINITE,
}
