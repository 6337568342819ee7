package cluster

// InstanceNetworkInterfaces is the maximum number of network interfaces of
// the EC2 instance types whose task slots the cluster can work out itself,
// from the EC2 User Guide's table of network interfaces per instance type.
// In awsvpc mode each task takes one interface and the instance keeps one,
// so without ENI trunking an instance runs this many tasks minus one.
var InstanceNetworkInterfaces = func() map[string]int {
	m := map[string]int{
		"t3.micro": 2, "t3.small": 3, "t3.medium": 3, "t3.large": 3, "t3.xlarge": 4, "t3.2xlarge": 4,
		"t3a.micro": 2, "t3a.small": 2, "t3a.medium": 3, "t3a.large": 3, "t3a.xlarge": 4, "t3a.2xlarge": 4,
	}
	// Nitro families on x86: large 3, xlarge and 2xlarge 4, 4xlarge 8.
	for _, family := range []string{"m5", "m6i", "m6a", "m7i", "m7a", "c5", "c6i", "c6a", "c7i", "c7a", "r5", "r6i", "r6a", "r7i", "r7a"} {
		for size, enis := range map[string]int{"large": 3, "xlarge": 4, "2xlarge": 4, "4xlarge": 8} {
			m[family+"."+size] = enis
		}
	}
	// Graviton families: medium 2, then as above.
	for _, family := range []string{"m6g", "m7g", "c6g", "c7g", "r6g", "r7g"} {
		for size, enis := range map[string]int{"medium": 2, "large": 3, "xlarge": 4, "2xlarge": 4, "4xlarge": 8} {
			m[family+"."+size] = enis
		}
	}
	return m
}()

// instanceTypes lists the instance types the group may launch.
func (e *EC2Capacity) instanceTypes() []string {
	return append([]string{e.InstanceType}, e.AlternativeInstanceTypes...)
}

// tasksPerInstance returns the awsvpc tasks one instance runs: the
// TasksPerInstance prop, or AwsvpcTasksPerInstance of the instance types.
// ok is false when a type is not in InstanceNetworkInterfaces and the prop
// is unset.
func (e *EC2Capacity) tasksPerInstance() (tasks int, ok bool) {
	if e.TasksPerInstance > 0 {
		return e.TasksPerInstance, true
	}
	return AwsvpcTasksPerInstance(e.instanceTypes())
}

// AwsvpcTasksPerInstance returns the awsvpc tasks that any instance of an
// Auto Scaling group launching instanceTypes runs without ENI trunking:
// the fewest network interfaces over the types, minus one. ok is false when
// instanceTypes is empty or a type is not in InstanceNetworkInterfaces.
func AwsvpcTasksPerInstance(instanceTypes []string) (tasks int, ok bool) {
	fewest := 0
	for _, t := range instanceTypes {
		enis, known := InstanceNetworkInterfaces[t]
		if !known {
			return 0, false
		}
		if fewest == 0 || enis < fewest {
			fewest = enis
		}
	}
	return fewest - 1, fewest > 0
}

// InstancesFor returns the fewest instances that run tasks awsvpc tasks at
// perInstance each.
func InstancesFor(tasks, perInstance int) int {
	return (tasks + perInstance - 1) / perInstance
}

// TaskSlots returns how many awsvpc tasks the EC2 capacity runs at its
// maximum size, and false on a Fargate-only cluster or when the instance
// types' network interfaces are unknown (see EC2Capacity.TasksPerInstance).
func (c *Cluster) TaskSlots() (int, bool) {
	if c.ec2 == nil {
		return 0, false
	}
	per, ok := c.ec2.tasksPerInstance()
	return per * c.ec2.MaxCapacity, ok
}
