// Package registry records facts that one ecsplit construct publishes about
// a resource it made, for constructs in other stacks to read: the target
// ports a load balancer's security group lets out, the tasks each service
// may run on a cluster. A construct in another stack must not call methods
// on a resource of the platform stack to learn them: the CDK records such
// calls in the platform stack's CDKMetadata, so its template would change
// with every service added.
//
// Facts are keyed by a token of the resource (its ARN as a string), which is
// unique within the process: two apps synthesized in one process never
// share one.
package registry

import (
	"slices"
	"sync"
)

// mu guards the records.
var (
	mu            sync.Mutex
	targetPorts   = map[string]TargetPorts{}
	demands       = map[string][]TaskDemand{}
	architectures = map[string]Architecture{}
)

// TargetPorts is what a load balancer's security group lets out: the
// target ports it may reach, and which construct said so.
type TargetPorts struct {
	// Owner names the construct that made the load balancer, for messages.
	Owner string
	// Ports are the TCP ports the load balancer may send to.
	Ports []int
}

// SetTargetPorts records the target ports of the load balancer of the
// listener with ARN token listenerArn.
func SetTargetPorts(listenerArn string, tp TargetPorts) {
	mu.Lock()
	defer mu.Unlock()
	targetPorts[listenerArn] = TargetPorts{Owner: tp.Owner, Ports: slices.Clone(tp.Ports)}
}

// LookupTargetPorts returns the target ports recorded for a listener, and
// false when its load balancer was not made by an ecsplit construct (then
// nothing is known about its egress).
func LookupTargetPorts(listenerArn string) (TargetPorts, bool) {
	mu.Lock()
	defer mu.Unlock()
	tp, ok := targetPorts[listenerArn]
	return tp, ok
}

// TaskDemand is the most tasks one service may run on a cluster at once:
// its maximum task count during a deployment that starts new tasks beside
// the old ones.
type TaskDemand struct {
	// Owner names the service, for messages, such as `"users" (EcsplitServices/users)`.
	Owner string
	// Tasks is the maximum number of tasks, MaxCapacity × MaxHealthyPercent / 100.
	Tasks int
}

// AddTaskDemand records that a service may run up to d.Tasks tasks on the
// cluster with ARN token clusterArn.
func AddTaskDemand(clusterArn string, d TaskDemand) {
	mu.Lock()
	defer mu.Unlock()
	demands[clusterArn] = append(demands[clusterArn], d)
}

// TaskDemands returns what the services on a cluster recorded, in the order
// they were added.
func TaskDemands(clusterArn string) []TaskDemand {
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(demands[clusterArn])
}

// Architecture is the CPU architecture of a cluster's EC2 capacity.
type Architecture struct {
	// Owner names the cluster construct, for messages.
	Owner string
	// Architecture is X86_64 or ARM64.
	Architecture string
}

// The CPU architectures, as ECS names them: the one spelling that package
// cluster records and package microservice compares with.
const (
	X86_64 = "X86_64"
	ARM64  = "ARM64"
)

// SetArchitecture records the architecture of the EC2 capacity of the
// cluster with ARN token clusterArn.
func SetArchitecture(clusterArn string, a Architecture) {
	mu.Lock()
	defer mu.Unlock()
	architectures[clusterArn] = a
}

// LookupArchitecture returns the architecture recorded for a cluster's EC2
// capacity, and false when none was.
func LookupArchitecture(clusterArn string) (Architecture, bool) {
	mu.Lock()
	defer mu.Unlock()
	a, ok := architectures[clusterArn]
	return a, ok
}
