package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/stacks"
)

// guardedStates are the states the cutover guards are proved in: a
// service at 0 %, one at 10 % beside one at 100 %, and the split.
var guardedStates = []string{"users:0", "users:10,threads:100", "split"}

// running returns the services a state runs, the monolith first.
func running(t *testing.T, stage string) []string {
	t.Helper()
	st, err := stacks.ParseStage(stage)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if !st.Complete(stacks.ForumServiceNames()) {
		out = append(out, stacks.ForumMonolith.Name)
	}
	for _, e := range st.Extracted {
		out = append(out, e.Service)
	}
	return out
}

// forumPaths returns a forum service's path patterns.
func forumPaths(name string) []any {
	var paths []string
	for _, f := range append([]stacks.ForumService{stacks.ForumMonolith}, stacks.ForumServices...) {
		if f.Name == name {
			paths = f.Paths
		}
	}
	out := make([]any, len(paths))
	for i, p := range paths {
		out[i] = p
	}
	return out
}

// serviceResource returns the logical id and properties of the one
// resource of a type whose logical id begins with a service's name.
func serviceResource(t *testing.T, tpl map[string]any, svc, typ, idPrefix string) (string, map[string]any) {
	t.Helper()
	return resourceWithPrefix(t, tpl, typ, svc+idPrefix)
}

// TestPreviewRules: while a service runs, at any share (0 % included), a
// rule just before its routing rule forwards its paths' requests that carry
// X-Ecsplit-Preview: NAME to its target group; the monolith has one too,
// which also forwards, at weight 0, to its target groups for the paths of
// the services below 100 % (associating them with the listener).
func TestPreviewRules(t *testing.T) {
	parallel(t)
	for _, stage := range guardedStates {
		tpl := synth(t, map[string]string{"stage": stage, "capacity": "fargate"}).TemplateMap(t, stacks.ServicesStackName)
		for _, svc := range running(t, stage) {
			tgID, _ := serviceResource(t, tpl, svc, typeTargetGroup, "TargetGroup")
			_, preview := serviceResource(t, tpl, svc, typeListenerRule, "PreviewRule")
			_, routing := serviceResource(t, tpl, svc, typeListenerRule, "Rule")
			p, r := preview["Properties"].(map[string]any), routing["Properties"].(map[string]any)
			want := []any{
				map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{"HttpHeaderName": migration.DefaultPreviewHeader, "Values": []any{svc}}},
				map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": forumPaths(svc)}},
			}
			if got := p["Conditions"]; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s %s: preview conditions %v, want %v", stage, svc, got, want)
			}
			if p["Priority"].(float64) != r["Priority"].(float64)-1 {
				t.Errorf("%s %s: preview priority %v, want the routing rule's %v minus one", stage, svc, p["Priority"], r["Priority"])
			}
			wantAction := fmt.Sprintf("[map[TargetGroupArn:map[Ref:%s] Type:forward]]", tgID)
			if svc == stacks.ForumMonolith.Name {
				groups := []string{fmt.Sprintf("map[TargetGroupArn:map[Ref:%s] Weight:1]", tgID)}
				for i := range min(len(stacks.ForumServices), migration.MaxWeightedServices) {
					id, _ := serviceResource(t, tpl, svc, typeTargetGroup, fmt.Sprintf("ExtraTargetGroup%d", i+1))
					groups = append(groups, fmt.Sprintf("map[TargetGroupArn:map[Ref:%s] Weight:0]", id))
				}
				wantAction = fmt.Sprintf("[map[ForwardConfig:map[TargetGroups:[%s]] Type:forward]]", strings.Join(groups, " "))
			}
			if got := fmt.Sprint(p["Actions"]); got != wantAction {
				t.Errorf("%s %s: preview action %s, want %s", stage, svc, got, wantAction)
			}
		}
	}
}

// alarmSpec is what one alarm of a service must be.
type alarmSpec struct {
	suffix, operator string
	threshold        float64
	// metric names the metric the alarm watches (for the error rate, the
	// metrics its expression uses).
	metric string
}

var alarmSpecs = []alarmSpec{
	{migration.ErrorRateSuffix, "GreaterThanThreshold", migration.DefaultErrorRatePercent, "HTTPCode_Target_5XX_Count TargetConnectionErrorCount RequestCount"},
	{migration.ClientErrorRateSuffix, "GreaterThanThreshold", migration.DefaultClientErrorRatePercent, "HTTPCode_Target_4XX_Count RequestCount"},
	{migration.LatencySuffix, "GreaterThanThreshold", migration.DefaultLatencyP99.Seconds(), "TargetResponseTime"},
	{migration.UnhealthyHostsSuffix, "GreaterThanOrEqualToThreshold", float64(migration.DefaultUnhealthyHosts), "UnHealthyHostCount"},
	{migration.NoHealthyHostsSuffix, "LessThanThreshold", 1, "HealthyHostCount"},
}

