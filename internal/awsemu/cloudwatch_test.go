package awsemu

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// period is the real duration of a 60-second period on a stage.
const period = time.Second

// alarms returns every metric alarm, paging by pages of size (0: the
// default).
func (s *stage) alarms(t *testing.T, in *cloudwatch.DescribeAlarmsInput, size int32) []types.MetricAlarm {
	t.Helper()
	if size > 0 {
		in.MaxRecords = aws.Int32(size)
	}
	var out []types.MetricAlarm
	for {
		page, err := s.cw.DescribeAlarms(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if size > 0 && len(page.MetricAlarms) > int(size) {
			t.Errorf("a page of %d alarms, want at most %d", len(page.MetricAlarms), size)
		}
		out = append(out, page.MetricAlarms...)
		if page.NextToken == nil {
			return out
		}
		in.NextToken = page.NextToken
	}
}

// state returns the state of the alarm named name, and its reason.
func (s *stage) state(t *testing.T, name string) (types.StateValue, string) {
	t.Helper()
	out := s.alarms(t, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}}, 0)
	if len(out) != 1 {
		t.Fatalf("DescribeAlarms %s: %d alarms", name, len(out))
	}
	return out[0].StateValue, aws.ToString(out[0].StateReason)
}

// TestDescribeAlarmsGolden: every alarm of the golden synthesis is
// emulated, listed by name with its definition, in INSUFFICIENT_DATA
// until a period ends, and filtered by name, prefix, state and type.
func TestDescribeAlarmsGolden(t *testing.T) {
	s := newStage(t, loadGolden(t), nil)
	if errs := s.srv.NotEmulated(); len(errs) > 0 {
		t.Errorf("not emulated: %v", errs)
	}
	all := s.alarms(t, &cloudwatch.DescribeAlarmsInput{}, 0)
	want := len(s.asm.Templates.Stacks["EcsplitServices"].OfType(typeAlarm))
	if len(all) != want || want == 0 {
		t.Fatalf("%d alarms, want the template's %d", len(all), want)
	}
	var names []string
	for _, a := range all {
		names = append(names, aws.ToString(a.AlarmName))
		if a.StateValue != types.StateValueInsufficientData || a.StateUpdatedTimestamp == nil ||
			!strings.HasPrefix(aws.ToString(a.AlarmArn), "arn:aws:cloudwatch:us-east-1:000000000000:alarm:") {
			t.Errorf("%s: %s at %v, ARN %s", aws.ToString(a.AlarmName), a.StateValue, a.StateUpdatedTimestamp, aws.ToString(a.AlarmArn))
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("alarms not by name: %v", names)
	}
	paged := s.alarms(t, &cloudwatch.DescribeAlarmsInput{}, 4)
	if len(paged) != len(all) {
		t.Errorf("by pages of 4: %d alarms, want %d", len(paged), len(all))
	}

	const errorRate = "EcsplitServices-users-error-rate"
	one := s.alarms(t, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{errorRate, "no-such-alarm"}}, 0)
	if len(one) != 1 {
		t.Fatalf("AlarmNames %s: %d alarms", errorRate, len(one))
	}
	a := one[0]
	if aws.ToFloat64(a.Threshold) != 1 || a.ComparisonOperator != types.ComparisonOperatorGreaterThanThreshold ||
		aws.ToInt32(a.EvaluationPeriods) != 5 || aws.ToInt32(a.DatapointsToAlarm) != 3 || aws.ToString(a.TreatMissingData) != "notBreaching" || len(a.Metrics) != 4 {
		t.Errorf("%s: %+v", errorRate, a)
	}
	for _, q := range a.Metrics {
		if q.MetricStat == nil {
			if !strings.HasPrefix(aws.ToString(q.Expression), "IF(") || !aws.ToBool(q.ReturnData) {
				t.Errorf("%s: expression %s", errorRate, aws.ToString(q.Expression))
			}
			continue
		}
		dims := map[string]string{}
		for _, d := range q.MetricStat.Metric.Dimensions {
			dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
		}
		users := s.id(t, "usersTargetGroup")
		if dims["TargetGroup"] != s.srv.ARNs().TargetGroupFullName(users) || dims["LoadBalancer"] != s.srv.ARNs().LoadBalancerFullName(s.asm.Listener.ID) ||
			aws.ToInt32(q.MetricStat.Period) != 60 || aws.ToString(q.MetricStat.Stat) != "Sum" {
			t.Errorf("%s: metric %s %v", errorRate, aws.ToString(q.Id), dims)
		}
	}
	if got := s.alarms(t, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("EcsplitServices-users-")}, 0); len(got) == 0 || len(got) >= len(all) {
		t.Errorf("prefix EcsplitServices-users-: %d of %d alarms", len(got), len(all))
	}
	if got := s.alarms(t, &cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueAlarm}, 0); len(got) != 0 {
		t.Errorf("StateValue ALARM: %d alarms, want none", len(got))
	}
	if got := s.alarms(t, &cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}}, 0); len(got) != 0 {
		t.Errorf("AlarmTypes CompositeAlarm: %d metric alarms, want none", len(got))
	}
	if got := s.alarms(t, &cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm}}, 0); len(got) != len(all) {
		t.Errorf("AlarmTypes MetricAlarm, CompositeAlarm: %d alarms, want %d", len(got), len(all))
	}
}

