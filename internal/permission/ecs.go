package permission

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// ECSTasksPrincipal is the service principal that assumes task and task
// execution roles.
const ECSTasksPrincipal = "ecs-tasks.amazonaws.com"

// ecrImage matches a private ECR image URI: ACCOUNT.dkr.ecr.REGION.DOMAIN/REPOSITORY[:TAG|@DIGEST].
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.[a-z0-9.]+/([^:@]+)`)

// standInTask is the resource part of the aws:SourceArn with which ECS
// assumes a task role: a task, whose cluster and id are stand-ins, since
// AWS documents the key only as arn:aws:ecs:REGION:ACCOUNT:* (a cluster is
// not supported; docTaskRoles). A trust policy hardened as AWS recommends
// allows it; one that names a cluster does not.
const standInTask = "task/stand-in-cluster/0123456789abcdef0123456789abcdef"

// taskDefinition finds the paths of a task definition: ECS assuming its
// task role and its execution role, and the execution role pulling each
// container's ECR image, writing its awslogs stream and reading its
// secrets.
func (d *deriver) taskDefinition(at ref, res *cfn.Resource) error {
	family, err := d.r.Name(at.stack, at.id)
	if err != nil {
		return err
	}
	if arn, err := d.str(at, res, "TaskRoleArn"); err != nil || arn != "" {
		if err != nil {
			return err
		}
		r, err := d.role(arn)
		if err != nil {
			return err
		}
		d.assume(r, ECSTasksPrincipal, fmt.Sprintf("the tasks of %q run with task role %s", family, r.at), docTaskRoles,
			map[string]any{"aws:SourceAccount": d.env.Account, "aws:SourceArn": d.env.ARN("ecs", standInTask)})
	}
	execArn, err := d.str(at, res, "ExecutionRoleArn")
	if err != nil {
		return err
	}
	var exec *role
	if execArn != "" {
		if exec, err = d.role(execArn); err != nil {
			return err
		}
		d.assume(exec, ECSTasksPrincipal, fmt.Sprintf("ECS starts the tasks of %q with execution role %s", family, exec.at), docTaskRoles,
			map[string]any{"aws:SourceAccount": d.env.Account})
	}
	containers, err := d.prop(at, res, "ContainerDefinitions")
	if err != nil {
		return err
	}
	for _, c := range containers.([]any) {
		if err := d.container(family, exec, c.(map[string]any)); err != nil {
			return err
		}
	}
	return nil
}

// container adds the execution role's calls for one container.
func (d *deriver) container(family string, exec *role, c map[string]any) error {
	name := fmt.Sprint(c["Name"])
	var calls []Request
	if m := ecrImage.FindStringSubmatch(fmt.Sprint(c["Image"])); m != nil {
		repo := cfn.Env{Partition: d.env.Partition, Region: m[2], Account: m[1]}.ARN("ecr", "repository/"+m[3])
		calls = append(calls, Request{Action: "ecr:GetAuthorizationToken", Resource: "*"})
		for _, a := range []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"} {
			calls = append(calls, Request{Action: a, Resource: repo, ResourceAccount: m[1]})
		}
		if m[1] != d.env.Account {
			return fmt.Errorf("container %s: image %s is in another account, whose repository policy no rule covers", name, c["Image"])
		}
	}
	if c["RepositoryCredentials"] != nil {
		return fmt.Errorf("container %s: private registry credentials: no rule covers them (add one to internal/permission)", name)
	}
	if lc, ok := c["LogConfiguration"].(map[string]any); ok {
		if lc["LogDriver"] != "awslogs" {
			return fmt.Errorf("container %s: log driver %v: no rule covers it (add one to internal/permission)", name, lc["LogDriver"])
		}
		opts, _ := lc["Options"].(map[string]any)
		group := fmt.Sprint(opts["awslogs-group"])
		in := d.env
		if r, ok := opts["awslogs-region"].(string); ok {
			in.Region = r
		}
		stream := in.ARN("logs", fmt.Sprintf("log-group:%s:log-stream:%v/%s/0123456789abcdef0123456789abcdef", group, opts["awslogs-stream-prefix"], name))
		for _, a := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
			calls = append(calls, Request{Action: a, Resource: stream})
		}
	}
	secrets, _ := c["Secrets"].([]any)
	for _, s := range secrets {
		from := fmt.Sprint(s.(map[string]any)["ValueFrom"])
		call, err := d.secretCall(from)
		if err != nil {
			return fmt.Errorf("container %s: secret %v: %w", name, s.(map[string]any)["Name"], err)
		}
		calls = append(calls, call)
	}
	if len(calls) > 0 && exec == nil {
		return fmt.Errorf("container %s needs an execution role for its image, logs or secrets, and the task definition has none", name)
	}
	for _, call := range calls {
		call.Principal = exec.arn
		d.add(Path{
			Kind:             TaskExecution,
			What:             fmt.Sprintf("ECS starts container %q of %q", name, family),
			Request:          call,
			IdentityPolicies: exec.policies,
			Doc:              docTaskExecution,
		})
	}
	return nil
}

// secretCall returns the call that reads a secret's value: a Secrets
// Manager secret (an ARN, with an optional JSON key, version stage and
// version id after it) or a Systems Manager parameter (an ARN or a name).
func (d *deriver) secretCall(from string) (Request, error) {
	switch {
	case strings.Contains(from, ":secretsmanager:"):
		parts := strings.Split(from, ":")
		if len(parts) < 7 {
			return Request{}, fmt.Errorf("ValueFrom %s is not a secret ARN", from)
		}
		arn := strings.Join(parts[:7], ":")
		if at, ok := d.byArn[arn]; ok {
			if kms, _ := d.str(at, d.resource(at), "KmsKeyId"); kms != "" {
				return Request{}, fmt.Errorf("secret %s is encrypted with a key of its own: no rule covers its key policy", at)
			}
		}
		return Request{Action: "secretsmanager:GetSecretValue", Resource: arn, ResourceAccount: accountOf(arn)}, nil
	case strings.Contains(from, ":ssm:"):
		return Request{Action: "ssm:GetParameters", Resource: from, ResourceAccount: accountOf(from)}, nil
	case strings.HasPrefix(from, "arn:"):
		return Request{}, fmt.Errorf("ValueFrom %s: no rule covers it", from)
	}
	return Request{Action: "ssm:GetParameters",
		Resource: d.env.ARN("ssm", "parameter/"+strings.TrimPrefix(from, "/"))}, nil
}

// ecsClusterLine matches the ECS_CLUSTER setting of an instance's user data.
var ecsClusterLine = regexp.MustCompile(`ECS_CLUSTER=([A-Za-z0-9_-]+)`)

// launchTemplate finds the paths of an EC2 launch template: EC2 assuming
// the instance profile's role; the ECS container agent, with that role,
// registering with the cluster its user data names and serving it; EC2
// Auto Scaling using the key of an encrypted volume.
func (d *deriver) launchTemplate(at ref, res *cfn.Resource) error {
	v, err := d.prop(at, res, "LaunchTemplateData")
	if err != nil {
		return err
	}
	data := v.(map[string]any)
	if err := d.volumeKeys(at, data); err != nil {
		return err
	}
	profile, _ := data["IamInstanceProfile"].(map[string]any)
	if profile == nil {
		return nil
	}
	pat, ok := d.byArn[fmt.Sprint(profile["Arn"])]
	if !ok {
		pat, ok = d.byName[named{"AWS::IAM::InstanceProfile", fmt.Sprint(profile["Name"])}]
	}
	if !ok || d.resource(pat).Type != "AWS::IAM::InstanceProfile" {
		return fmt.Errorf("instance profile %v is not in the templates", profile)
	}
	roleNames, err := d.r.Strings(pat.stack, d.resource(pat).Properties["Roles"])
	if err != nil || len(roleNames) != 1 {
		return fmt.Errorf("instance profile %s: want one role, got %v (%v)", pat, roleNames, err)
	}
	roleAt, ok := d.byName[named{"AWS::IAM::Role", roleNames[0]}]
	if !ok {
		return fmt.Errorf("instance profile %s: role %s is not in the templates", pat, roleNames[0])
	}
	roleArn, err := d.arn(roleAt)
	if err != nil {
		return err
	}
	r, err := d.role(roleArn)
	if err != nil {
		return err
	}
	d.assume(r, "ec2.amazonaws.com", fmt.Sprintf("the instances of launch template %s run with role %s", at, r.at), docEC2Role, nil)
	userData, _ := data["UserData"].(string)
	script, err := base64.StdEncoding.DecodeString(userData)
	if err != nil {
		return fmt.Errorf("UserData: %w", err)
	}
	m := ecsClusterLine.FindStringSubmatch(string(script))
	if m == nil {
		return nil // not an ECS container instance
	}
	d.agentCalls(at, r, m[1])
	return nil
}

// agentCalls adds the calls the ECS container agent makes with the
// instance role to join and serve cluster: register, discover the poll
// endpoint, poll, start the telemetry session and report task, container
// and attachment state changes.
func (d *deriver) agentCalls(at ref, r *role, cluster string) {
	clusterArn := d.env.ARN("ecs", "cluster/"+cluster)
	instance := d.env.ARN("ecs", "container-instance/"+cluster+"/0123456789abcdef0123456789abcdef")
	inCluster := map[string]any{"ecs:cluster": clusterArn}
	for _, call := range []Request{
		{Action: "ecs:RegisterContainerInstance", Resource: clusterArn},
		{Action: "ecs:DiscoverPollEndpoint", Resource: "*"},
		{Action: "ecs:Poll", Resource: instance, Context: inCluster},
		{Action: "ecs:StartTelemetrySession", Resource: instance, Context: inCluster},
		{Action: "ecs:SubmitTaskStateChange", Resource: clusterArn},
		{Action: "ecs:SubmitContainerStateChange", Resource: clusterArn},
		{Action: "ecs:SubmitAttachmentStateChanges", Resource: clusterArn},
	} {
		call.Principal = r.arn
		d.add(Path{
			Kind:             ContainerAgent,
			What:             fmt.Sprintf("the ECS agent on the instances of %s serves cluster %s", at, cluster),
			Request:          call,
			IdentityPolicies: r.policies,
			Doc:              docContainerAgent,
		})
	}
}

// volumeKeys adds, for each encrypted volume of a launch template whose
// key is a customer managed key, EC2 Auto Scaling's use of that key
// (Outside for a key that is not in the templates). The default key
// (aws/ebs) needs no path: AWS manages its policy.
func (d *deriver) volumeKeys(at ref, data map[string]any) error {
	mappings, _ := data["BlockDeviceMappings"].([]any)
	for _, m := range mappings {
		ebs, _ := m.(map[string]any)["Ebs"].(map[string]any)
		keyID, _ := ebs["KmsKeyId"].(string)
		if keyID == "" {
			continue
		}
		key, err := d.key(keyID)
		if err != nil {
			return err
		}
		slr := fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", d.env.Partition, d.env.Account)
		for _, call := range []Request{
			{Action: "kms:CreateGrant", Context: map[string]any{"kms:GrantIsForAWSResource": true}},
			{Action: "kms:GenerateDataKeyWithoutPlaintext"},
			{Action: "kms:Decrypt"},
			{Action: "kms:DescribeKey"},
		} {
			call.Principal, call.Resource, call.ResourceAccount = slr, key.arn, accountOf(key.arn)
			d.add(Path{
				Kind:             VolumeKey,
				What:             fmt.Sprintf("EC2 Auto Scaling launches instances of %s with volumes encrypted by key %s", at, key.name),
				Request:          call,
				ResourcePolicy:   key.policy,
				Outside:          key.outside,
				IdentityPolicies: []Policy{{Source: "AWSServiceRoleForAutoScaling (AWS managed)", Document: allowAll("kms:*")}},
				Doc:              docVolumeKey,
			})
		}
	}
	return nil
}

// ecsService checks that an ECS service acts only with ECS's service-linked
// role, whose policy AWS manages (it registers targets and reads the
// deployment alarms): a Role of the template's own would be a path no rule
// covers.
func (d *deriver) ecsService(at ref, res *cfn.Resource) error {
	if res.Properties["Role"] != nil {
		return fmt.Errorf("Role: a service role of the template's own: no rule covers it (add one to internal/permission)")
	}
	return nil
}

// scalableTarget checks that Application Auto Scaling acts with its
// service-linked role, whose policy AWS manages.
func (d *deriver) scalableTarget(at ref, res *cfn.Resource) error {
	arn, err := d.str(at, res, "RoleARN")
	if err != nil {
		return err
	}
	if arn != "" && !strings.Contains(arn, ":role/aws-service-role/") {
		return fmt.Errorf("RoleARN %s is not a service-linked role: no rule covers it (add one to internal/permission)", arn)
	}
	return nil
}
