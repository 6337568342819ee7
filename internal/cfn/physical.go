package cfn

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// A resource's physical id and attributes, as CloudFormation returns them
// for Ref and Fn::GetAtt ("Return values" of each resource type in the
// CloudFormation User Guide). A name the template sets is used; a name
// CloudFormation generates gets a stand-in of the same form
// (STACK-LOGICALID-SUFFIX), and so does any id AWS assigns.

// nameProperty is the property that names a resource of each type, where
// the template may set the name.
var nameProperty = map[string]string{
	"AWS::SNS::Topic":                           "TopicName",
	"AWS::Logs::LogGroup":                       "LogGroupName",
	"AWS::S3::Bucket":                           "BucketName",
	"AWS::IAM::Role":                            "RoleName",
	"AWS::IAM::InstanceProfile":                 "InstanceProfileName",
	"AWS::CloudWatch::Alarm":                    "AlarmName",
	"AWS::CloudWatch::Dashboard":                "DashboardName",
	"AWS::ECS::Cluster":                         "ClusterName",
	"AWS::ECS::Service":                         "ServiceName",
	"AWS::ECS::TaskDefinition":                  "Family",
	"AWS::ECS::CapacityProvider":                "Name",
	"AWS::Lambda::Function":                     "FunctionName",
	"AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
	"AWS::ElasticLoadBalancingV2::TargetGroup":  "Name",
	"AWS::AutoScaling::AutoScalingGroup":        "AutoScalingGroupName",
	"AWS::SecretsManager::Secret":               "Name",
	"AWS::SSM::Parameter":                       "Name",
	"AWS::ECR::Repository":                      "RepositoryName",
}

// idPrefix is the prefix of the ids EC2 and other services assign, for the
// types whose Ref is such an id.
var idPrefix = map[string]string{
	"AWS::EC2::VPC":                         "vpc-",
	"AWS::EC2::Subnet":                      "subnet-",
	"AWS::EC2::SecurityGroup":               "sg-",
	"AWS::EC2::SecurityGroupIngress":        "sgr-",
	"AWS::EC2::SecurityGroupEgress":         "sgr-",
	"AWS::EC2::InternetGateway":             "igw-",
	"AWS::EC2::NatGateway":                  "nat-",
	"AWS::EC2::RouteTable":                  "rtb-",
	"AWS::EC2::FlowLog":                     "fl-",
	"AWS::EC2::LaunchTemplate":              "lt-",
	"AWS::EC2::VPCEndpoint":                 "vpce-",
	"AWS::EC2::VPCGatewayAttachment":        "igw-attach-",
	"AWS::EC2::Route":                       "rtb-route-",
	"AWS::EC2::SubnetRouteTableAssociation": "rtbassoc-",
}

// standInID returns a deterministic hexadecimal id for a resource.
func standInID(stack, id string) string {
	sum := sha256.Sum256([]byte(stack + "/" + id))
	return hex.EncodeToString(sum[:])
}

