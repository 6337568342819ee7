package microservice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

// Platform is where services run, handed to each as one value: the ECS
// cluster and the ALB listener, and what the platform knows of them that a
// service is checked against: the ports the load balancer may send to, the
// architecture and the task slots of the cluster's EC2 capacity. Make one
// with PlatformOf (an ecsplit cluster and load balancer) or
// PlatformFromAttributes (a cluster and listener a team already has),
// and share it: the services on one platform count their tasks against
// its slots together, and a problem of the platform itself is reported
// once, by the first construct that checks it.
type Platform struct {
	// PlatformAttributes are the cluster, the listener and what the
	// services are checked against. On Fargate, Architecture is "" (a
	// service picks its own) and TaskSlots 0; TaskSlots is 0 too when the
	// EC2 capacity's is not known.
	PlatformAttributes
	// Owner names what the platform comes from, for messages.
	Owner string

	// checked is set once the platform was checked (checkPlatform): valid
	// is the result, and ec2 whether its cluster has EC2 capacity, read
	// from the cluster once rather than by every service.
	checked, valid, ec2 bool

	// reserved holds the tasks each service may run at once.
	reserved []reservation
}

// reservation is the most tasks one service may run at once.
type reservation struct {
	owner string
	tasks int
}

// PlatformOf returns the platform of services on the cluster c,
// behind the listener of the load balancer lb (lb.Listener()).
func PlatformOf(c *cluster.Cluster, lb *alb.LoadBalancer) *Platform {
	slots, _ := c.TaskSlots()
	return &Platform{
		PlatformAttributes: PlatformAttributes{
			Cluster:                    c.Cluster,
			Listener:                   lb.Listener(),
			CapacityProviderStrategies: c.CapacityProviderStrategies(),
			TargetPorts:                slices.Clone(lb.TargetPorts),
			Architecture:               Architecture(c.Architecture()),
			TaskSlots:                  slots,
		},
		Owner: fmt.Sprintf("cluster %s and alb %s", *c.Node().Path(), *lb.Node().Path()),
	}
}

// PlatformAttributes describe a cluster and a listener, such as ones made
// elsewhere (PlatformFromAttributes).
type PlatformAttributes struct {
	// Cluster is the ECS cluster. When it has EC2 capacity, services run
	// on EC2 in awsvpc mode, otherwise on Fargate. Required.
	Cluster awsecs.ICluster
	// Listener is the ALB listener that routes the services' paths.
	// Required.
	Listener elbv2.IApplicationListener
	// CapacityProviderStrategies places the tasks, such as on the EC2
	// capacity provider of a cluster.Cluster. Default: nil, the FARGATE
	// launch type on a Fargate cluster, the EC2 launch type on one with
	// EC2 capacity.
	CapacityProviderStrategies []*awsecs.CapacityProviderStrategy
	// TargetPorts are the ports the load balancer's security group lets
	// it send to (its egress): a service's ContainerPort must be one.
	// Required: the services are checked against them.
	TargetPorts []int
	// Architecture is the architecture of the cluster's EC2 capacity.
	// Default: "" (Fargate).
	Architecture Architecture
	// TaskSlots is how many awsvpc tasks the cluster's EC2 capacity runs at
	// its largest. Default: 0 (Fargate, or not checked).
	TaskSlots int
}

// PlatformFromAttributes returns the platform of services on a
// cluster and listener that a team already has: the services get the same
// checks as on an ecsplit platform (Check reports bad attributes).
func PlatformFromAttributes(a PlatformAttributes) *Platform {
	a.TargetPorts = slices.Clone(a.TargetPorts)
	return &Platform{PlatformAttributes: a, Owner: "the platform from attributes"}
}

// onEC2 reports whether services on the platform, once checked, run on
// EC2.
func (p *Platform) onEC2() bool { return p.ec2 }

// reserve records that owner may run tasks tasks at once, and returns the
// reservations of every service so far, and their sum.
func (p *Platform) reserve(owner string, tasks int) (total int, parts string) {
	p.reserved = append(p.reserved, reservation{owner: owner, tasks: tasks})
	var list []string
	for _, r := range p.reserved {
		total += r.tasks
		list = append(list, fmt.Sprintf("%s %d", r.owner, r.tasks))
	}
	return total, strings.Join(list, ", ")
}

// CheckPlatform reports, as problems of the construct scope (of that
// kind and id) and its prop Platform, what is missing from or wrong with
// p, and whether p is valid: for a construct that hands a platform to the
// services it makes, such as a migration, so that a bad platform is
// reported once, on the prop the user set, and not again by each service.
func CheckPlatform(scope constructs.IConstruct, kind, id string, p *Platform) bool {
	return checkPlatform(invalid.New(scope, kind, id), p)
}

// checkPlatform reports through v what is missing from or wrong with p,
// the first time p is checked, and returns whether p is valid.
func checkPlatform(v invalid.Construct, p *Platform) bool {
	if p == nil {
		v.Fail("Platform", "is required: microservice.PlatformOf(cluster, loadBalancer), or PlatformFromAttributes")
		return false
	}
	if p.checked {
		return p.valid
	}
	p.checked = true
	ok := true
	if p.Cluster == nil {
		v.Fail("Platform.Cluster", "is required")
		ok = false
	}
	if p.Listener == nil {
		v.Fail("Platform.Listener", "is required")
		ok = false
	}
	if len(p.TargetPorts) == 0 {
		v.Fail("Platform.TargetPorts", "must hold the ports the load balancer may send to (its security group's egress), got none")
		ok = false
	}
	if a := p.Architecture; a != "" && a != X86_64 && a != ARM64 {
		v.Fail("Platform.Architecture", "must be %s, %s or \"\" (Fargate), got %q", X86_64, ARM64, a)
		ok = false
	}
	if p.TaskSlots < 0 {
		v.Fail("Platform.TaskSlots", "must be 0 (Fargate, or not checked) or more, got %d", p.TaskSlots)
		ok = false
	}
	p.valid = ok
	p.ec2 = p.Cluster != nil && *p.Cluster.HasEc2Capacity()
	return ok
}
