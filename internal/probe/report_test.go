package probe

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/corpus"
)

func TestWriteReport(t *testing.T) {
	d := Difference{
		Request: corpus.Request{Method: "GET", Target: "/api/users/1", Line: 9},
		Doors:   []string{"monolith", "split"},
		Responses: []*Response{
			{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":1,"name":"Ada Lindqvist","email":"ada@example.com","joined":"2021-03-04","bio":"Writes compilers and the occasional poem about them."}`)},
			{Status: 200, Header: http.Header{}, Body: []byte(`{"id":1,"name":"Ada Lindkvist","email":"ada@example.com","joined":"2021-03-04","bio":"Writes compilers and the occasional poem about them."}`)},
		},
		Headers: []string{"Content-Type"},
		Body:    true,
	}
	var b strings.Builder
	if err := WriteReport(&b, []Difference{d}, 90); err != nil {
		t.Fatal(err)
	}
	want := `GET /api/users/1 (corpus line 9): Content-Type, body differ
  status:
    monolith  200
    split     200
  Content-Type:
    monolith  ` + "`application/json`" + `
    split     (absent)
  body, first difference at byte 24:
    monolith  ` + "`" + `{"id":1,"name":"Ada Lindqvist","email":"ada@example.com","joined":"2021-03-04","bio":"Writes compile` + "`" + `... (140 bytes)
    split     ` + "`" + `{"id":1,"name":"Ada Lindkvist","email":"ada@example.com","joined":"2021-03-04","bio":"Writes compile` + "`" + `... (140 bytes)

90 requests, 1 differs
`
	if got := b.String(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}

func TestSummary(t *testing.T) {
	for _, tt := range []struct {
		differ, requests int
		want             string
	}{
		{0, 92, "92 requests, 0 differ"},
		{1, 92, "92 requests, 1 differs"},
		{40, 92, "92 requests, 40 differ"},
		{1, 1, "1 request, 1 differs"},
	} {
		if got := Summary(tt.differ, tt.requests); got != tt.want {
			t.Errorf("Summary(%d, %d) = %q, want %q", tt.differ, tt.requests, got, tt.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := []byte(strings.Repeat("a", 100) + "X" + strings.Repeat("b", 99))
	tests := []struct {
		b    []byte
		at   int
		want string
	}{
		{[]byte("short"), 2, "`short`"},
		{long, 100, "...`" + strings.Repeat("a", 30) + "X" + strings.Repeat("b", 69) + "`..."},
		{long, 199, "...`X" + strings.Repeat("b", 99) + "`"},
		{[]byte("a\x00\n"), 0, "`a\\x00\\n`"},
	}
	for _, tt := range tests {
		if got := excerpt(tt.b, tt.at); got != tt.want {
			t.Errorf("excerpt(%d bytes, %d) = %s, want %s", len(tt.b), tt.at, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"b"}`, "`{\"a\":\"b\"}`"},
		{"line\n\ttab", "`line\\n\\ttab`"},
		{`back\slash`, "`back\\\\slash`"},
		{"bad\xffutf8 ünï", "`bad\\xffutf8 ünï`"},
		{"nul\x00del\x7f", "`nul\\x00del\\x7f`"},
	}
	for _, tt := range tests {
		if got := quote([]byte(tt.in)); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
