package local

import (
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

func TestCodeMatches(t *testing.T) {
	tests := []struct {
		codes  string
		status int
		want   bool
	}{
		{"200", 200, true},
		{"200", 204, false},
		{"200,204", 204, true},
		{"200-299", 250, true},
		{"200-299", 300, false},
		{"x", 200, false},
	}
	for _, tt := range tests {
		if got := codeMatches(tt.codes, tt.status); got != tt.want {
			t.Errorf("codeMatches(%q, %d) = %v, want %v", tt.codes, tt.status, got, tt.want)
		}
	}
}

func TestCheckPort(t *testing.T) {
	tests := []struct {
		env     map[string]string
		port    int
		wantErr bool
	}{
		{map[string]string{"PORT": "8080"}, 8080, false},
		{map[string]string{"PORT": "8081"}, 8080, true},
		{map[string]string{}, 8080, true},
	}
	for _, tt := range tests {
		err := checkPort(&albemu.Container{Name: "c", Env: tt.env}, tt.port)
		if (err != nil) != tt.wantErr {
			t.Errorf("checkPort(%v, %d) = %v, want error %v", tt.env, tt.port, err, tt.wantErr)
		}
	}
}
