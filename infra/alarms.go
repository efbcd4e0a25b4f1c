package main

import (
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/movieskit/movies/deploy"
)

// Context keys of the alarm thresholds (docs/OPERATIONS.md explains each alarm).
const (
	CtxAlarm5xxPercent      = "alarm5xxPercent"
	CtxAlarmLatencyMs       = "alarmLatencyP99Ms"
	CtxAlarmDurationPercent = "alarmDurationPercent"
	CtxAlarmErrors          = "alarmErrors"
	CtxAlarmThrottles       = "alarmThrottles"
	CtxAlarmTableThrottles  = "alarmTableThrottles"
	CtxAlarmTableErrors     = "alarmTableSystemErrors"
)

// AlarmThresholds are the thresholds of the stack's alarms.
type AlarmThresholds struct {
	// ServerErrorPercent: the share of the API's requests answered 5xx in a
	// minute, in percent.
	ServerErrorPercent float64
	// LatencyP99Ms: the API's p99 latency in a minute, in ms.
	LatencyP99Ms int
	// DurationPercent: a function's p99 duration in a minute, in percent of
	// its timeout.
	DurationPercent float64
	// FunctionErrors and FunctionThrottles: a function's errors and
	// throttled invocations in five minutes.
	FunctionErrors    int
	FunctionThrottles int
	// TableThrottles and TableSystemErrors: the table's throttled read
	// events and the system errors of the API's reads in five minutes.
	TableThrottles    int
	TableSystemErrors int
}

// DefaultAlarmThresholds returns the thresholds used without context. The
// 5% error rate is the rate CloudWatch's recommended alarms use for API
// Gateway stages; the counts alarm on the first event, because the API
// never makes a function fail on purpose (a failed request is a response)
// and a throttle or a DynamoDB system error means requests were lost or
// slowed.
func DefaultAlarmThresholds() AlarmThresholds {
	return AlarmThresholds{
		ServerErrorPercent: 5,
		LatencyP99Ms:       1000,
		DurationPercent:    80,
		FunctionErrors:     1,
		FunctionThrottles:  1,
		TableThrottles:     1,
		TableSystemErrors:  1,
	}
}

// Limits of the thresholds: a latency alarm past the HTTP API's 30-second
// integration timeout could never fire, and a count of more than maxAlarmCount
// events in five minutes is no alarm.
const (
	maxLatencyMs  = 30_000
	maxAlarmCount = 1_000_000
)

// fromContext reads the thresholds that are set and leaves the others.
func (a *AlarmThresholds) fromContext(get func(string) any) error {
	if err := floatValue(get, CtxAlarm5xxPercent, &a.ServerErrorPercent); err != nil {
		return err
	}
	if err := intValue(get, CtxAlarmLatencyMs, &a.LatencyP99Ms); err != nil {
		return err
	}
	if err := floatValue(get, CtxAlarmDurationPercent, &a.DurationPercent); err != nil {
		return err
	}
	for _, c := range []struct {
		key string
		dst *int
	}{
		{CtxAlarmErrors, &a.FunctionErrors},
		{CtxAlarmThrottles, &a.FunctionThrottles},
		{CtxAlarmTableThrottles, &a.TableThrottles},
		{CtxAlarmTableErrors, &a.TableSystemErrors},
	} {
		if err := intValue(get, c.key, c.dst); err != nil {
			return err
		}
	}
	return nil
}

// Validate reports the first threshold that is out of range.
func (a AlarmThresholds) Validate() error {
	for _, p := range []struct {
		key   string
		value float64
	}{{CtxAlarm5xxPercent, a.ServerErrorPercent}, {CtxAlarmDurationPercent, a.DurationPercent}} {
		if !(p.value > 0 && p.value <= 100) {
			return fmt.Errorf("%s %v: must be more than 0 and at most 100 (percent)", p.key, p.value)
		}
	}
	if a.LatencyP99Ms < 1 || a.LatencyP99Ms > maxLatencyMs {
		return fmt.Errorf("%s %d: must be from 1 to %d (ms)", CtxAlarmLatencyMs, a.LatencyP99Ms, maxLatencyMs)
	}
	for _, c := range []struct {
		key   string
		value int
	}{
		{CtxAlarmErrors, a.FunctionErrors}, {CtxAlarmThrottles, a.FunctionThrottles},
		{CtxAlarmTableThrottles, a.TableThrottles}, {CtxAlarmTableErrors, a.TableSystemErrors},
	} {
		if c.value < 1 || c.value > maxAlarmCount {
			return fmt.Errorf("%s %d: must be from 1 to %d (events in five minutes)", c.key, c.value, maxAlarmCount)
		}
	}
	return nil
}