// weighted reports whether a state runs svc below 100 % beside the
// monolith: its rule then splits its paths with the monolith, and its
// alarms compare it with the monolith on them.
func weighted(t *testing.T, stage, svc string) bool {
	t.Helper()
	st, err := stacks.ParseStage(stage)
	if err != nil {
		t.Fatal(err)
	}
	percent, ok := st.Percent(svc)
	return ok && percent < 100 && !st.Retired
}

// loadBalancerAlarmName is the name of the alarm on the load balancer's own
// 5xx answers.
var loadBalancerAlarmName = stacks.ServicesStackName + "-" + migration.LoadBalancerAlarmSuffix

// TestAlarms: every running service, the monolith included, has its five
// alarms on its own target group, with the default thresholds and periods,
// stable names, an action on the alarm topic; and its ECS service rolls a
// deployment back when one of them, or the load balancer's alarm, fires,
// on top of the circuit breaker.
func TestAlarms(t *testing.T) {
	parallel(t)
	for _, stage := range guardedStates {
		tpl := synth(t, map[string]string{"stage": stage, "capacity": "fargate"}).TemplateMap(t, stacks.ServicesStackName)
		topics := resourcesOfType(tpl, "AWS::SNS::Topic")
		if len(topics) != 1 || topics[0]["Properties"].(map[string]any)["KmsMasterKeyId"] == nil {
			t.Fatalf("%s: want one encrypted alarm topic, got %v", stage, topics)
		}
		for _, svc := range running(t, stage) {
			tgID, _ := serviceResource(t, tpl, svc, typeTargetGroup, "TargetGroup")
			var names []any
			for _, spec := range alarmSpecs {
				name := fmt.Sprintf("%s-%s-%s", stacks.ServicesStackName, svc, spec.suffix)
				names = append(names, name)
				alarm := alarmNamed(t, tpl, name)
				p := alarm["Properties"].(map[string]any)
				checks := map[string]any{
					"ComparisonOperator": spec.operator, "Threshold": spec.threshold,
					"EvaluationPeriods": float64(migration.DefaultEvaluationPeriods), "DatapointsToAlarm": float64(migration.DefaultDatapointsToAlarm),
					"TreatMissingData": "notBreaching",
				}
				for k, want := range checks {
					if p[k] != want {
						t.Errorf("%s %s: %s = %v, want %v", stage, name, k, p[k], want)
					}
				}
				metrics, _ := json.Marshal(p["Metrics"])
				for _, m := range strings.Fields(spec.metric) {
					if !strings.Contains(string(metrics), `"MetricName":"`+m+`"`) {
						t.Errorf("%s %s: does not watch %s: %s", stage, name, m, metrics)
					}
				}
				if !strings.Contains(string(metrics), `"Fn::GetAtt":["`+tgID+`","TargetGroupFullName"]`) || strings.Count(string(metrics), "TargetGroupFullName") != strings.Count(string(metrics), tgID) {
					t.Errorf("%s %s: watches a target group other than %s: %s", stage, name, tgID, metrics)
				}
				if got := fmt.Sprint(p["AlarmActions"]); !strings.Contains(got, "AlarmTopic") {
					t.Errorf("%s %s: alarm actions %s, want the alarm topic", stage, name, got)
				}
			}
			if weighted(t, stage, svc) {
				for _, suffix := range []string{migration.VersusMonolithErrorRateSuffix, migration.VersusMonolithLatencySuffix, migration.VersusMonolithClientErrorRateSuffix} {
					names = append(names, fmt.Sprintf("%s-%s-%s", stacks.ServicesStackName, svc, suffix))
				}
			}
			_, service := serviceResource(t, tpl, svc, typeService, "Service")
			dc := service["Properties"].(map[string]any)["DeploymentConfiguration"].(map[string]any)
			want := map[string]any{"AlarmNames": append(names, loadBalancerAlarmName), "Enable": true, "Rollback": true}
			if fmt.Sprint(dc["Alarms"]) != fmt.Sprint(want) {
				t.Errorf("%s %s: deployment alarms %v, want %v", stage, svc, dc["Alarms"], want)
			}
			if fmt.Sprint(dc["DeploymentCircuitBreaker"]) != "map[Enable:true Rollback:true]" {
				t.Errorf("%s %s: circuit breaker %v", stage, svc, dc["DeploymentCircuitBreaker"])
			}
			for _, dep := range []string{svc + "ErrorRateAlarm", svc + "ClientErrorRateAlarm", svc + "LatencyAlarm",
				svc + "UnhealthyHostsAlarm", svc + "NoHealthyHostsAlarm", "LoadBalancerErrorRateAlarm"} {
				if !strings.Contains(fmt.Sprint(service["DependsOn"]), dep) {
					t.Errorf("%s %s: the ECS service does not wait for its %s", stage, svc, dep)
				}
			}
		}
	}
}

