package main

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/movieskit/movies/deploy"
)

// wantAlarm is what the template must hold for one alarm. The expectations
// are written out here, not taken from alarmSpecs, so that a change to an
// alarm shows up as a test change.
type wantAlarm struct {
	name      string   // after "Movies-"
	namespace string   // of every metric
	metrics   []string // metric names; more than one for a metric-math alarm
	expr      string   // the math expression, if any
	stat      string   // statistic of every metric
	period    float64  // seconds
	threshold float64
	dims      map[string]string // dimension → the resource it must name
	count     bool              // a count alarm (>=, 1 of 1, notBreaching), else a rate (>, 3 of 5, ignore)
}

// wantAlarms returns the alarms the stack must have for the configuration of s.
func wantAlarms(t *testing.T, s *synthesis) []wantAlarm {
	t.Helper()
	a := s.cfg.Alarms
	apiDims := map[string]string{"ApiId": "api", "Stage": "$default"}
	tableDims := map[string]string{"TableName": "table"}
	want := []wantAlarm{
		{name: "Api5xxRate", namespace: "AWS/ApiGateway", metrics: []string{"5xx", "Count"}, expr: "100 * errors / requests",
			stat: "Sum", period: 60, threshold: a.ServerErrorPercent, dims: apiDims},
		{name: "ApiLatencyP99", namespace: "AWS/ApiGateway", metrics: []string{"Latency"}, stat: "p99", period: 60,
			threshold: float64(a.LatencyP99Ms), dims: apiDims},
	}
	for _, h := range deploy.FunctionNames() {
		fnDims := map[string]string{"FunctionName": "function " + h}
		n := constructName(h)
		want = append(want,
			wantAlarm{name: n + "Errors", namespace: "AWS/Lambda", metrics: []string{"Errors"}, stat: "Sum", period: 300,
				threshold: float64(a.FunctionErrors), dims: fnDims, count: true},
			wantAlarm{name: n + "Throttles", namespace: "AWS/Lambda", metrics: []string{"Throttles"}, stat: "Sum", period: 300,
				threshold: float64(a.FunctionThrottles), dims: fnDims, count: true},
			wantAlarm{name: n + "DurationNearTimeout", namespace: "AWS/Lambda", metrics: []string{"Duration"}, stat: "p99", period: 60,
				threshold: float64(s.cfg.Timeout.Milliseconds()) * a.DurationPercent / 100, dims: fnDims},
		)
	}
	return append(want,
		wantAlarm{name: "TableReadThrottles", namespace: "AWS/DynamoDB", metrics: []string{"ReadThrottleEvents"}, stat: "Sum",
			period: 300, threshold: float64(a.TableThrottles), dims: tableDims, count: true},
		wantAlarm{name: "TableSystemErrors", namespace: "AWS/DynamoDB", metrics: []string{"SystemErrors", "SystemErrors", "SystemErrors"},
			expr: "getitem + query + scan", stat: "Sum", period: 300, threshold: float64(a.TableSystemErrors),
			dims: map[string]string{"TableName": "table", "Operation": "GetItem|Query|Scan"}, count: true},
	)
}

func TestAlarms(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		byName := map[string]map[string]any{}
		for _, r := range s.resources("AWS::CloudWatch::Alarm") {
			byName[props(r)["AlarmName"].(string)] = props(r)
		}
		want := wantAlarms(t, s)
		if len(byName) != len(want) {
			t.Errorf("%d alarms %v, want %d", len(byName), sortedKeys(byName), len(want))
		}
		topic := s.topicRef(t)
		for _, w := range want {
			p, ok := byName[StackName+"-"+w.name]
			if !ok {
				t.Errorf("no alarm %s-%s; have %v", StackName, w.name, sortedKeys(byName))
				continue
			}
			t.Run(w.name, func(t *testing.T) { s.checkAlarm(t, w, p, topic) })
		}
	})
}

// checkAlarm checks one alarm's metrics, threshold, evaluation, missing
// data, description and actions.
func (s *synthesis) checkAlarm(t *testing.T, w wantAlarm, p map[string]any, topic string) {
	op, periods, datapoints, missing := "GreaterThanThreshold", 5.0, 3.0, "ignore"
	if w.count {
		op, periods, datapoints, missing = "GreaterThanOrEqualToThreshold", 1, 1, "notBreaching"
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"Threshold", p["Threshold"], w.threshold},
		{"ComparisonOperator", p["ComparisonOperator"], op},
		{"EvaluationPeriods", p["EvaluationPeriods"], periods},
		{"DatapointsToAlarm", p["DatapointsToAlarm"], datapoints},
		{"TreatMissingData", p["TreatMissingData"], missing},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	desc, _ := p["AlarmDescription"].(string)
	if !strings.Contains(desc, "docs/OPERATIONS.md, "+w.name+".") {
		t.Errorf("description %q does not point to docs/OPERATIONS.md, %s", desc, w.name)
	}
	for _, actions := range []string{"AlarmActions", "OKActions"} {
		got := toJSON(t, p[actions])
		if topic == "" && p[actions] != nil {
			t.Errorf("%s = %s without an alarmEmail, want none", actions, got)
		}
		if topic != "" && got != `[{"Ref":"`+topic+`"}]` {
			t.Errorf("%s = %s, want the alarm topic %s", actions, got, topic)
		}
	}
	for _, m := range s.alarmMetrics(t, p) {
		if m.namespace != w.namespace || m.stat != w.stat || m.period != w.period {
			t.Errorf("metric %s: %s %s %v s, want %s %s %v s", m.name, m.namespace, m.stat, m.period, w.namespace, w.stat, w.period)
		}
		for dim, value := range w.dims {
			if got := m.dims[dim]; !s.names(t, got, value) {
				t.Errorf("metric %s dimension %s = %s, want %s", m.name, dim, got, value)
			}
		}
		if len(m.dims) != len(w.dims) {
			t.Errorf("metric %s dimensions %v, want %v", m.name, m.dims, sortedKeys(w.dims))
		}
	}
	var names []string
	for _, m := range s.alarmMetrics(t, p) {
		names = append(names, m.name)
	}
	if strings.Join(names, ",") != strings.Join(w.metrics, ",") {
		t.Errorf("metrics %v, want %v", names, w.metrics)
	}
	if w.expr != "" {
		if got := alarmExpression(p); got != w.expr {
			t.Errorf("expression %q, want %q", got, w.expr)
		}
	}
}

