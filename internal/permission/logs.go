package permission

import (
	"fmt"
	"strings"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// logGroup finds the paths of a log group encrypted with a KMS key:
// CloudWatch Logs, as logs.REGION.amazonaws.com, encrypting and decrypting
// its events with the encryption context that names the log group.
func (d *deriver) logGroup(at ref, res *cfn.Resource) error {
	keyID, err := d.str(at, res, "KmsKeyId")
	if err != nil || keyID == "" {
		return err
	}
	key, err := d.key(keyID)
	if err != nil {
		return err
	}
	group, err := d.arn(at)
	if err != nil {
		return err
	}
	group = strings.TrimSuffix(group, ":*")
	name, err := d.r.Name(at.stack, at.id)
	if err != nil {
		return err
	}
	for _, action := range []string{"kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"} {
		d.add(Path{
			Kind: LogGroupKey,
			What: fmt.Sprintf("log group %q is encrypted with key %s", name, key.name),
			Request: Request{
				Principal:       "logs." + d.env.Region + ".amazonaws.com",
				Action:          action,
				Resource:        key.arn,
				ResourceAccount: accountOf(key.arn),
				Context:         map[string]any{"kms:EncryptionContext:aws:logs:arn": group},
			},
			ResourcePolicy: key.policy,
			Doc:            docLogGroupKey,
			Outside:        key.outside,
		})
	}
	return nil
}

// flowLog finds the paths of a flow log that publishes to CloudWatch Logs:
// VPC Flow Logs assuming the flow log's role, and the role writing to the
// log group.
func (d *deriver) flowLog(at ref, res *cfn.Resource) error {
	if dest, _ := d.str(at, res, "LogDestinationType"); dest != "" && dest != "cloud-watch-logs" {
		return fmt.Errorf("LogDestinationType %s: no rule covers it (add one to internal/permission)", dest)
	}
	roleArn, err := d.str(at, res, "DeliverLogsPermissionArn")
	if err != nil {
		return err
	}
	groupName, err := d.str(at, res, "LogGroupName")
	if err != nil {
		return err
	}
	flowLogArn, err := d.arn(at)
	if err != nil {
		return err
	}
	role, err := d.role(roleArn)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("flow log %s publishes to log group %q", at, groupName)
	d.assume(role, "vpc-flow-logs.amazonaws.com", what, docFlowLogs,
		map[string]any{"aws:SourceAccount": d.env.Account, "aws:SourceArn": flowLogArn})
	group := d.env.ARN("logs", "log-group:"+groupName)
	stream := group + ":log-stream:eni-0123456789abcdef0-all"
	for _, call := range []struct{ action, resource string }{
		{"logs:CreateLogGroup", group},
		{"logs:DescribeLogGroups", "*"},
		{"logs:CreateLogStream", stream},
		{"logs:DescribeLogStreams", group},
		{"logs:PutLogEvents", stream},
	} {
		d.add(Path{
			Kind:             FlowLogDelivery,
			What:             what,
			Request:          Request{Principal: role.arn, Action: call.action, Resource: call.resource},
			IdentityPolicies: role.policies,
			Doc:              docFlowLogs,
		})
	}
	return nil
}
