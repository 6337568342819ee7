package albemu

import "testing"

func TestEnvValue(t *testing.T) {
	tests := []struct {
		in   any
		want string
		ok   bool
	}{
		{"8080", "8080", true},
		{map[string]any{"Ref": "AWS::Region"}, "local", true},
		{map[string]any{"Ref": "SomeParameter"}, "", false},
		{map[string]any{"Fn::GetAtt": []any{"X", "Arn"}}, "", false},
		{map[string]any{"Ref": "AWS::Region", "Extra": 1}, "", false},
		{42.0, "", false},
	}
	for _, tt := range tests {
		got, ok := envValue(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("envValue(%v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