// TestLoadBalancerAlarm: one alarm watches the 5xx answers the load
// balancer gives itself (502, 503, 504), which CloudWatch has per load
// balancer only, as a rate of its answers, on the shared load balancer
// (its full name taken from the imported listener's ARN), with the default
// threshold, and notifies the alarm topic.
func TestLoadBalancerAlarm(t *testing.T) {
	parallel(t)
	for _, stage := range guardedStates {
		tpl := synth(t, map[string]string{"stage": stage, "capacity": "fargate"}).TemplateMap(t, stacks.ServicesStackName)
		p := alarmNamed(t, tpl, loadBalancerAlarmName)["Properties"].(map[string]any)
		if p["ComparisonOperator"] != "GreaterThanThreshold" || p["Threshold"] != migration.DefaultLoadBalancerErrorRatePercent ||
			p["TreatMissingData"] != "notBreaching" || !strings.Contains(fmt.Sprint(p["AlarmActions"]), "AlarmTopic") {
			t.Errorf("%s: load balancer alarm %v", stage, p)
		}
		resolved, err := resolveIntrinsics(p["Metrics"])
		if err != nil {
			t.Fatal(err)
		}
		var metrics []string
		for _, m := range resolved.([]any) {
			m := m.(map[string]any)
			if ms, ok := m["MetricStat"].(map[string]any); ok {
				metric := ms["Metric"].(map[string]any)
				dims := fmt.Sprint(metric["Dimensions"])
				if dims != "[map[Name:LoadBalancer Value:"+testLoadBalancerFullName+"]]" {
					t.Errorf("%s: load balancer alarm metric %v on %s, want the shared load balancer only", stage, metric["MetricName"], dims)
				}
				metrics = append(metrics, fmt.Sprint(metric["MetricName"]))
			}
		}
		if slices.Sort(metrics); fmt.Sprint(metrics) != "[HTTPCode_ELB_5XX_Count RequestCount]" {
			t.Errorf("%s: load balancer alarm watches %v", stage, metrics)
		}
	}
}

// alarmNamed returns the alarm resource with that AlarmName.
func alarmNamed(t *testing.T, tpl map[string]any, name string) map[string]any {
	t.Helper()
	for _, a := range resourcesOfType(tpl, "AWS::CloudWatch::Alarm") {
		if a["Properties"].(map[string]any)["AlarmName"] == name {
			return a
		}
	}
	t.Fatalf("no alarm named %s", name)
	return nil
}

// dashboardBody returns the migration dashboard's body once its intrinsic
// functions are resolved (resolveIntrinsics), parsed: it must be valid
// dashboard JSON.
func dashboardBody(t *testing.T, tpl map[string]any) map[string]any {
	t.Helper()
	boards := resourcesOfType(tpl, "AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(boards))
	}
	body, err := resolveIntrinsics(boards[0]["Properties"].(map[string]any)["DashboardBody"])
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body.(string)), &out); err != nil {
		t.Fatalf("the dashboard body is not JSON once resolved: %v\n%s", err, body)
	}
	return out
}

// TestDashboard: the resolved dashboard body is JSON with the state and the
// preview header in its text widget, then one row per extracted service in
// which every metric is of the ALB, on the shared load balancer, and on
// the target group of that service or of the monolith; the alarm widget
// lists both sides' alarms.
func TestDashboard(t *testing.T) {
	parallel(t)
	for _, stage := range guardedStates {
		s := synth(t, map[string]string{"stage": stage, "capacity": "fargate"})
		for _, p := range dashboardProblems(t, stage, s.App.Services.Migration.StateText(), s.TemplateMap(t, stacks.ServicesStackName)) {
			t.Errorf("%s: %s", stage, p)
		}
	}
}