// Name returns the name of a resource of stack: the one its template sets,
// or the one CloudFormation would generate (a stand-in).
func (r *Resolver) Name(stack, id string) (string, error) {
	res := r.asm.Stacks[stack].Resources[id]
	if prop, ok := nameProperty[res.Type]; ok && res.Properties[prop] != nil {
		return r.String(stack, res.Properties[prop])
	}
	name := fmt.Sprintf("%s-%s-%s", r.stackName(stack), id, strings.ToUpper(standInID(stack, id)[:12]))
	switch res.Type {
	case "AWS::S3::Bucket":
		return strings.ToLower(truncate(name, 63)), nil
	case "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup":
		return truncate(strings.ReplaceAll(name, "-"+id, "-"+truncate(id, 8)), 32), nil
	case "AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::Lambda::Function":
		return truncate(name, 64), nil
	}
	return name, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// PhysicalID returns what Ref of a resource returns.
func (r *Resolver) PhysicalID(stack, id string) (string, error) {
	t := r.asm.Stacks[stack]
	if t == nil || t.Resources[id] == nil {
		return "", fmt.Errorf("no resource %s in stack %s", id, stack)
	}
	typ := t.Resources[id].Type
	switch typ {
	case "AWS::SNS::Topic", "AWS::ECS::Service", "AWS::ECS::TaskDefinition",
		"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup",
		"AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule",
		"AWS::SecretsManager::Secret", "AWS::ApplicationAutoScaling::ScalingPolicy":
		return r.arn(stack, id)
	case "AWS::KMS::Key":
		return standInUUID(stack, id), nil
	case "AWS::ApplicationAutoScaling::ScalableTarget":
		return "scalable-target-" + standInID(stack, id)[:16], nil
	}
	if _, named := nameProperty[typ]; named {
		return r.Name(stack, id)
	}
	if p, ok := idPrefix[typ]; ok {
		return p + standInID(stack, id)[:17], nil
	}
	return fmt.Sprintf("%s-%s", id, standInID(stack, id)[:12]), nil
}

// standInUUID returns a deterministic id in the form of a KMS key id.
func standInUUID(stack, id string) string {
	h := standInID(stack, id)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// arn returns the ARN of a resource whose type has one.
func (r *Resolver) arn(stack, id string) (string, error) {
	res := r.asm.Stacks[stack].Resources[id]
	e := r.env
	hex16 := standInID(stack, id)[:16]
	name := func() (string, error) { return r.Name(stack, id) }
	switch res.Type {
	case "AWS::SNS::Topic":
		n, err := name()
		return e.ARN("sns", n), err
	case "AWS::KMS::Key":
		return e.ARN("kms", "key/"+standInUUID(stack, id)), nil
	case "AWS::Logs::LogGroup":
		n, err := name()
		return e.ARN("logs", "log-group:"+n+":*"), err
	case "AWS::S3::Bucket":
		n, err := name()
		return fmt.Sprintf("arn:%s:s3:::%s", e.Partition, n), err
	case "AWS::IAM::Role":
		n, err := name()
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", e.Partition, e.Account, n), err
	case "AWS::IAM::InstanceProfile":
		n, err := name()
		return fmt.Sprintf("arn:%s:iam::%s:instance-profile/%s", e.Partition, e.Account, n), err
	case "AWS::CloudWatch::Alarm":
		n, err := name()
		return e.ARN("cloudwatch", "alarm:"+n), err
	case "AWS::ECS::Cluster":
		n, err := name()
		return e.ARN("ecs", "cluster/"+n), err
	case "AWS::ECS::Service":
		n, err := name()
		if err != nil {
			return "", err
		}
		cluster, err := r.clusterName(stack, res.Properties["Cluster"])
		return e.ARN("ecs", "service/"+cluster+"/"+n), err
	case "AWS::ECS::TaskDefinition":
		n, err := name()
		return e.ARN("ecs", "task-definition/"+n+":1"), err
	case "AWS::ECS::CapacityProvider":
		n, err := name()
		return e.ARN("ecs", "capacity-provider/"+n), err
	case "AWS::Lambda::Function":
		n, err := name()
		return e.ARN("lambda", "function:"+n), err
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		n, err := name()
		return e.ARN("elasticloadbalancing", "loadbalancer/app/"+n+"/"+hex16), err
	case "AWS::ElasticLoadBalancingV2::TargetGroup":
		n, err := name()
		return e.ARN("elasticloadbalancing", "targetgroup/"+n+"/"+hex16), err
	case "AWS::ElasticLoadBalancingV2::Listener":
		lb, err := r.String(stack, res.Properties["LoadBalancerArn"])
		if err != nil {
			return "", err
		}
		return strings.Replace(lb, ":loadbalancer/", ":listener/", 1) + "/" + hex16, nil
	case "AWS::ElasticLoadBalancingV2::ListenerRule":
		l, err := r.String(stack, res.Properties["ListenerArn"])
		if err != nil {
			return "", err
		}
		return strings.Replace(l, ":listener/", ":listener-rule/", 1) + "/" + hex16, nil
	case "AWS::SecretsManager::Secret":
		n, err := name()
		return e.ARN("secretsmanager", "secret:"+n+"-AbCdEf"), err
	case "AWS::SSM::Parameter":
		n, err := name()
		return e.ARN("ssm", "parameter/"+strings.TrimPrefix(n, "/")), err
	case "AWS::ECR::Repository":
		n, err := name()
		return e.ARN("ecr", "repository/"+n), err
	case "AWS::AutoScaling::AutoScalingGroup":
		n, err := name()
		return e.ARN("autoscaling", "autoScalingGroup:"+standInUUID(stack, id)+":autoScalingGroupName/"+n), err
	case "AWS::EC2::FlowLog":
		return e.ARN("ec2", "vpc-flow-log/fl-"+standInID(stack, id)[:17]), nil
	case "AWS::ApplicationAutoScaling::ScalingPolicy":
		return e.ARN("autoscaling", "scalingPolicy:"+standInUUID(stack, id)+":resource/"+id), nil
	}
	return "", fmt.Errorf("%s %s: no ARN form known for %s", stack, id, res.Type)
}

// clusterName resolves the Cluster property of an ECS service (a name or
// an ARN) to the cluster's name.
func (r *Resolver) clusterName(stack string, v any) (string, error) {
	if v == nil {
		return "default", nil
	}
	s, err := r.String(stack, v)
	if err != nil {
		return "", err
	}
	if _, after, ok := strings.Cut(s, ":cluster/"); ok {
		return after, nil
	}
	return s, nil
}

// Attribute returns what Fn::GetAtt of a resource's attribute returns.
func (r *Resolver) Attribute(stack, id, attr string) (any, error) {
	res := r.asm.Stacks[stack].Resources[id]
	hex16 := standInID(stack, id)[:16]
	switch attr {
	case "Arn", "TopicArn", "ServiceArn", "LoadBalancerArn", "TargetGroupArn", "ListenerArn", "TaskDefinitionArn", "RuleArn":
		return r.arn(stack, id)
	case "KeyId":
		return standInUUID(stack, id), nil
	case "Name", "TopicName", "LoadBalancerName", "TargetGroupName":
		return r.Name(stack, id)
	case "LoadBalancerFullName":
		n, err := r.Name(stack, id)
		return "app/" + n + "/" + hex16, err
	case "TargetGroupFullName":
		n, err := r.Name(stack, id)
		return "targetgroup/" + n + "/" + hex16, err
	case "DNSName":
		n, err := r.Name(stack, id)
		return fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", n, hex16[:10], r.env.Region), err
	case "CanonicalHostedZoneID":
		return "Z" + strings.ToUpper(hex16[:13]), nil
	case "RoleId":
		return "AROA" + strings.ToUpper(hex16), nil
	case "GroupId", "DefaultSecurityGroup":
		return "sg-" + standInID(stack, id+"."+attr)[:17], nil
	case "VpcId":
		if res.Type == "AWS::EC2::VPC" {
			return r.PhysicalID(stack, id)
		}
		return r.Resolve(stack, res.Properties["VpcId"])
	case "CidrBlock":
		return r.Resolve(stack, res.Properties["CidrBlock"])
	case "LatestVersionNumber", "DefaultVersionNumber":
		return "1", nil
	case "LaunchTemplateId", "SubnetId", "AllocationId", "Id":
		return r.PhysicalID(stack, id)
	case "AvailabilityZone":
		return r.Resolve(stack, res.Properties["AvailabilityZone"])
	case "DomainName":
		n, err := r.Name(stack, id)
		return n + ".s3.amazonaws.com", err
	case "RegionalDomainName":
		n, err := r.Name(stack, id)
		return n + ".s3." + r.env.Region + ".amazonaws.com", err
	}
	return nil, fmt.Errorf("%s %s: attribute %s of %s not supported", stack, id, attr, res.Type)
}
