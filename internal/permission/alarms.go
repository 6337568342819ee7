package permission

import (
	"fmt"
	"strings"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// CloudWatchPrincipal is the service principal CloudWatch alarms act as.
const CloudWatchPrincipal = "cloudwatch.amazonaws.com"

// alarm finds the paths of an alarm's actions: CloudWatch publishing to
// each topic it notifies (once, whichever of its states it notifies it
// of) and, for an encrypted topic, using its key.
func (d *deriver) alarm(at ref, res *cfn.Resource) error {
	name, err := d.r.Name(at.stack, at.id)
	if err != nil {
		return err
	}
	alarmArn, err := d.arn(at)
	if err != nil {
		return err
	}
	notified := map[string]bool{}
	for _, prop := range []string{"AlarmActions", "OKActions", "InsufficientDataActions"} {
		if res.Properties[prop] == nil {
			continue
		}
		actions, err := d.r.Strings(at.stack, res.Properties[prop])
		if err != nil {
			return fmt.Errorf("%s: %w", prop, err)
		}
		for _, action := range actions {
			if !strings.HasPrefix(action, "arn:") || strings.Split(action, ":")[2] != "sns" {
				return fmt.Errorf("%s: action %s is not an SNS topic, which no rule covers (add one to internal/permission)", prop, action)
			}
			if notified[action] {
				continue
			}
			notified[action] = true
			if err := d.alarmAction(name, alarmArn, action); err != nil {
				return err
			}
		}
	}
	return nil
}

// alarmAction adds the paths of one alarm notifying one topic.
func (d *deriver) alarmAction(alarm, alarmArn, topicArn string) error {
	p := Path{
		Kind: AlarmAction,
		What: fmt.Sprintf("alarm %q notifies topic %s", alarm, topicArn),
		Request: Request{
			Principal:       CloudWatchPrincipal,
			Action:          "sns:Publish",
			Resource:        topicArn,
			ResourceAccount: accountOf(topicArn),
			Context:         map[string]any{"aws:SourceArn": alarmArn},
		},
		Doc: docAlarmAction,
	}
	topic, ok := d.byArn[topicArn]
	if !ok || d.resource(topic).Type != "AWS::SNS::Topic" {
		p.Outside = "SNS topic " + topicArn
		d.add(p)
		return nil
	}
	policy, err := d.topicPolicy(topic, topicArn)
	if err != nil {
		return err
	}
	p.ResourcePolicy = policy
	d.add(p)
	keyID, err := d.str(topic, d.resource(topic), "KmsMasterKeyId")
	if err != nil || keyID == "" {
		return err
	}
	key, err := d.key(keyID)
	if err != nil {
		return fmt.Errorf("topic %s: %w", topic, err)
	}
	for _, action := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
		d.add(Path{
			Kind: AlarmTopicKey,
			What: fmt.Sprintf("alarm %q publishes to topic %s, encrypted with key %s", alarm, topicArn, key.name),
			Request: Request{
				Principal:       CloudWatchPrincipal,
				Action:          action,
				Resource:        key.arn,
				ResourceAccount: accountOf(key.arn),
			},
			ResourcePolicy: key.policy,
			Doc:            docAlarmTopicKey,
			Outside:        key.outside,
		})
	}
	return nil
}

// topicPolicy returns the policy of a topic of the assembly, from the one
// AWS::SNS::TopicPolicy that names it. A topic with none keeps SNS's
// default policy, which the proof does not model: that is an error.
func (d *deriver) topicPolicy(topic ref, topicArn string) (*Policy, error) {
	policy, err := d.resourcePolicy(topic, topicArn)
	if err == nil && policy == nil {
		err = fmt.Errorf("topic %s has no AWS::SNS::TopicPolicy: SNS's default policy is not modelled", topic)
	}
	return policy, err
}

// kmsKey is a KMS key that a path uses.
type kmsKey struct {
	// name names the key: its resource (STACK/ID), or its ARN when it is
	// not in the templates.
	name string
	// arn is its ARN.
	arn string
	// policy is its key policy, nil when it is not in the templates.
	policy *Policy
	// outside, when the key is not in the templates (an existing key
	// that the user names by ARN), says so, for Path.Outside.
	outside string
}

// key finds a KMS key by id or ARN: a key of the assembly, with its key
// policy, or a key from elsewhere named by its ARN, whose policy is its
// owner's. A key id that is not in the templates is an error: its ARN is
// not known.
func (d *deriver) key(idOrArn string) (kmsKey, error) {
	at, ok := d.byArn[idOrArn]
	if !ok {
		at, ok = d.byName[named{"AWS::KMS::Key", idOrArn}]
	}
	if !ok || d.resource(at).Type != "AWS::KMS::Key" {
		if parts := strings.SplitN(idOrArn, ":", 6); len(parts) == 6 && parts[0] == "arn" && parts[2] == "kms" {
			return kmsKey{name: idOrArn, arn: idOrArn, outside: "KMS key " + idOrArn}, nil
		}
		return kmsKey{}, fmt.Errorf("KMS key %s is not in the templates, and is not an ARN", idOrArn)
	}
	arn, err := d.arn(at)
	if err != nil {
		return kmsKey{}, err
	}
	doc, err := d.document(at, d.resource(at).Properties["KeyPolicy"])
	if err != nil {
		return kmsKey{}, fmt.Errorf("%s: KeyPolicy: %w", at, err)
	}
	return kmsKey{name: at.String(), arn: arn, policy: &Policy{Source: at.String(), Document: doc}}, nil
}
