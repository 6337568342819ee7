package permission

// Where AWS documents each call that a path makes: its principal, its
// action and the request context it carries. A context key that none of
// these promises is left out of the request, so that a policy relying on
// it fails the proof.
const (
	// docAlarmAction: CloudWatch (cloudwatch.amazonaws.com) publishes to
	// the topic; aws:SourceArn is the alarm's ARN (the alarm history's
	// error names it as "Resource: arn:aws:cloudwatch:...:alarm:NAME").
	// No CloudWatch or SNS page promises aws:SourceAccount on this call.
	docAlarmAction = "https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger; " +
		"https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html (Allow any CloudWatch alarm to publish to a topic)"
	// docAlarmTopicKey: the service that publishes to an encrypted topic
	// needs kms:GenerateDataKey* and kms:Decrypt on its key, granted to
	// its service principal; the example has no condition, and no page
	// documents a context key on these calls.
	docAlarmTopicKey = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services; " +
		"https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns"
	// docLogGroupKey: the principal is logs.REGION.amazonaws.com, and
	// every request carries kms:EncryptionContext:aws:logs:arn, the log
	// group's ARN.
	docLogGroupKey = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
	// docFlowLogs: vpc-flow-logs.amazonaws.com assumes the role, with
	// aws:SourceAccount (the flow log's owner) and aws:SourceArn (the flow
	// log's ARN); the role "must include at least" CreateLogGroup,
	// CreateLogStream, PutLogEvents, DescribeLogGroups and
	// DescribeLogStreams.
	docFlowLogs = "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html"
	// docAccessLogs: in Regions available before August 2022 the
	// Region's Elastic Load Balancing account writes; in the others, the
	// service principal logdelivery.elasticloadbalancing.amazonaws.com;
	// s3:PutObject under PREFIX/AWSLogs/ACCOUNT/.
	docAccessLogs = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html"
	// docServerAccessLogs: logging.s3.amazonaws.com writes with
	// aws:SourceArn (the source bucket) and aws:SourceAccount.
	docServerAccessLogs = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html"
	// docTaskRoles: ecs-tasks.amazonaws.com assumes task and execution
	// roles, with aws:SourceAccount. "Amazon ECS task IAM role" recommends
	// a task role trust policy of ArnLike aws:SourceArn
	// arn:aws:ecs:REGION:ACCOUNT:* and StringEquals aws:SourceAccount, so
	// the task role's request carries aws:SourceArn too; its value is
	// documented only as that wildcard ("specifying a cluster is not
	// currently supported"), so it is a stand-in task of the Region and
	// account (standInTask). The execution role's page
	// (docTaskExecution) documents no aws:SourceArn, so its request has
	// none.
	docTaskRoles = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html"
	// docTaskExecution: the execution role pulls from ECR, writes the
	// awslogs log stream and reads the secrets.
	docTaskExecution = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html"
	// docContainerAgent: the container instance role's calls, the
	// managed policy AmazonEC2ContainerServiceforEC2Role; ecs:cluster is a
	// condition key of ecs:Poll and ecs:StartTelemetrySession in the
	// Service Authorization Reference.
	docContainerAgent = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html; " +
		"https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html"
	// docEC2Role: ec2.amazonaws.com assumes an instance profile's role.
	docEC2Role = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html"
	// docLambdaRole: lambda.amazonaws.com assumes the execution role,
	// which writes the function's logs.
	docLambdaRole = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"
	// docRestrictDefaultSG: the calls of CDK's handler for
	// Custom::VpcRestrictDefaultSG (aws-cdk,
	// custom-resource-handlers/lib/aws-ec2/restrict-default-security-group-handler):
	// revoke on create, authorize on delete, both on an update that moves
	// to another group.
	docRestrictDefaultSG = "https://github.com/aws/aws-cdk/blob/main/packages/@aws-cdk/custom-resource-handlers/lib/aws-ec2/restrict-default-security-group-handler/index.ts"
	// docVolumeKey: EC2 Auto Scaling's service-linked role uses a
	// customer managed key of an encrypted volume.
	docVolumeKey = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html"
	// docCustomResource: CloudFormation invokes the function a custom
	// resource's ServiceToken names, asynchronously (Lambda's "Using AWS
	// Lambda with CloudFormation"), calling the Lambda API with the
	// stack's credentials: its service role (AWS CloudFormation service
	// role), which CDK's DefaultStackSynthesizer sets to the bootstrap's
	// cfn-exec role, whose policies are the bootstrap's
	// (--cloudformation-execution-policies, AdministratorAccess unless set).
	docCustomResource = "https://docs.aws.amazon.com/lambda/latest/dg/services-cloudformation.html; " +
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources-lambda.html; " +
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html; " +
		"https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html"
	// docRamp: the calls of the ramp's handler (constructs/ramp,
	// constructs/ramp/lambda): DescribeRules of the listener (no
	// resource-level permissions: Resource "*"), ModifyRule of the rule
	// at the ramp's priority, DescribeAlarms of the named alarms (resource
	// type alarm), DescribeStacks of its stack (the event's StackId) and
	// an asynchronous Invoke of itself by its unqualified name
	// (AWS_LAMBDA_FUNCTION_NAME); the Service Authorization Reference
	// documents no request context key that these calls always carry, so
	// the requests carry none. Lambda adds lambda:SourceFunctionArn to the
	// function's requests, usable only in identity policies; no policy
	// here relies on it.
	docRamp = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html; " +
		"https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html; " +
		"https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html; " +
		"https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html; " +
		"https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html"
)