// monitored are the parts of the stack the alarms and the dashboard watch.
type monitored struct {
	stage     awsapigatewayv2.HttpStage
	routes    []deploy.Route
	functions []monitoredFunction // in deploy.FunctionNames order
	table     awsdynamodb.ITable
}

// monitoredFunction is the function of one handler.
type monitoredFunction struct {
	handler string
	fn      awslambda.Function
}

// How the alarms evaluate. A rate or a percentile (5xx share, latency,
// duration) is judged minute by minute and must breach in 3 of the last 5
// minutes, so that one slow or unlucky minute does not page anyone. A count
// (errors, throttles) is summed over 5 minutes and alarms on one datapoint.
const (
	ratePeriod     = time.Minute
	rateEvaluation = 5
	rateDatapoints = 3
	countPeriod    = 5 * time.Minute
)

// The operations the API makes on the table (dynamodb.Store: Get, List).
var apiTableOperations = []awsdynamodb.Operation{
	awsdynamodb.Operation_GET_ITEM, awsdynamodb.Operation_QUERY, awsdynamodb.Operation_SCAN,
}

// alarmSpec is one alarm of the stack.
type alarmSpec struct {
	id        string // construct id, and the alarm name after the stack name
	what      string // the first sentence of the description: what breached
	metric    awscloudwatch.IMetric
	threshold float64
	count     bool // a count over countPeriod, else a rate (ratePeriod, 3 of 5)
}

// alarmSpecs returns the stack's alarms: the API's 5xx rate and p99
// latency, each function's errors, throttles and p99 duration near its
// timeout, and the table's read throttles and system errors.
func alarmSpecs(m monitored, cfg Config) []alarmSpec {
	a := cfg.Alarms
	rate := &awscloudwatch.MetricOptions{Period: duration(ratePeriod), Statistic: jsii.String("Sum")}
	count := &awscloudwatch.MetricOptions{Period: duration(countPeriod), Statistic: jsii.String("Sum")}
	specs := []alarmSpec{
		{
			id:   "Api5xxRate",
			what: fmt.Sprintf("More than %v%% of the API's requests were answered with a 5xx status", a.ServerErrorPercent),
			metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				// Metric math takes a missing value as 0 and drops a
				// division by zero: a minute with requests but no 5xx
				// datapoint is 0%, a minute without requests has no datapoint.
				Expression: jsii.String("100 * errors / requests"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"errors":   m.stage.MetricServerError(rate),
					"requests": m.stage.MetricCount(rate),
				},
				Label:  jsii.String("5xx % of requests"),
				Period: duration(ratePeriod),
			}),
			threshold: a.ServerErrorPercent,
		},
		{
			id:   "ApiLatencyP99",
			what: fmt.Sprintf("The API's p99 latency was above %d ms", a.LatencyP99Ms),
			metric: m.stage.MetricLatency(&awscloudwatch.MetricOptions{
				Period: duration(ratePeriod), Statistic: jsii.String("p99"),
			}),
			threshold: float64(a.LatencyP99Ms),
		},
	}
	timeoutMs := float64(cfg.Timeout.Milliseconds())
	for _, f := range m.functions {
		name := constructName(f.handler)
		specs = append(specs,
			alarmSpec{
				id:        name + "Errors",
				what:      fmt.Sprintf("The %s function failed %d or more times in 5 minutes (crash, timeout or out of memory)", f.handler, a.FunctionErrors),
				metric:    f.fn.MetricErrors(count),
				threshold: float64(a.FunctionErrors),
				count:     true,
			},
			alarmSpec{
				id:        name + "Throttles",
				what:      fmt.Sprintf("Lambda throttled %d or more invocations of the %s function in 5 minutes", a.FunctionThrottles, f.handler),
				metric:    f.fn.MetricThrottles(count),
				threshold: float64(a.FunctionThrottles),
				count:     true,
			},
			alarmSpec{
				id: name + "DurationNearTimeout",
				what: fmt.Sprintf("The %s function's p99 duration was above %v%% of its %v timeout",
					f.handler, a.DurationPercent, cfg.Timeout),
				metric: f.fn.MetricDuration(&awscloudwatch.MetricOptions{
					Period: duration(ratePeriod), Statistic: jsii.String("p99"),
				}),
				threshold: math.Round(timeoutMs * a.DurationPercent / 100),
			},
		)
	}
	ops := apiTableOperations
	return append(specs,
		alarmSpec{
			id:        "TableReadThrottles",
			what:      fmt.Sprintf("DynamoDB throttled %d or more reads of the table in 5 minutes", a.TableThrottles),
			metric:    m.table.Metric(jsii.String("ReadThrottleEvents"), count),
			threshold: float64(a.TableThrottles),
			count:     true,
		},
		alarmSpec{
			id:   "TableSystemErrors",
			what: fmt.Sprintf("DynamoDB answered %d or more of the API's reads with a system error (HTTP 500) in 5 minutes", a.TableSystemErrors),
			metric: m.table.MetricSystemErrorsForOperations(&awsdynamodb.SystemErrorsForOperationsMetricOptions{
				Operations: &ops, Period: duration(countPeriod), Statistic: jsii.String("Sum"),
			}),
			threshold: float64(a.TableSystemErrors),
			count:     true,
		},
	)
}

