package awsemu

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// parseSeries reads "1 2 - 4": a datapoint per period, "-" for none.
func parseSeries(t *testing.T, s string) series {
	t.Helper()
	var out series
	for _, f := range strings.Fields(s) {
		if f == "-" {
			out = append(out, point{})
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, point{v, true})
	}
	return out
}

func (s series) String() string {
	var fs []string
	for _, p := range s {
		if p.ok {
			fs = append(fs, strconv.FormatFloat(p.v, 'g', -1, 64))
		} else {
			fs = append(fs, "-")
		}
	}
	return strings.Join(fs, " ")
}

// TestExpr: metric math over four periods, where a period without a
// datapoint in an operand has none in the result unless FILL fills it.
func TestExpr(t *testing.T) {
	vars := map[string]string{
		"a":           "1 2 - 4",
		"b":           "10 - 30 40",
		"gap":         "- 2 - -",
		"ends":        "1 - - 4",
		"requests":    "10 - 0 20",
		"errors":      "1 - - 5",
		"conn":        "- - - 1",
		"lb_requests": "- 10 0 -",
		"lb_5xx":      "- - 5 -",
	}
	tests := []struct{ expr, want string }{
		{"a + b", "11 - - 44"},
		{"2 * a", "2 4 - 8"},
		{"a / (b - 10)", "- - - 0.13333333333333333"},
		{"a > 2", "0 0 - 1"},
		{"a >= 2", "0 1 - 1"},
		{"a < 2", "1 0 - 0"},
		{"a <= 2", "1 1 - 0"},
		{"a == 2", "0 1 - 0"},
		{"a != 2", "1 0 - 1"},
		{"IF(a > 1, a)", "- 2 - 4"},
		{"IF(a > 1, a, 0)", "0 2 - 4"},
		{"FILL(a, 0)", "1 2 0 4"},
		{"FILL(a, b)", "1 2 30 4"},
		{"FILL(gap, REPEAT)", "- 2 2 2"},
		{"FILL(ends, LINEAR)", "1 2 3 4"},
		{"MAX(a)", "4 4 4 4"},
		{"MIN(a)", "1 1 1 1"},
		{"SUM(a)", "7 7 7 7"},
		{"AVG(ends)", "2.5 2.5 2.5 2.5"},
		{"MAX(gap - gap)", "0 0 0 0"},
		{"MAX(conn - 5 - conn)", "-5 -5 -5 -5"},
		{"MAX([a, b])", "10 2 30 40"},
		{"MIN(a, b)", "1 2 30 4"},
		{"SUM([a, b, 1])", "12 3 31 45"},
		{"AVG([a, b])", "5.5 2 30 22"},
		{"MAX(gap, conn)", "- 2 - 1"},
		{"a > 1 AND b > 20", "0 - - 1"},
		{"a > 1 && b > 20", "0 - - 1"},
		{"a < 2 OR b > 35", "1 - - 1"},
		{"a < 2 || b > 35", "1 - - 1"},
		{"-a + 2 ^ 3", "7 6 - 4"},
		{"(a + b) * 2", "22 - - 88"},
		{"2 ^ 3 ^ 2", "512 512 512 512"},
		{"1 + 2 * 3", "7 7 7 7"},
		{"1 - 2 - 3", "-4 -4 -4 -4"},
		{"12 / 2 / 3", "2 2 2 2"},
		{"ABS(-a)", "1 2 - 4"},
		{"1.5e2 + .5", "150.5 150.5 150.5 150.5"},
		{"IF(requests > 0, 100 * (FILL(errors, 0) + FILL(conn, 0)) / requests)", "10 - - 30"},
		{"IF(requests > 0, 100 * (FILL(errors, 0)) / requests)", "10 - - 25"},
		{"IF(FILL(lb_requests, 0) + FILL(lb_5xx, 0) > 0, 100 * FILL(lb_5xx, 0) / (FILL(lb_requests, 0) + FILL(lb_5xx, 0)))", "- 0 100 -"},
	}
	lookup := func(id string) (series, error) { return parseSeries(t, vars[id]), nil }
	for _, tt := range tests {
		n, err := parseExpr(tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		got, err := n.eval(lookup, 4)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

// TestExprErrors: what is not metric math, or not emulated, fails to
// parse.
func TestExprErrors(t *testing.T) {
	for _, expr := range []string{
		"", "a +", "(a", "a)", "a b", "a $ b", "1.2.3", "FOO(a)", "METRICS()", "IF(a)", "IF(a, b, c, d)", "MAX()",
		"FILL(a)", "FILL(REPEAT, a)", "REPEAT", "IF([a], b)", "ABS(a, b)", "a +* b", "[a, b]",
	} {
		n, err := parseExpr(expr)
		if err == nil {
			// A bare array or keyword parses but cannot be evaluated.
			if _, err = n.eval(func(string) (series, error) { return make(series, 1), nil }, 1); err == nil {
				t.Errorf("%q: no error", expr)
			}
		}
	}
}

// TestRefs: an expression refers to the ids it names, not to functions
// or keywords.
func TestRefs(t *testing.T) {
	n, err := parseExpr("IF(x > 0, MAX([y, FILL(z, REPEAT)]) / x)")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(refs(n))); !slices.Equal(got, []string{"x", "x", "y", "z"}) {
		t.Errorf("refs %v, want x x y z", got)
	}
}
