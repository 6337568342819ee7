package microservice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

// Platform is where services run, handed to each as one value (the
// environment of the services): the ECS
// cluster and the ALB listener, and what the platform knows of them that a
// service is checked against: the ports the load balancer may send to, the
// architecture and the task slots of the cluster's EC2 capacity. Make one
// with PlatformOf (an ecsplit cluster and load balancer) or
// PlatformFromAttributes (a cluster and listener a team already has),
// and share it: the services on one environment count their tasks against
// its slots together.
type Platform struct {
	// PlatformAttributes are the cluster, the listener and what the
	// services are checked against. On Fargate, Architecture is "" (a
	// service picks its own) and TaskSlots 0; TaskSlots is 0 too when the
	// EC2 capacity's is not known.
	PlatformAttributes
	// Owner names what the environment comes from, for messages.
	Owner string

	// reserved holds the tasks each service may run at once.
	reserved []reservation
}

// reservation is the most tasks one service may run at once.
type reservation struct {
	owner string
	tasks int
}

// PlatformOf returns the environment of services on the cluster c,
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

// onEC2 reports whether services on the platform run on EC2.
func (e *Platform) onEC2() bool {
	return e.Cluster != nil && *e.Cluster.HasEc2Capacity()
}

// reserve records that owner may run tasks tasks at once, and returns the
// reservations of every service so far, and their sum.
func (e *Platform) reserve(owner string, tasks int) (total int, parts string) {
	e.reserved = append(e.reserved, reservation{owner: owner, tasks: tasks})
	var list []string
	for _, r := range e.reserved {
		total += r.tasks
		list = append(list, fmt.Sprintf("%s %d", r.owner, r.tasks))
	}
	return total, strings.Join(list, ", ")
}

// checkPlatform reports through v what is missing from env.
func checkPlatform(v invalid.Construct, env *Platform) bool {
	if env == nil {
		v.Fail("Environment", "is required: microservice.PlatformOf(cluster, loadBalancer), or PlatformFromAttributes")
		return false
	}
	ok := true
	if env.Cluster == nil {
		v.Fail("Platform.Cluster", "is required")
		ok = false
	}
	if env.Listener == nil {
		v.Fail("Platform.Listener", "is required")
		ok = false
	}
	if len(env.TargetPorts) == 0 {
		v.Fail("Platform.TargetPorts", "must hold the ports the load balancer may send to (its security group's egress), got none")
		ok = false
	}
	if a := env.Architecture; a != "" && a != X86_64 && a != ARM64 {
		v.Fail("Platform.Architecture", "must be %s, %s or \"\" (Fargate), got %q", X86_64, ARM64, a)
		ok = false
	}
	if env.TaskSlots < 0 {
		v.Fail("Platform.TaskSlots", "must be 0 (Fargate, or not checked) or more, got %d", env.TaskSlots)
		ok = false
	}
	return ok
}