// TestAlarmFromTraffic: a service's error rate alarm (3 of 5 periods
// above 1 %) goes to ALARM when its task answers 500 for three periods,
// and back to OK when three periods of good answers push them out, on
// compressed time: a period of 60 s lasts one second.
func TestAlarmFromTraffic(t *testing.T) {
	asm := loadGolden(t)
	users := newTarget(t, "users")
	s := newStage(t, asm, nil)
	s.rt.Register(s.id(t, "usersTargetGroup"), users.URL)
	const name = "EcsplitServices-users-error-rate"
	step := func(status int) {
		users.status.Store(int64(status))
		if got := s.get(t, "/api/users/1", 10); got["users"] != 10 {
			t.Fatalf("GET /api/users/1: %v, want 10 answers of users", got)
		}
		s.clock.advance(period)
	}
	if got, reason := s.state(t, name); got != types.StateValueInsufficientData {
		t.Errorf("before a period ends: %s (%s), want INSUFFICIENT_DATA", got, reason)
	}
	step(http.StatusOK)
	if got, reason := s.state(t, name); got != types.StateValueOk {
		t.Errorf("after a good period: %s (%s), want OK", got, reason)
	}
	step(http.StatusInternalServerError)
	step(http.StatusInternalServerError)
	if got, reason := s.state(t, name); got != types.StateValueOk {
		t.Errorf("after 2 periods of 500s: %s (%s), want OK", got, reason)
	}
	step(http.StatusInternalServerError)
	got, reason := s.state(t, name)
	if got != types.StateValueAlarm || !strings.Contains(reason, "[100, 100, 100, 0]") {
		t.Errorf("after 3 periods of 500s: %s (%s), want ALARM, datapoints [100, 100, 100, 0]", got, reason)
	}
	step(http.StatusOK)
	step(http.StatusOK)
	if got, reason := s.state(t, name); got != types.StateValueAlarm {
		t.Errorf("3 bad of the last 5 periods: %s (%s), want ALARM", got, reason)
	}
	step(http.StatusOK)
	if got, reason := s.state(t, name); got != types.StateValueOk {
		t.Errorf("2 bad of the last 5 periods: %s (%s), want OK", got, reason)
	}
	if got, _ := s.state(t, "EcsplitServices-monolith-error-rate"); got != types.StateValueOk {
		t.Errorf("the monolith's error rate alarm: %s, want OK (no traffic, not breaching)", got)
	}
}

