package awsemu

import (
	"maps"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/cfn"
)

// TestReadAlarm: what an alarm's properties must hold for the emulator to
// compute it; each problem is named.
func TestReadAlarm(t *testing.T) {
	src := sources{loadBalancer: "app/lb/1", targetGroups: map[string]albemu.ResourceID{"targetgroup/tg/2": testTG}}
	dims := []any{
		map[string]any{"Name": "LoadBalancer", "Value": "app/lb/1"},
		map[string]any{"Name": "TargetGroup", "Value": "targetgroup/tg/2"},
	}
	single := func() map[string]any {
		return map[string]any{
			"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Dimensions": dims, "Statistic": "Sum", "Period": 60.0,
			"EvaluationPeriods": 3.0, "DatapointsToAlarm": 2.0, "Threshold": "10", "ComparisonOperator": "LessThanThreshold",
		}
	}
	stat := func(id, metric string) map[string]any {
		return map[string]any{"Id": id, "ReturnData": false, "MetricStat": map[string]any{
			"Metric": map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": metric, "Dimensions": dims},
			"Period": 60.0, "Stat": "Sum",
		}}
	}
	expr := func(id, e string) map[string]any { return map[string]any{"Id": id, "Expression": e} }
	withMetrics := func(metrics ...any) map[string]any {
		p := single()
		for _, k := range []string{"Namespace", "MetricName", "Dimensions", "Statistic", "Period"} {
			delete(p, k)
		}
		p["Metrics"] = metrics
		return p
	}
	with := func(p map[string]any, kv ...any) map[string]any {
		p = maps.Clone(p)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(p, kv[i].(string))
			} else {
				p[kv[i].(string)] = kv[i+1]
			}
		}
		return p
	}
	tests := []struct {
		name  string
		props map[string]any
		err   string // "" when it reads
	}{
		{"single", single(), ""},
		{"p99", with(single(), "Statistic", nil, "ExtendedStatistic", "p99", "MetricName", "TargetResponseTime"), ""},
		{"load balancer", with(single(), "Dimensions", dims[:1]), ""},
		{"expression", withMetrics(stat("r", "RequestCount"), stat("e", "HTTPCode_Target_5XX_Count"), expr("x", "IF(r > 0, 100 * FILL(e, 0) / r)")), ""},
		{"no period", with(single(), "Period", nil), "Period is missing"},
		{"comparison", with(single(), "ComparisonOperator", "LessThanLowerThreshold"), "ComparisonOperator"},
		{"threshold", with(single(), "Threshold", "ten"), "Threshold"},
		{"datapoints", with(single(), "DatapointsToAlarm", 4.0), "DatapointsToAlarm"},
		{"missing data", with(single(), "TreatMissingData", "zero"), "TreatMissingData"},
		{"anomaly band", with(single(), "ThresholdMetricId", "ad1"), "ThresholdMetricId"},
		{"namespace", with(single(), "Namespace", "AWS/ECS"), "namespace AWS/ECS"},
		{"metric", with(single(), "MetricName", "ActiveConnectionCount"), "ActiveConnectionCount"},
		{"hosts of the load balancer", with(single(), "MetricName", "HealthyHostCount", "Dimensions", dims[:1]), "HealthyHostCount of the load balancer"},
		{"other load balancer", with(single(), "Dimensions", []any{map[string]any{"Name": "LoadBalancer", "Value": "app/other/3"}}), "not the emulated load balancer"},
		{"other target group", with(single(), "Dimensions", []any{dims[0], map[string]any{"Name": "TargetGroup", "Value": "targetgroup/x/4"}}), "no target group"},
		{"zone", with(single(), "Dimensions", append([]any{map[string]any{"Name": "AvailabilityZone", "Value": "us-east-1a"}}, dims...)), "AvailabilityZone"},
		{"statistic", with(single(), "Statistic", "tm99"), "tm99"},
		{"two returns", withMetrics(with(stat("r", "RequestCount"), "ReturnData", true), expr("x", "r")), "2 queries have ReturnData"},
		{"unknown id", withMetrics(stat("r", "RequestCount"), expr("x", "r + q")), "no query has the Id q"},
		{"cycle", withMetrics(stat("r", "RequestCount"), with(expr("x", "y"), "ReturnData", false), expr("y", "x + r")), "refers to itself"},
		{"periods", withMetrics(stat("r", "RequestCount"), with(stat("s", "RequestCount"), "MetricStat", map[string]any{
			"Metric": map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Dimensions": dims}, "Period": 300.0, "Stat": "Sum",
		}), expr("x", "r + s")), "Period 300 differs"},
		{"function", withMetrics(stat("r", "RequestCount"), expr("x", "RATE(r)")), "RATE"},
	}
	asm := &cfn.Assembly{Stacks: map[string]*cfn.Template{}}
	for _, tt := range tests {
		asm.Stacks["S"] = &cfn.Template{Resources: map[string]*cfn.Resource{"A": {Type: typeAlarm, Properties: tt.props}}}
		asm.Artifacts = []cfn.Stack{{ID: "S", Name: "S"}}
		alarms := readAlarms(asm, cfn.NewResolver(asm, Env()), src)
		if len(alarms) != 1 {
			t.Fatalf("%s: %d alarms", tt.name, len(alarms))
		}
		err := alarms[0].notEmulated
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: error %v, want one that says %q", tt.name, err, tt.err)
		case tt.err != "" && alarms[0].state != stateInsufficient:
			t.Errorf("%s: state %s, want INSUFFICIENT_DATA", tt.name, alarms[0].state)
		}
	}
}
