package ramp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// describeRulesXML is an ELBv2 DescribeRules answer: the users' rule at
// priority 30, 10 % to the users, sticky.
const describeRulesXML = `<DescribeRulesResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeRulesResult>
    <Rules>
      <member>
        <IsDefault>false</IsDefault>
        <Priority>30</Priority>
        <RuleArn>arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/shop/1/2/30</RuleArn>
        <Conditions>
          <member><Field>path-pattern</Field><Values><member>/users/*</member></Values></member>
        </Conditions>
        <Actions>
          <member>
            <Type>forward</Type>
            <Order>1</Order>
            <ForwardConfig>
              <TargetGroups>
                <member><TargetGroupArn>` + usersTG + `</TargetGroupArn><Weight>10</Weight></member>
                <member><TargetGroupArn>` + monoTG + `</TargetGroupArn><Weight>90</Weight></member>
              </TargetGroups>
              <TargetGroupStickinessConfig><Enabled>true</Enabled><DurationSeconds>300</DurationSeconds></TargetGroupStickinessConfig>
            </ForwardConfig>
          </member>
        </Actions>
      </member>
    </Rules>
  </DescribeRulesResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</DescribeRulesResponse>`

const modifyRuleXML = `<ModifyRuleResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <ModifyRuleResult><Rules/></ModifyRuleResult>
  <ResponseMetadata><RequestId>2</RequestId></ResponseMetadata>
</ModifyRuleResponse>`

// TestWithTheSDKClient runs a step through *elasticloadbalancingv2.Client
// against an endpoint speaking ELBv2's query protocol: the rule is read
// from its XML and the step written as the form ModifyRule sends.
func TestWithTheSDKClient(t *testing.T) {
	var modify url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("request body %s: %v", body, err)
		}
		w.Header().Set("Content-Type", "text/xml")
		switch form.Get("Action") {
		case "DescribeRules":
			if form.Get("ListenerArn") != listener {
				t.Errorf("DescribeRules of listener %q", form.Get("ListenerArn"))
			}
			io.WriteString(w, describeRulesXML)
		case "ModifyRule":
			modify = form
			io.WriteString(w, modifyRuleXML)
		default:
			t.Errorf("unexpected action %q", form.Get("Action"))
			http.Error(w, "no", http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	client := elbv2.New(elbv2.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}),
	})
	c := Clients{ELBV2: client, CloudWatch: &fakeCloudWatch{}}
	spec := usersSpec(50, "25:1m")
	now := time.Now()
	p, err := Begin(context.Background(), c, spec, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if p.From != 10 {
		t.Errorf("From = %d, want 10 read from the XML", p.From)
	}
	if _, err := Check(context.Background(), c, spec, p, now); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"RuleArn":                "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/shop/1/2/30",
		"Actions.member.1.Type":  "forward",
		"Actions.member.1.Order": "1",
		"Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn":        usersTG,
		"Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight":                "25",
		"Actions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn":        monoTG,
		"Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight":                "75",
		"Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled":         "true",
		"Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds": "300",
	}
	for k, v := range want {
		if got := modify.Get(k); got != v {
			t.Errorf("ModifyRule %s = %q, want %q", k, got, v)
		}
	}
	for k := range modify {
		if _, ok := want[k]; !ok && k != "Action" && k != "Version" {
			t.Errorf("ModifyRule sends %s = %q, which it should leave alone", k, modify.Get(k))
		}
	}
}
