package cfn

import (
	"encoding/json"
	"strings"
	"testing"
)

// resolverFixture is two stacks: A exports a role's ARN and a bucket's
// name; B imports them and uses every intrinsic function the Resolver
// evaluates.
func resolverFixture(t *testing.T) *Assembly {
	t.Helper()
	a := `{
	  "Resources": {
	    "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
	    "Named": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms"}},
	    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
	    "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
	    "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {}}
	  },
	  "Outputs": {
	    "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}, "Export": {"Name": "A:Role"}},
	    "BucketName": {"Value": {"Ref": "Bucket"}, "Export": {"Name": "A:Bucket"}}
	  }
	}`
	b := `{
	  "Parameters": {"Image": {"Type": "String", "Default": "busybox"}},
	  "Mappings": {"Accounts": {"eu-west-1": {"id": "156460612806"}}},
	  "Conditions": {
	    "Mapped": {"Fn::Equals": [{"Fn::FindInMap": ["Accounts", {"Ref": "AWS::Region"}, "id"]}, "156460612806"]},
	    "NotMapped": {"Fn::Not": [{"Condition": "Mapped"}]},
	    "Both": {"Fn::And": [{"Condition": "Mapped"}, {"Fn::Or": [{"Condition": "NotMapped"}, {"Fn::Equals": ["a", "a"]}]}]}
	  },
	  "Resources": {
	    "Thing": {"Type": "AWS::SQS::Queue", "Properties": {
	      "Sub": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x-${!Literal}"},
	      "SubVars": {"Fn::Sub": ["${Name}/${Image}", {"Name": {"Fn::ImportValue": "A:Bucket"}}]},
	      "If": {"Fn::If": ["Both", {"Fn::ImportValue": "A:Role"}, "no"]},
	      "Gone": {"Fn::If": ["NotMapped", "there", {"Ref": "AWS::NoValue"}]},
	      "List": ["a", {"Ref": "AWS::NoValue"}, {"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}],
	      "Join": {"Fn::Join": ["-", [{"Ref": "AWS::Region"}, 7]]},
	      "AZ": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
	      "B64": {"Fn::Base64": "hi"}
	    }}
	  }
	}`
	asm := &Assembly{Stacks: map[string]*Template{}}
	for _, st := range []struct{ id, body string }{{"A", a}, {"B", b}} {
		tpl, err := Parse([]byte(st.body))
		if err != nil {
			t.Fatal(err)
		}
		asm.Stacks[st.id] = tpl
		asm.Artifacts = append(asm.Artifacts, Stack{ID: st.id, Name: "Stack" + st.id})
	}
	return asm
}

// TestResolve: every intrinsic function, across stacks, as CloudFormation
// would evaluate it in the environment.
func TestResolve(t *testing.T) {
	asm := resolverFixture(t)
	r := NewResolver(asm, Env{Partition: "aws", Region: "eu-west-1", Account: "123456789012"})
	got, err := r.Resolve("B", asm.Stacks["B"].Resources["Thing"].Properties)
	if err != nil {
		t.Fatal(err)
	}
	roleArn, _ := r.Attribute("A", "Role", "Arn")
	bucket, _ := r.PhysicalID("A", "Bucket")
	want := map[string]any{
		"Sub":     "arn:aws:iam::123456789012:role/x-${Literal}",
		"SubVars": bucket + "/busybox",
		"If":      roleArn,
		"List":    []any{"a", "y"},
		"Join":    "eu-west-1-7",
		"AZ":      "eu-west-1a",
		"B64":     "aGk=",
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("resolved\n got %s\nwant %s", g, w)
	}
	if !strings.HasPrefix(roleArn.(string), "arn:aws:iam::123456789012:role/StackA-Role-") {
		t.Errorf("role ARN %v", roleArn)
	}
	if bucket != strings.ToLower(bucket) || !strings.HasPrefix(bucket, "stacka-bucket-") {
		t.Errorf("bucket name %q: want CloudFormation's lower-case STACK-ID-SUFFIX", bucket)
	}
	// In a Region the mapping lacks, the condition is false, and the
	// property of Fn::If's else is AWS::NoValue only when it holds.
	r2 := NewResolver(asm, Env{Partition: "aws", Region: "ap-southeast-5", Account: "123456789012"})
	if _, err := r2.Resolve("B", asm.Stacks["B"].Resources["Thing"].Properties); err == nil || !strings.Contains(err.Error(), "mapping Accounts has no ap-southeast-5") {
		t.Errorf("a mapping without the Region: error %v", err)
	}
}

// TestResolveAttributes: the ARNs and names of Ref and Fn::GetAtt have the
// forms CloudFormation documents for each type.
func TestResolveAttributes(t *testing.T) {
	asm := resolverFixture(t)
	r := NewResolver(asm, Env{Partition: "aws", Region: "eu-west-1", Account: "123456789012"})
	for _, c := range []struct {
		id, attr, prefix string
	}{
		{"Named", "Arn", "arn:aws:sns:eu-west-1:123456789012:alarms"},
		{"Key", "Arn", "arn:aws:kms:eu-west-1:123456789012:key/"},
		{"Group", "Arn", "arn:aws:logs:eu-west-1:123456789012:log-group:StackA-Group-"},
		{"Bucket", "Arn", "arn:aws:s3:::stacka-bucket-"},
	} {
		v, err := r.Attribute("A", c.id, c.attr)
		if err != nil || !strings.HasPrefix(v.(string), c.prefix) {
			t.Errorf("%s.%s = %v, %v; want %s...", c.id, c.attr, v, err, c.prefix)
		}
	}
	if v, _ := r.Attribute("A", "Group", "Arn"); !strings.HasSuffix(v.(string), ":*") {
		t.Errorf("a log group's Arn ends with :*, got %v", v)
	}
	if v, _ := r.PhysicalID("A", "Named"); v != "arn:aws:sns:eu-west-1:123456789012:alarms" {
		t.Errorf("Ref of a topic is its ARN, got %v", v)
	}
	if _, err := r.Attribute("A", "Role", "Nonsense"); err == nil {
		t.Error("an unknown attribute resolved")
	}
	if _, err := r.Resolve("A", map[string]any{"Fn::Transform": "x"}); err == nil {
		t.Error("an unsupported function resolved")
	}
}
