package runnertest

import (
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
)

// The environment of a service in fault mode (see Fault): once it has
// answered FailAfterEnv requests on FailPathEnv, it answers 500 there.
const (
	FailAfterEnv = "FAIL_AFTER"
	FailPathEnv  = "FAIL_PATH"
)

// LoadBalancer is the logical id of the load balancer that Weighted adds.
const LoadBalancer = "LoadBalancer"

// Stack is the name of an App's one stack.
const Stack = "App"

// Weighted makes the routing rule of service a weighted forward, as
// ecsplit's migration makes it: service's target group weighs percent and
// monolith's 100-percent (no stickiness). It gives the listener a load
// balancer (LoadBalancer), so that the alarms' LoadBalancer dimension and
// the listener's ARN resolve as in AWS. Both are services of the app.
func (a *App) Weighted(service, monolith string, percent int) *App {
	a.resources[LoadBalancer] = map[string]any{"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": map[string]any{
		"Scheme": "internet-facing", "Type": "application",
	}}
	a.Resource("Listener")["Properties"].(map[string]any)["LoadBalancerArn"] = map[string]any{"Ref": LoadBalancer}
	rule := a.Resource(service + "Rule")["Properties"].(map[string]any)
	rule["Actions"] = []any{map[string]any{"Type": "forward", "ForwardConfig": map[string]any{"TargetGroups": []any{
		map[string]any{"TargetGroupArn": map[string]any{"Ref": service + "TG"}, "Weight": percent},
		map[string]any{"TargetGroupArn": map[string]any{"Ref": monolith + "TG"}, "Weight": 100 - percent},
	}}}}
	return a
}

// ErrorRate shapes an error-rate alarm.
type ErrorRate struct {
	// ThresholdPercent is the rate of 5xx answers above which it fires.
	// Default: 1, as ecsplit's.
	ThresholdPercent float64
	// EvaluationPeriods and DatapointsToAlarm are the alarm's. Defaults:
	// 5 and 3, as ecsplit's.
	EvaluationPeriods, DatapointsToAlarm int
}

// ErrorRateAlarm adds to an app made Weighted an AWS::CloudWatch::Alarm
// on service's target group shaped like ecsplit's error-rate alarm: the
// metric math IF(requests > 0, 100 * FILL(errors, 0) / requests) above
// the threshold, periods of 60 s, missing data not breaching, its metrics
// dimensioned by the target group's TargetGroupFullName and the load
// balancer's LoadBalancerFullName. Its logical id is
// SERVICEErrorRateAlarm; it returns its name, App-SERVICE-error-rate.
func (a *App) ErrorRateAlarm(service string, e ErrorRate) string {
	if e.ThresholdPercent == 0 {
		e.ThresholdPercent = 1
	}
	if e.EvaluationPeriods == 0 {
		e.EvaluationPeriods = 5
	}
	if e.DatapointsToAlarm == 0 {
		e.DatapointsToAlarm = 3
	}
	name := Stack + "-" + service + "-error-rate"
	metric := func(id, metricName string) map[string]any {
		return map[string]any{"Id": id, "ReturnData": false, "MetricStat": map[string]any{
			"Metric": map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": metricName, "Dimensions": []any{
				map[string]any{"Name": "LoadBalancer", "Value": map[string]any{"Fn::GetAtt": []any{LoadBalancer, "LoadBalancerFullName"}}},
				map[string]any{"Name": "TargetGroup", "Value": map[string]any{"Fn::GetAtt": []any{service + "TG", "TargetGroupFullName"}}},
			}},
			"Period": 60, "Stat": "Sum",
		}}
	}
	a.resources[service+"ErrorRateAlarm"] = map[string]any{"Type": "AWS::CloudWatch::Alarm", "Properties": map[string]any{
		"AlarmName":          name,
		"ComparisonOperator": "GreaterThanThreshold",
		"Threshold":          e.ThresholdPercent,
		"EvaluationPeriods":  e.EvaluationPeriods,
		"DatapointsToAlarm":  e.DatapointsToAlarm,
		"TreatMissingData":   "notBreaching",
		"Metrics": []any{
			map[string]any{"Id": "expr_1", "Label": service + " 5xx %", "ReturnData": true,
				"Expression": "IF(requests > 0, 100 * FILL(errors, 0) / requests)"},
			metric("errors", "HTTPCode_Target_5XX_Count"),
			metric("requests", "RequestCount"),
		},
	}}
	return name
}

// Fault returns the environment of a service that answers 500 on path
// once it has answered after requests there (see Command's env).
func Fault(path string, after int) map[string]string {
	return map[string]string{FailPathEnv: path, FailAfterEnv: strconv.Itoa(after)}
}

// failed counts the requests on $FAIL_PATH.
var failed atomic.Int64

// fault answers 500 and reports true when the service is in fault mode
// and r is past its FAIL_AFTER requests on its FAIL_PATH.
func fault(w http.ResponseWriter, r *http.Request) bool {
	path := os.Getenv(FailPathEnv)
	if path == "" || r.URL.Path != path {
		return false
	}
	after, err := strconv.Atoi(os.Getenv(FailAfterEnv))
	if err != nil || failed.Add(1) <= int64(after) {
		return false
	}
	http.Error(w, "planted fault", http.StatusInternalServerError)
	return true
}
