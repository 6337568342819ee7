package invalid

import "testing"

// TestParse reads back what Message writes, a prefix and quotes in the id
// included, and nothing else.
func TestParse(t *testing.T) {
	c := Construct{Kind: "migration", ID: `Shop "v2"`}.Under("Services[1].")
	msg := c.Message("CPU", "must be a Fargate CPU value: 256, 512, got %d", 300)
	got, ok := Parse(msg)
	want := Parts{Kind: "migration", ID: `Shop "v2"`, Prop: "Services[1].CPU", Detail: "must be a Fargate CPU value: 256, 512, got 300"}
	if !ok || got != want {
		t.Errorf("Parse(%q) = %+v, %v; want %+v", msg, got, ok, want)
	}
	for _, other := range []string{"", "AwsSolutions-IAM5: The IAM entity contains wildcard permissions", `ecsplit migration "M" CPU bad`} {
		if _, ok := Parse(other); ok {
			t.Errorf("Parse(%q) parsed a message Message did not write", other)
		}
	}
}

// TestUnresolved: a string holding a token, as the CDK encodes it, is
// unresolved; a plain one is not.
func TestUnresolved(t *testing.T) {
	for s, want := range map[string]bool{
		"${Token[TOKEN.123]}":                  true,
		"arn:aws:acm:${Token[AWS.Region.12]}:": true,
		"#{Token[TOKEN.7]}":                    true,
		"users":                                false,
		"${Literal}":                           false,
	} {
		if Unresolved(s) != want {
			t.Errorf("Unresolved(%q) = %v", s, !want)
		}
	}
}
