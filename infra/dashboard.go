package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// Dashboard layout: rows of three graphs across CloudWatch's 24-unit width.
const (
	graphWidth  = 8
	graphHeight = 6
)

// coldStartQuery is the CloudWatch Logs Insights query of a function's cold
// starts: Lambda publishes no metric of its init phase, but every cold
// invocation's platform.report record (JSON log format) carries its
// initDurationMs.
const coldStartQuery = `filter type = "platform.report" and ispresent(record.metrics.initDurationMs)
| stats count(*) as coldStarts, avg(record.metrics.initDurationMs) as avgInitMs, max(record.metrics.initDurationMs) as maxInitMs by bin(5m)`

// addDashboard defines the stack's dashboard, named after the stack and its
// region (dashboard names are global to an account): the alarms' states,
// then the API (requests, 4xx/5xx, latency p50/p99, for the stage and, with
// route metrics, per route), the functions (invocations, duration,
// concurrency, errors and throttles, cold starts) and the table (consumed
// read and write units, throttles, system errors), side by side.
func addDashboard(stack awscdk.Stack, m monitored, alarms []awscloudwatch.Alarm, cfg Config) awscloudwatch.Dashboard {
	refs := make([]interfacesawscloudwatch.IAlarmRef, len(alarms))
	for i, a := range alarms {
		refs[i] = a
	}
	rows := [][]awscloudwatch.IWidget{
		{
			awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
				Markdown: jsii.String(fmt.Sprintf("# %s\nThe movies API: HTTP API, one function per handler, "+
					"the DynamoDB table. What each alarm means and what to do: `%s` in the repository.",
					*stack.StackName(), operationsDoc)),
				Width: jsii.Number(graphWidth), Height: jsii.Number(4),
			}),
			awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
				Title: jsii.String("Alarms"), Alarms: &refs,
				Width: jsii.Number(24 - graphWidth), Height: jsii.Number(4),
			}),
		},
		apiRow(m),
	}
	if cfg.RouteMetrics {
		rows = append(rows, routeRow(m))
	}
	rows = append(rows, functionRow(m, cfg), functionHealthRow(m), tableRow(m))
	widgets := make([]*[]awscloudwatch.IWidget, len(rows))
	for i := range rows {
		widgets[i] = &rows[i]
	}
	return awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(*stack.StackName() + "-" + *stack.Region()),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets:         &widgets,
	})
}

// graph is a graph widget of the dashboard's size.
func graph(title string, left []awscloudwatch.IMetric, annotations ...*awscloudwatch.HorizontalAnnotation) awscloudwatch.IWidget {
	props := &awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Left: &left,
		Width: jsii.Number(graphWidth), Height: jsii.Number(graphHeight),
	}
	if len(annotations) > 0 {
		props.LeftAnnotations = &annotations
	}
	return awscloudwatch.NewGraphWidget(props)
}

// stat returns metric options for one statistic per minute, with a label.
func stat(statistic, label string) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{Statistic: jsii.String(statistic), Period: duration(ratePeriod), Label: jsii.String(label)}
}

// apiRow shows the whole stage: requests, 4xx and 5xx, latency p50 and p99.
func apiRow(m monitored) []awscloudwatch.IWidget {
	s := m.stage
	return []awscloudwatch.IWidget{
		graph("API requests (per minute)", []awscloudwatch.IMetric{s.MetricCount(stat("Sum", "requests"))}),
		graph("API 4xx and 5xx (per minute)", []awscloudwatch.IMetric{
			s.MetricClientError(stat("Sum", "4xx")), s.MetricServerError(stat("Sum", "5xx")),
		}),
		graph("API latency (ms)", []awscloudwatch.IMetric{
			s.MetricLatency(stat("p50", "p50")), s.MetricLatency(stat("p99", "p99")),
			s.MetricIntegrationLatency(stat("p99", "integration p99")),
		}),
	}
}

// routeRow shows the same per route; API Gateway publishes these only with
// the stage's detailed metrics on (cfg.RouteMetrics).
func routeRow(m monitored) []awscloudwatch.IWidget {
	var requests, errs, latency []awscloudwatch.IMetric
	for _, r := range m.routes {
		key := r.Key()
		requests = append(requests, routeMetric(m, "Count", key, stat("Sum", key)))
		errs = append(errs,
			routeMetric(m, "4xx", key, stat("Sum", "4xx "+key)),
			routeMetric(m, "5xx", key, stat("Sum", "5xx "+key)))
		latency = append(latency,
			routeMetric(m, "Latency", key, stat("p50", "p50 "+key)),
			routeMetric(m, "Latency", key, stat("p99", "p99 "+key)))
	}
	return []awscloudwatch.IWidget{
		graph("Requests per route (per minute)", requests),
		graph("4xx and 5xx per route (per minute)", errs),
		graph("Latency per route (ms)", latency),
	}
}

