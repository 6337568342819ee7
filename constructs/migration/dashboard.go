package migration

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// Dashboard configures the migration dashboard: one CloudWatch dashboard
// with a text widget that shows the state and the preview header beside
// the load balancer's own 5xx rate, then a row per extracted service, side
// by side with the monolith while it runs (for a service below 100 %, the
// monolith on the same paths: its target group for them,
// Migration.MonolithTargetGroups): requests per target group (the real
// split), the 5xx rate clients get (the tasks' 5xx and the failed
// connections to them), the 4xx rate, p50 and p99 latency, healthy hosts,
// and the alarms' states.
type Dashboard struct {
	// Disabled leaves the dashboard out. Default: false.
	Disabled bool
	// Name names the dashboard: 1 to 255 letters, digits, '-' and '_'.
	// Default: the stack's name followed by DefaultDashboardSuffix.
	Name string
}

// Widget sizes on the dashboard's 24-column grid.
const (
	textWidth    = 16
	lbGraphWidth = 8
	graphWidth   = 4
	wideWidth    = 5
	smallWidth   = 3
	rowHeight    = 6
)

// newDashboard creates the dashboard under m from the metrics of each
// service's target group and of the monolith's for the paths of each
// service below 100 % (same), by service.
func (m *Migration) newDashboard(name string, metrics, same map[string]*serviceMetrics, lbRate awscloudwatch.IMetric) awscloudwatch.Dashboard {
	preview := "Preview is off."
	if m.PreviewHeader != "" {
		preview = fmt.Sprintf("Preview a service on its paths whatever its share: send `%s: NAME` (for example `%s: %s`).",
			m.PreviewHeader, m.PreviewHeader, m.names[0])
	}
	rowsAre := "Each row compares an extracted service with the monolith, from their target groups' metrics: " +
		"a service below 100 % with the monolith on the same paths, one at 100 % with the monolith on the rest of its paths."
	if m.Monolith == nil {
		rowsAre = "Each row shows an extracted service, from its target group's metrics; the monolith is gone."
	}
	text := fmt.Sprintf("# Migration state: `%s`\n\n%s %s", m.StateText(), rowsAre, preview)
	lbTitle := "load balancer: its own 5xx (502, 503, 504), % of its answers"
	lbLeft := []awscloudwatch.IMetric{lbRate}
	var lbGraph awscloudwatch.IWidget = awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(lbTitle), Left: &lbLeft, Width: jsii.Number(lbGraphWidth), Height: jsii.Number(rowHeight),
	})
	if m.LoadBalancerAlarm != nil {
		lbGraph = awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
			Title: jsii.String(lbTitle), Alarm: m.LoadBalancerAlarm, Width: jsii.Number(lbGraphWidth), Height: jsii.Number(rowHeight),
		})
	}
	rows := [][]awscloudwatch.IWidget{{awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
		Markdown: jsii.String(text), Width: jsii.Number(textWidth), Height: jsii.Number(rowHeight),
	}), lbGraph}}
	for _, e := range m.State.Extracted {
		svc := metrics[e.Service]
		sides := []*serviceMetrics{svc}
		title := e.Service
		switch {
		case same[e.Service] != nil:
			sides = append(sides, same[e.Service])
			title = fmt.Sprintf("%s (%d %%) vs %s, same paths", e.Service, e.Percent, m.Monolith.Name)
		case m.Monolith != nil:
			sides = append(sides, metrics[m.Monolith.Name])
			title = fmt.Sprintf("%s (%d %%) vs %s", e.Service, e.Percent, m.Monolith.Name)
		}
		graph := func(what string, width int, pick func(*serviceMetrics) []awscloudwatch.IMetric) awscloudwatch.IWidget {
			var left []awscloudwatch.IMetric
			for _, s := range sides {
				left = append(left, pick(s)...)
			}
			return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
				Title: jsii.String(title + ": " + what), Left: &left,
				Width: jsii.Number(width), Height: jsii.Number(rowHeight),
			})
		}
		row := []awscloudwatch.IWidget{
			graph("requests", graphWidth, func(s *serviceMetrics) []awscloudwatch.IMetric { return []awscloudwatch.IMetric{s.requests} }),
			graph("5xx rate (%)", graphWidth, func(s *serviceMetrics) []awscloudwatch.IMetric { return []awscloudwatch.IMetric{s.errorRate} }),
			graph("4xx rate (%)", graphWidth, func(s *serviceMetrics) []awscloudwatch.IMetric { return []awscloudwatch.IMetric{s.clientErrorRate} }),
			graph("latency p50, p99 (s)", wideWidth, func(s *serviceMetrics) []awscloudwatch.IMetric { return []awscloudwatch.IMetric{s.p50, s.p99} }),
			graph("healthy hosts", smallWidth, func(s *serviceMetrics) []awscloudwatch.IMetric { return []awscloudwatch.IMetric{s.healthy} }),
		}
		if len(m.Alarms) > 0 {
			var alarms []interfacesawscloudwatch.IAlarmRef
			for _, s := range sides {
				for _, a := range m.Alarms[s.name].All() {
					alarms = append(alarms, a)
				}
			}
			row = append(row, awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
				Title: jsii.String(title + ": alarms"), Alarms: &alarms,
				Width: jsii.Number(graphWidth), Height: jsii.Number(rowHeight),
			}))
		}
		rows = append(rows, row)
	}
	var widgets []*[]awscloudwatch.IWidget
	for _, r := range rows {
		widgets = append(widgets, &r)
	}
	return awscloudwatch.NewDashboard(m, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(name),
		Widgets:       &widgets,
	})
}