// TestDashboardCatchesPlantedFault: a dashboard whose users graphs show
// the threads target group is reported.
func TestDashboardCatchesPlantedFault(t *testing.T) {
	parallel(t)
	stage := "users:10,threads:100"
	s := synth(t, map[string]string{"stage": stage, "capacity": "fargate"})
	tpl := s.TemplateMap(t, stacks.ServicesStackName)
	usersTG, _ := serviceResource(t, tpl, "users", typeTargetGroup, "TargetGroup")
	threadsTG, _ := serviceResource(t, tpl, "threads", typeTargetGroup, "TargetGroup")
	b, _ := json.Marshal(tpl)
	var planted map[string]any
	json.Unmarshal([]byte(strings.ReplaceAll(string(b), `["`+usersTG+`","TargetGroupFullName"]`, `["`+threadsTG+`","TargetGroupFullName"]`)), &planted)
	problems := strings.Join(dashboardProblems(t, stage, s.App.Services.Migration.StateText(), planted), "\n")
	if !strings.Contains(problems, "<"+threadsTG+".TargetGroupFullName>") {
		t.Fatalf("the planted target group was not reported:\n%s", problems)
	}
	t.Logf("planted fault caught:\n%s", problems)
}

// dashboardProblems checks the migration dashboard of a state: the
// resolved body is JSON with the state and the preview header in its text
// widget, then one row per extracted service in which every metric is of
// the ALB, on the shared load balancer, and on the target group of that
// service or of the monolith (both sides shown while the monolith runs);
// the alarm widget lists both sides' alarms.
func dashboardProblems(t *testing.T, stage, state string, tpl map[string]any) []string {
	t.Helper()
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	body := dashboardBody(t, tpl)
	widgets := body["widgets"].([]any)
	text := widgets[0].(map[string]any)["properties"].(map[string]any)["markdown"].(string)
	st, _ := stacks.ParseStage(stage)
	if !strings.Contains(text, "`"+state+"`") || !strings.Contains(text, migration.DefaultPreviewHeader+": ") {
		fail("the text widget does not show the state %q and the preview header: %q", state, text)
	}
	rows := map[float64][]map[string]any{} // by y
	for _, w := range widgets[1:] {
		w := w.(map[string]any)
		rows[w["y"].(float64)] = append(rows[w["y"].(float64)], w)
	}
	// The first row: the text, and the load balancer's own 5xx rate.
	top := rows[0]
	delete(rows, 0)
	if len(top) != 1 || !strings.HasPrefix(fmt.Sprint(top[0]["properties"].(map[string]any)["title"]), "load balancer") {
		fail("the first row holds %v, want the text and the load balancer's 5xx", top)
	} else if b, _ := json.Marshal(top[0]["properties"]); !strings.Contains(string(b), loadBalancerAlarmName) && !strings.Contains(string(b), "LoadBalancerErrorRateAlarm") {
		fail("the load balancer widget does not show its alarm: %s", b)
	}
	if len(rows) != len(st.Extracted) {
		fail("%d rows, want one per extracted service (%d)", len(rows), len(st.Extracted))
	}
	for i, y := range slices.Sorted(maps.Keys(rows)) {
		svc := st.Extracted[i].Service
		sides := []string{svc}
		if !st.Complete(stacks.ForumServiceNames()) {
			sides = append(sides, stacks.ForumMonolith.Name)
		}
		var wantTGs []string
		for _, side := range sides {
			id, _ := serviceResource(t, tpl, side, typeTargetGroup, "TargetGroup")
			wantTGs = append(wantTGs, "<"+id+".TargetGroupFullName>")
		}
		if weighted(t, stage, svc) {
			// Below 100 %, the monolith on the same paths: the other
			// target group of the service's weighted rule.
			wantTGs = wantTGs[:1]
			_, rule := serviceResource(t, tpl, svc, typeListenerRule, "Rule")
			for _, g := range rule["Properties"].(map[string]any)["Actions"].([]any)[0].(map[string]any)["ForwardConfig"].(map[string]any)["TargetGroups"].([]any) {
				if id := "<" + g.(map[string]any)["TargetGroupArn"].(map[string]any)["Ref"].(string) + ".TargetGroupFullName>"; id != wantTGs[0] {
					wantTGs = append(wantTGs, id)
				}
			}
		}
		for _, w := range rows[y] {
			props := w["properties"].(map[string]any)
			title := fmt.Sprint(props["title"])
			if !strings.HasPrefix(title, svc) {
				fail("row %d widget %q is not %s's", i, title, svc)
			}
			if w["type"] == "alarm" {
				alarms := fmt.Sprint(props["alarms"])
				for _, side := range sides {
					if strings.Count(alarms, side) < len(alarmSpecs) {
						fail("row %d alarm widget lacks %s's alarms: %s", i, side, alarms)
					}
				}
				continue
			}
			seen := map[string]bool{}
			for _, m := range props["metrics"].([]any) {
				m := m.([]any)
				if _, ok := m[0].(string); !ok {
					continue // an expression
				}
				if m[0] != "AWS/ApplicationELB" || m[2] != "LoadBalancer" || m[3] != testLoadBalancerFullName || m[4] != "TargetGroup" {
					fail("%q shows %v, want an ALB metric of %s", title, m[:5], testLoadBalancerFullName)
				}
				if !slices.Contains(wantTGs, fmt.Sprint(m[5])) {
					fail("%q shows target group %v, want one of %v", title, m[5], wantTGs)
				}
				seen[fmt.Sprint(m[5])] = true
			}
			if len(seen) != len(wantTGs) {
				fail("%q shows target groups %v, want both sides %v", title, slices.Sorted(maps.Keys(seen)), wantTGs)
			}
		}
	}
	return problems
}