// alarmMetric is one metric an alarm reads.
type alarmMetric struct {
	namespace, name, stat string
	period                float64
	dims                  map[string]string // dimension → template JSON of its value
}

// alarmMetrics returns the metrics of an alarm, single or metric math, in
// template order.
func (s *synthesis) alarmMetrics(t *testing.T, p map[string]any) []alarmMetric {
	t.Helper()
	dims := func(list any) map[string]string {
		out := map[string]string{}
		for _, d := range list.([]any) {
			d := d.(map[string]any)
			out[d["Name"].(string)] = toJSON(t, d["Value"])
		}
		return out
	}
	if p["MetricName"] != nil {
		stat, _ := p["Statistic"].(string)
		if stat == "" {
			stat, _ = p["ExtendedStatistic"].(string)
		}
		return []alarmMetric{{p["Namespace"].(string), p["MetricName"].(string), stat, p["Period"].(float64), dims(p["Dimensions"])}}
	}
	var out []alarmMetric
	for _, q := range p["Metrics"].([]any) {
		ms, ok := q.(map[string]any)["MetricStat"].(map[string]any)
		if !ok {
			continue
		}
		m := ms["Metric"].(map[string]any)
		out = append(out, alarmMetric{m["Namespace"].(string), m["MetricName"].(string), ms["Stat"].(string), ms["Period"].(float64), dims(m["Dimensions"])})
	}
	return out
}

func alarmExpression(p map[string]any) string {
	for _, q := range p["Metrics"].([]any) {
		if e, ok := q.(map[string]any)["Expression"].(string); ok {
			return e
		}
	}
	return ""
}

// names reports whether got, a dimension value as template JSON, names
// what: "api", "table", "function NAME", a literal, or literals joined by |.
func (s *synthesis) names(t *testing.T, got, what string) bool {
	t.Helper()
	switch {
	case what == "api":
		return got == `{"Ref":"`+s.onlyResource(t, "AWS::ApiGatewayV2::Api")+`"}`
	case what == "table" && s.cfg.ImportsTable():
		return got == `"`+s.cfg.TableName+`"`
	case what == "table":
		return got == `{"Ref":"`+s.onlyResource(t, "AWS::DynamoDB::Table")+`"}`
	case strings.HasPrefix(what, "function "):
		return got == `{"Ref":"`+s.functionsByHandler(t)[strings.TrimPrefix(what, "function ")]+`"}`
	}
	return slices.Contains(strings.Split(what, "|"), strings.Trim(got, `"`))
}

// onlyResource returns the logical id of the one resource of type typ.
func (s *synthesis) onlyResource(t *testing.T, typ string) string {
	t.Helper()
	rs := s.resources(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id := range rs {
		return id
	}
	return ""
}

// topicRef returns the logical id of the alarm topic, "" when there is
// none, checking that there is one exactly when an alarm e-mail is set.
func (s *synthesis) topicRef(t *testing.T) string {
	t.Helper()
	topics := s.resources("AWS::SNS::Topic")
	if s.cfg.AlarmEmail == "" {
		if len(topics) != 0 {
			t.Errorf("%d SNS topics without an alarmEmail, want none", len(topics))
		}
		return ""
	}
	return s.onlyResource(t, "AWS::SNS::Topic")
}

// TestAlarmTopic checks the optional topic: none and no subscription by
// default; with alarmEmail, one topic that refuses unencrypted publishers
// and one e-mail subscription to the address.
func TestAlarmTopic(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		subs := s.resources("AWS::SNS::Subscription")
		topic := s.topicRef(t)
		if topic == "" {
			if len(subs) != 0 {
				t.Errorf("%d subscriptions without an alarmEmail, want none", len(subs))
			}
			return
		}
		s.template.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(1))
		s.template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email", "Endpoint": testAlarmEmail, "TopicArn": map[string]any{"Ref": topic},
		})
		policies := s.resources("AWS::SNS::TopicPolicy")
		if len(policies) != 1 {
			t.Fatalf("%d topic policies, want 1 enforcing TLS", len(policies))
		}
		for _, pol := range policies {
			doc := toJSON(t, props(pol)["PolicyDocument"])
			if !strings.Contains(doc, `"Effect":"Deny"`) || !strings.Contains(doc, `"aws:SecureTransport":"false"`) {
				t.Errorf("topic policy %s does not deny publishing without TLS", doc)
			}
		}
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
