package awsemu

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// versusExpression returns the expression of the golden template's
// threads-client-error-rate-vs-monolith alarm (threads is at 10 %): the
// comparison the migration construct writes.
func versusExpression(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "test", "testdata", "golden", "users-100-threads-10.fargate", "EcsplitServices.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				AlarmName string
				Metrics   []struct {
					Expression string
					ReturnData *bool
				}
			}
		}
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	for _, r := range tpl.Resources {
		if r.Type == "AWS::CloudWatch::Alarm" && strings.HasSuffix(r.Properties.AlarmName, "-threads-client-error-rate-vs-monolith") {
			for _, m := range r.Properties.Metrics {
				if m.ReturnData == nil || *m.ReturnData {
					return m.Expression
				}
			}
		}
	}
	t.Fatal("no threads-client-error-rate-vs-monolith alarm in the golden template")
	return ""
}

// TestVersusMonolithIsAZTest evaluates the construct's 4xx comparison on
// periods of known requests and 4xx rates on both sides: it gives how many
// standard errors the service's rate lies above the monolith's, once the
// difference is above the 5-point margin, and 0 otherwise; the alarm
// breaches above 3. Chance (the 25 % share of the forum's local ramp,
// 45 requests against 135, 80 % against 75 %) is no breach; a route the
// service misses (100 % against 20 %) is, and so is a modest difference
// with enough requests; a large one on a handful of requests is not.
func TestVersusMonolithIsAZTest(t *testing.T) {
	n, err := parseExpr(versusExpression(t))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name           string
		nS, rS, nM, rM float64
		breach         bool
	}{
		{"chance on a small share", 45, 80, 135, 75, false},
		{"a route the service misses", 45, 100, 135, 20, true},
		{"a modest difference, many requests", 5000, 32, 15000, 25, true},
		{"within the margin", 5000, 28, 15000, 25, false},
		{"large, on a handful", 5, 100, 5, 60, false},
		{"the service better", 45, 10, 135, 75, false},
	}
	vars := map[string]series{}
	for _, c := range cases {
		vars["requests_threads"] = append(vars["requests_threads"], point{c.nS, true})
		vars["requests_monolith_on_threads"] = append(vars["requests_monolith_on_threads"], point{c.nM, true})
		vars["client_error_rate_threads"] = append(vars["client_error_rate_threads"], point{c.rS, true})
		vars["client_error_rate_monolith_on_threads"] = append(vars["client_error_rate_monolith_on_threads"], point{c.rM, true})
	}
	got, err := n.eval(func(id string) (series, error) {
		s, ok := vars[id]
		if !ok {
			return nil, fmt.Errorf("no %s", id)
		}
		return s, nil
	}, len(cases))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		if breach := got[i].ok && got[i].v > 3; breach != c.breach {
			t.Errorf("%s: %v standard errors, breach %v, want %v", c.name, got[i], breach, c.breach)
		}
	}
}