// fixture is an assembly of one stack with a load balancer, its listener
// forwarding to target group App, and alarms on App: of one metric, with
// TreatMissingData left to its default (missing), and of a metric the
// emulator does not compute.
func fixture(t *testing.T) *albemu.Assembly {
	t.Helper()
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	getAtt := func(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
	dims := []any{
		map[string]any{"Name": "LoadBalancer", "Value": getAtt("LB", "LoadBalancerFullName")},
		map[string]any{"Name": "TargetGroup", "Value": getAtt("App", "TargetGroupFullName")},
	}
	alarm := func(name, metric string, stat map[string]any, threshold float64) map[string]any {
		p := map[string]any{
			"AlarmName": name, "Namespace": "AWS/ApplicationELB", "MetricName": metric, "Dimensions": dims, "Period": 60,
			"EvaluationPeriods": 2, "Threshold": threshold, "ComparisonOperator": "GreaterThanThreshold",
		}
		for k, v := range stat {
			p[k] = v
		}
		return map[string]any{"Type": typeAlarm, "Properties": p}
	}
	cpu := alarm("app-cpu", "CPUUtilization", map[string]any{"Statistic": "Average"}, 80)
	cpu["Properties"].(map[string]any)["Namespace"] = "AWS/ECS"
	never := alarm("never", "RequestCount", map[string]any{"Statistic": "Sum"}, 1)
	never["Condition"] = "Never"
	template := map[string]any{
		"Conditions": map[string]any{"Never": map[string]any{"Fn::Equals": []any{"a", "b"}}},
		"Resources": map[string]any{
			"LB": map[string]any{"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": map[string]any{}},
			"Listener": map[string]any{"Type": albemu.TypeListener, "Properties": map[string]any{
				"LoadBalancerArn": ref("LB"), "Port": 80, "Protocol": "HTTP",
				"DefaultActions": []any{map[string]any{"Type": "forward", "TargetGroupArn": ref("App")}},
			}},
			"App":     map[string]any{"Type": albemu.TypeTargetGroup, "Properties": map[string]any{"Port": 8080, "Protocol": "HTTP"}},
			"Errors":  alarm("app-5xx", "HTTPCode_Target_5XX_Count", map[string]any{"Statistic": "Sum"}, 0),
			"Latency": alarm("app-p99", "TargetResponseTime", map[string]any{"ExtendedStatistic": "p99"}, 5),
			"CPU":     cpu,
			"Never":   never,
		},
	}
	dir := t.TempDir()
	writeJSON(t, filepath.Join(dir, "App.template.json"), template)
	writeJSON(t, filepath.Join(dir, "manifest.json"), map[string]any{"artifacts": map[string]any{
		"App": map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": "App.template.json", "stackName": "app"}},
	}})
	asm, err := albemu.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return asm
}

// TestAlarmMissingData: with TreatMissingData missing, an alarm without
// datapoints stays INSUFFICIENT_DATA, whatever periods pass: a count of
// 5xx that stays zero has none, as in CloudWatch; an alarm the emulator
// cannot compute stays INSUFFICIENT_DATA and says why.
func TestAlarmMissingData(t *testing.T) {
	asm := fixture(t)
	app := newTarget(t, "app")
	appTG := albemu.ResourceID{Stack: "App", LogicalID: "App"}
	s := newStage(t, asm, map[albemu.ResourceID][]*url.URL{appTG: {app.URL}})
	errs := s.srv.NotEmulated()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "app-cpu") || !strings.Contains(errs[0].Error(), "AWS/ECS") {
		t.Errorf("NotEmulated: %v, want app-cpu's namespace AWS/ECS", errs)
	}
	all := s.alarms(t, &cloudwatch.DescribeAlarmsInput{}, 0)
	var names []string
	for _, a := range all {
		names = append(names, aws.ToString(a.AlarmName))
	}
	if !slices.Equal(names, []string{"app-5xx", "app-cpu", "app-p99"}) {
		t.Errorf("alarms %v, want app-5xx app-cpu app-p99 (not never, whose condition is false)", names)
	}
	p99 := all[2]
	if aws.ToString(p99.ExtendedStatistic) != "p99" || aws.ToString(p99.MetricName) != "TargetResponseTime" || aws.ToInt32(p99.Period) != 60 || len(p99.Dimensions) != 2 {
		t.Errorf("app-p99: %+v", p99)
	}
	s.clock.advance(3 * period)
	for _, name := range []string{"app-5xx", "app-p99", "app-cpu"} {
		if got, reason := s.state(t, name); got != types.StateValueInsufficientData {
			t.Errorf("%s without traffic: %s (%s), want INSUFFICIENT_DATA", name, got, reason)
		}
	}
	if _, reason := s.state(t, "app-cpu"); !strings.Contains(reason, "Not emulated") {
		t.Errorf("app-cpu's reason %q does not say it is not emulated", reason)
	}
	s.get(t, "/", 5)
	s.clock.advance(period)
	if got, reason := s.state(t, "app-p99"); got != types.StateValueOk {
		t.Errorf("app-p99 after fast answers: %s (%s), want OK", got, reason)
	}
	if got, reason := s.state(t, "app-5xx"); got != types.StateValueInsufficientData {
		t.Errorf("app-5xx without 5xx: %s (%s), want INSUFFICIENT_DATA", got, reason)
	}
	for range 2 {
		app.status.Store(http.StatusServiceUnavailable)
		s.get(t, "/", 5)
		s.clock.advance(period)
	}
	if got, reason := s.state(t, "app-5xx"); got != types.StateValueAlarm {
		t.Errorf("app-5xx after 2 periods of 503s: %s (%s), want ALARM", got, reason)
	}
}

// TestCloudWatchErrors: what DescribeAlarms refuses reaches the SDK with
// its error code, typed where the SDK has a type.
func TestCloudWatchErrors(t *testing.T) {
	s := newStage(t, fixture(t), nil)
	ctx := context.Background()
	_, err := s.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{NextToken: aws.String("x")})
	var bad *types.InvalidNextToken
	if !errors.As(err, &bad) {
		t.Errorf("NextToken x: %v, want InvalidNextToken", err)
	}
	_, err = s.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a"}, AlarmNamePrefix: aws.String("a")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterCombination" {
		t.Errorf("AlarmNames and AlarmNamePrefix: %v, want InvalidParameterCombination", err)
	}
	_, err = s.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(101)})
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("MaxRecords 101: %v, want InvalidParameterValue", err)
	}
	_, err = s.cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("d")})
	if !errors.As(err, &api) || api.ErrorCode() != "UnknownOperationException" {
		t.Errorf("GetDashboard: %v, want UnknownOperationException", err)
	}
}