// dashboardPicture is the README's picture of the migration dashboard,
// drawn from the synthesized dashboard body.
const dashboardPicture = "docs/dashboard.svg"

// TestDashboardPicture draws the dashboard of users:10,threads:100 from its
// resolved body (each widget where the body puts it on CloudWatch's
// 24-column grid, with its title and the labels of its metrics) and keeps
// docs/dashboard.svg current (-update-diff rewrites it).
func TestDashboardPicture(t *testing.T) {
	parallel(t)
	tpl := synth(t, map[string]string{"stage": "users:10,threads:100", "capacity": "fargate"}).TemplateMap(t, stacks.ServicesStackName)
	body := dashboardBody(t, tpl)
	// alarmName names the alarm of an ARN placeholder, "<ID.Arn>".
	alarmName := func(arn string) string {
		id := strings.TrimSuffix(strings.TrimPrefix(arn, "<"), ".Arn>")
		r, _ := tpl["Resources"].(map[string]any)[id].(map[string]any)
		if r == nil {
			return arn
		}
		return fmt.Sprint(r["Properties"].(map[string]any)["AlarmName"])
	}
	const col, unit = 40, 28 // pixels per grid column and per grid row
	var b strings.Builder
	height := 0
	for _, w := range body["widgets"].([]any) {
		w := w.(map[string]any)
		height = max(height, int(w["y"].(float64)+w["height"].(float64))*unit)
	}
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", 24*col+2, height+2)
	for _, w := range body["widgets"].([]any) {
		w := w.(map[string]any)
		x, y := int(w["x"].(float64))*col+1, int(w["y"].(float64))*unit+1
		wd, ht := int(w["width"].(float64))*col-4, int(w["height"].(float64))*unit-4
		props := w["properties"].(map[string]any)
		fill := map[any]string{"text": "#f4f4f4", "metric": "#eef5fb", "alarm": "#fdf3e7"}[w["type"]]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="%s" stroke="#8aa"/>`+"\n", x, y, wd, ht, fill)
		var lines []string
		switch w["type"] {
		case "text":
			for _, para := range strings.Split(props["markdown"].(string), "\n") {
				lines = append(lines, wrap(para, wd/7)...)
			}
		case "alarm":
			lines = append(lines, fmt.Sprint(props["title"]))
			for _, a := range props["alarms"].([]any) {
				lines = append(lines, "● "+strings.TrimPrefix(alarmName(fmt.Sprint(a)), stacks.ServicesStackName+"-"))
			}
		default:
			lines = append(lines, fmt.Sprint(props["title"]))
			annotations, _ := props["annotations"].(map[string]any)
			alarms, _ := annotations["alarms"].([]any)
			for _, a := range alarms { // an alarm widget: the alarm's own graph
				lines = append(lines, "— "+strings.TrimPrefix(alarmName(fmt.Sprint(a)), stacks.ServicesStackName+"-")+" (its metric and threshold)")
			}
			metrics, _ := props["metrics"].([]any)
			for _, m := range metrics {
				m := m.([]any)
				opts, _ := m[len(m)-1].(map[string]any)
				if opts["visible"] == false {
					continue
				}
				lines = append(lines, "— "+fmt.Sprint(opts["label"]))
			}
		}
		for i, l := range lines {
			if l = strings.TrimPrefix(l, "# "); l == "" {
				continue
			}
			weight := ""
			if i == 0 {
				weight = ` font-weight="bold"`
			}
			if max := wd / 7; len(l) > max {
				l = l[:max-1] + "…"
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d"%s>%s</text>`+"\n", x+6, y+15+i*14, weight, esc.Replace(l))
		}
	}
	b.WriteString("</svg>\n")
	checkGolden(t, dashboardPicture, b.String(), "TestDashboardPicture")
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}