// routeMetric is an API Gateway metric of one route of the stage.
func routeMetric(m monitored, name, routeKey string, opts *awscloudwatch.MetricOptions) awscloudwatch.IMetric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/ApiGateway"),
		MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{
			"ApiId": m.stage.Api().ApiId(), "Stage": m.stage.StageName(), "Route": jsii.String(routeKey),
		},
		Statistic: opts.Statistic, Period: opts.Period, Label: opts.Label,
	})
}

// functionRow shows each function's invocations, duration against its
// timeout, and concurrency against the account's.
func functionRow(m monitored, cfg Config) []awscloudwatch.IWidget {
	var invocations, durations, concurrency []awscloudwatch.IMetric
	for _, f := range m.functions {
		invocations = append(invocations, f.fn.MetricInvocations(stat("Sum", f.handler)))
		durations = append(durations,
			f.fn.MetricDuration(stat("p50", f.handler+" p50")), f.fn.MetricDuration(stat("p99", f.handler+" p99")))
		concurrency = append(concurrency, f.fn.Metric(jsii.String("ConcurrentExecutions"), stat("Maximum", f.handler)))
	}
	concurrency = append(concurrency, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/Lambda"), MetricName: jsii.String("ConcurrentExecutions"),
		Statistic: jsii.String("Maximum"), Period: duration(ratePeriod), Label: jsii.String("all functions of the account"),
	}))
	timeout := &awscloudwatch.HorizontalAnnotation{
		Value: jsii.Number(float64(cfg.Timeout.Milliseconds())), Label: jsii.String("timeout"),
	}
	return []awscloudwatch.IWidget{
		graph("Invocations (per minute)", invocations),
		graph("Duration (ms)", durations, timeout),
		graph("Concurrent executions (maximum)", concurrency),
	}
}

// functionHealthRow shows errors and throttles, and each function's cold
// starts from its log group.
func functionHealthRow(m monitored) []awscloudwatch.IWidget {
	var failures []awscloudwatch.IMetric
	for _, f := range m.functions {
		failures = append(failures,
			f.fn.MetricErrors(stat("Sum", f.handler+" errors")), f.fn.MetricThrottles(stat("Sum", f.handler+" throttles")))
	}
	row := []awscloudwatch.IWidget{graph("Function errors and throttles (per minute)", failures)}
	for _, f := range m.functions {
		row = append(row, awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
			Title:         jsii.String("Cold starts of " + f.handler + ": count and init duration (ms), per 5 minutes"),
			LogGroupNames: jsii.Strings(*f.fn.LogGroup().LogGroupName()),
			QueryString:   jsii.String(coldStartQuery),
			View:          awscloudwatch.LogQueryVisualizationType_LINE,
			Width:         jsii.Number(graphWidth), Height: jsii.Number(graphHeight),
		}))
	}
	return row
}

// tableRow shows the table's consumed capacity, throttles and system errors.
func tableRow(m monitored) []awscloudwatch.IWidget {
	t := m.table
	ops := apiTableOperations
	return []awscloudwatch.IWidget{
		graph("Table consumed capacity (units per minute)", []awscloudwatch.IMetric{
			t.MetricConsumedReadCapacityUnits(stat("Sum", "read units")),
			t.MetricConsumedWriteCapacityUnits(stat("Sum", "write units")),
		}),
		graph("Table throttled events (per minute)", []awscloudwatch.IMetric{
			t.Metric(jsii.String("ReadThrottleEvents"), stat("Sum", "reads")),
			t.Metric(jsii.String("WriteThrottleEvents"), stat("Sum", "writes")),
		}),
		graph("Table system errors of the API's reads (per minute)", []awscloudwatch.IMetric{
			t.MetricSystemErrorsForOperations(&awsdynamodb.SystemErrorsForOperationsMetricOptions{
				Operations: &ops, Statistic: jsii.String("Sum"), Period: duration(ratePeriod), Label: jsii.String("system errors"),
			}),
		}),
	}
}
