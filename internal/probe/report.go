package probe

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// excerptBefore and excerptWidth frame a body excerpt: up to excerptWidth
// bytes, from excerptBefore bytes before the first difference.
const (
	excerptBefore = 30
	excerptWidth  = 100
)

// WriteReport writes a readable report of diffs, the outcome of comparing
// requests requests: for each difference, the request, each door's status,
// each differing header with each door's values, and an excerpt of each
// door's body around the first byte where they differ; then a summary
// line, "N requests, M differ".
func WriteReport(w io.Writer, diffs []Difference, requests int) error {
	bw := bufio.NewWriter(w)
	for _, d := range diffs {
		d.write(bw)
		bw.WriteString("\n")
	}
	fmt.Fprintln(bw, Summary(len(diffs), requests))
	return bw.Flush()
}

// Summary is the report's last line, such as "92 requests, 1 differs".
func Summary(differ, requests int) string {
	noun, verb := "requests", "differ"
	if requests == 1 {
		noun = "request"
	}
	if differ == 1 {
		verb = "differs"
	}
	return fmt.Sprintf("%d %s, %d %s", requests, noun, differ, verb)
}

// write writes one difference in the report's format.
func (d Difference) write(w io.Writer) {
	width := 0
	for _, n := range d.Doors {
		width = max(width, len(n))
	}
	row := func(i int, v string) { fmt.Fprintf(w, "    %-*s  %s\n", width, d.Doors[i], v) }
	fmt.Fprintln(w, d.headline())
	fmt.Fprintln(w, "  status:")
	for i, r := range d.Responses {
		row(i, fmt.Sprint(r.Status))
	}
	for _, name := range d.Headers {
		fmt.Fprintf(w, "  %s:\n", name)
		for i, r := range d.Responses {
			vs := headerValues(r.Header, name)
			if len(vs) == 0 {
				row(i, "(absent)")
				continue
			}
			q := make([]string, len(vs))
			for j, v := range vs {
				q[j] = quote([]byte(v))
			}
			row(i, strings.Join(q, ", "))
		}
	}
	if d.Body {
		at := d.firstBodyDifference()
		fmt.Fprintf(w, "  body, first difference at byte %d:\n", at)
		for i, r := range d.Responses {
			row(i, fmt.Sprintf("%s (%d bytes)", excerpt(r.Body, at), len(r.Body)))
		}
	}
}

// firstBodyDifference is the first byte offset at which some door's body
// differs from the first door's.
func (d Difference) firstBodyDifference() int {
	first := d.Responses[0].Body
	at := -1
	for _, r := range d.Responses[1:] {
		n := 0
		for n < len(r.Body) && n < len(first) && r.Body[n] == first[n] {
			n++
		}
		if n < len(r.Body) || n < len(first) {
			if at < 0 || n < at {
				at = n
			}
		}
	}
	return max(at, 0)
}

// excerpt quotes up to excerptWidth bytes of b from a little before offset
// at, with "..." where it cuts b.
func excerpt(b []byte, at int) string {
	start := max(0, min(at-excerptBefore, len(b)-excerptWidth))
	end := min(len(b), start+excerptWidth)
	out := quote(b[start:end])
	if start > 0 {
		out = "..." + out
	}
	if end < len(b) {
		out += "..."
	}
	return out
}

// quote shows b between backquotes, as written but for backslashes,
// control characters and bytes that are not UTF-8, which it escapes as Go
// does (\\, \n, \x00): a JSON body stays readable.
func quote(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('`')
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&sb, `\x%02x`, b[0])
		case r == '\\' || r < ' ' || r == 0x7f:
			q := strconv.QuoteRune(r)
			sb.WriteString(q[1 : len(q)-1])
		default:
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	sb.WriteByte('`')
	return sb.String()
}
