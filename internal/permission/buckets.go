package permission

import (
	"fmt"

	"github.com/ecsplit/ecsplit/internal/cfn"
)

// ELBLogDelivery is the service principal that writes access logs in the
// Regions that have no Elastic Load Balancing account of their own.
const ELBLogDelivery = "logdelivery.elasticloadbalancing.amazonaws.com"

// elbAccounts are the Elastic Load Balancing accounts that write access
// logs in the Regions available before August 2022, from the table of
// "Enable access logs for your Application Load Balancer" (docAccessLogs).
var elbAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"ap-northeast-3": "383597477331", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
	"us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
	"cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}

// loadBalancer finds the path of a load balancer's access logs: Elastic
// Load Balancing writing objects under PREFIX/AWSLogs/ACCOUNT/ of the
// bucket, which it tests when access logging is turned on.
func (d *deriver) loadBalancer(at ref, res *cfn.Resource) error {
	attrs := map[string]string{}
	if res.Properties["LoadBalancerAttributes"] != nil {
		v, err := d.prop(at, res, "LoadBalancerAttributes")
		if err != nil {
			return err
		}
		for _, a := range v.([]any) {
			kv := a.(map[string]any)
			attrs[fmt.Sprint(kv["Key"])] = fmt.Sprint(kv["Value"])
		}
	}
	if attrs["access_logs.s3.enabled"] != "true" {
		return nil
	}
	bucket, prefix := attrs["access_logs.s3.bucket"], attrs["access_logs.s3.prefix"]
	key := "AWSLogs/" + d.env.Account + "/ELBAccessLogTestFile"
	if prefix != "" {
		key = prefix + "/" + key
	}
	p := Path{
		Kind:    AccessLogs,
		What:    fmt.Sprintf("load balancer %s writes its access logs to bucket %q", at, bucket),
		Request: Request{Principal: ELBLogDelivery, Action: "s3:PutObject", Resource: fmt.Sprintf("arn:%s:s3:::%s/%s", d.env.Partition, bucket, key)},
		Doc:     docAccessLogs,
	}
	if account, ok := elbAccounts[d.env.Region]; ok {
		p.Request.Principal = fmt.Sprintf("arn:%s:iam::%s:root", d.env.Partition, account)
		p.Request.ResourceAccount = d.env.Account
		// The writer is in AWS's own account, which allows it.
		p.IdentityPolicies = []Policy{{Source: "the Region's Elastic Load Balancing account (AWS's own)", Document: allowAll("s3:PutObject")}}
	}
	return d.toBucket(p, bucket)
}

// bucket finds the path of a bucket's server access logs: S3's logging
// service writing to the destination bucket, for this bucket only.
func (d *deriver) bucket(at ref, res *cfn.Resource) error {
	if res.Properties["LoggingConfiguration"] == nil {
		return nil
	}
	v, err := d.prop(at, res, "LoggingConfiguration")
	if err != nil {
		return err
	}
	lc := v.(map[string]any)
	dest, _ := lc["DestinationBucketName"].(string)
	prefix, _ := lc["LogFilePrefix"].(string)
	source, err := d.arn(at)
	if err != nil {
		return err
	}
	name, err := d.r.Name(at.stack, at.id)
	if err != nil {
		return err
	}
	if dest == "" { // S3 logs into the bucket itself
		dest = name
	}
	return d.toBucket(Path{
		Kind: ServerAccessLogs,
		What: fmt.Sprintf("bucket %q sends its server access logs to bucket %q", name, dest),
		Request: Request{
			Principal: "logging.s3.amazonaws.com",
			Action:    "s3:PutObject",
			Resource:  fmt.Sprintf("arn:%s:s3:::%s/%s2026-12-06-00-00-00-0123456789ABCDEF", d.env.Partition, dest, prefix),
			Context:   map[string]any{"aws:SourceArn": source, "aws:SourceAccount": d.env.Account},
		},
		Doc: docServerAccessLogs,
	}, dest)
}

// toBucket adds p, a write to bucket, with the bucket's policy when the
// bucket is in the templates.
func (d *deriver) toBucket(p Path, bucket string) error {
	at, ok := d.byName[named{"AWS::S3::Bucket", bucket}]
	if !ok {
		p.Outside = "S3 bucket " + bucket
		d.add(p)
		return nil
	}
	policy, err := d.resourcePolicy(at, bucket)
	if err != nil {
		return err
	}
	if policy == nil {
		policy = &Policy{Source: at.String() + " (no bucket policy)", Document: map[string]any{"Version": "2012-10-17", "Statement": []any{}}}
	}
	p.ResourcePolicy = policy
	d.add(p)
	return nil
}

// allowAll is an identity policy that allows actions on every resource.
func allowAll(actions ...string) map[string]any {
	var list []any
	for _, a := range actions {
		list = append(list, a)
	}
	return map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": list, "Resource": "*"},
	}}
}