// operationsDoc is where each alarm is explained, by its id.
const operationsDoc = "docs/OPERATIONS.md"

// addAlarms defines the stack's alarms and, when cfg.AlarmEmail is set, the
// SNS topic they notify (on ALARM and back to OK) with the address subscribed.
//
// Missing data is treated per kind of alarm. A count's metric has no
// datapoint when nothing happened (DynamoDB publishes throttle and system
// error counts only when there are some; Lambda publishes Errors only for
// invocations), so a missing datapoint is a zero: notBreaching. A rate or a
// percentile has no datapoint when there was no traffic, which says nothing
// about health: ignore keeps the alarm's state, so an alarm raised by
// failing requests does not turn OK because clients stopped calling.
func addAlarms(stack awscdk.Stack, m monitored, cfg Config) []awscloudwatch.Alarm {
	var action awscloudwatch.IAlarmAction
	if cfg.AlarmEmail != "" {
		topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
			DisplayName: jsii.String(*stack.StackName() + " alarms"),
			EnforceSSL:  jsii.Bool(true),
		})
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
		cdknag.NagSuppressions_AddResourceSuppressions(topic, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-SNS2"),
			Reason: jsii.String(alarmTopicReason),
		}}, jsii.Bool(false))
		action = awscloudwatchactions.NewSnsAction(topic)
	}
	specs := alarmSpecs(m, cfg)
	alarms := make([]awscloudwatch.Alarm, 0, len(specs))
	for _, s := range specs {
		props := &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(*stack.StackName() + "-" + s.id),
			AlarmDescription:   jsii.String(fmt.Sprintf("%s. What it means and what to do: %s, %s.", s.what, operationsDoc, s.id)),
			Metric:             s.metric,
			Threshold:          jsii.Number(s.threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(rateEvaluation),
			DatapointsToAlarm:  jsii.Number(rateDatapoints),
			TreatMissingData:   awscloudwatch.TreatMissingData_IGNORE,
		}
		if s.count {
			props.ComparisonOperator = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
			props.EvaluationPeriods, props.DatapointsToAlarm = jsii.Number(1), jsii.Number(1)
			props.TreatMissingData = awscloudwatch.TreatMissingData_NOT_BREACHING
		}
		alarm := awscloudwatch.NewAlarm(stack, jsii.String(s.id+"Alarm"), props)
		if action != nil {
			alarm.AddAlarmAction(action)
			alarm.AddOkAction(action)
		}
		alarms = append(alarms, alarm)
	}
	return alarms
}

// alarmTopicReason is why the alarm topic is not encrypted.
const alarmTopicReason = "Alarm notifications carry only alarm names, states and metric values, no customer data; " +
	"encrypting them would need a customer managed KMS key (billed monthly) whose policy lets CloudWatch use it, " +
	"since CloudWatch cannot publish to a topic encrypted with the AWS managed key."

func duration(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}
