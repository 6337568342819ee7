package corpus

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    []Request
		wantErr bool
	}{
		{in: "# c\n\nGET /a?b=c\n  HEAD /%41  \n", want: []Request{{"GET", "/a?b=c", 3}, {"HEAD", "/%41", 4}}},
		{in: "GET", wantErr: true},
		{in: "GET a", wantErr: true},
		{in: "GET /a b", wantErr: true},
	}
	for _, tt := range tests {
		got, err := Parse(strings.NewReader(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Parse(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}
