package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/movieskit/movies/deploy"
)

// dashboardWidget is one widget of the dashboard body.
type dashboardWidget struct {
	Type                string `json:"type"`
	X, Y, Width, Height int
	Properties          widgetProperties `json:"properties"`
}

type widgetProperties struct {
	Title       string            `json:"title"`
	Metrics     []json.RawMessage `json:"metrics"`
	Alarms      []string          `json:"alarms"`
	Query       string            `json:"query"`
	Annotations struct {
		Horizontal []struct {
			Value float64 `json:"value"`
			Label string  `json:"label"`
		} `json:"horizontal"`
	} `json:"annotations"`
}

// dashboardMetric is one metric line of a graph: namespace, name, dimensions
// and its statistic.
type dashboardMetric struct {
	namespace, name, stat string
	dims                  map[string]string
}

// dashboard returns the widgets of the stack's one dashboard. The body is a
// Fn::Join of JSON text and references; each reference becomes the string
// "@Ref:ID" or "@GetAtt:ID.Attr" so that the body parses as JSON.
func (s *synthesis) dashboard(t *testing.T) []dashboardWidget {
	t.Helper()
	id := s.onlyResource(t, "AWS::CloudWatch::Dashboard")
	p := props(s.resources("AWS::CloudWatch::Dashboard")[id])
	if got := toJSON(t, p["DashboardName"]); got != `{"Fn::Join":["",["`+StackName+`-",{"Ref":"AWS::Region"}]]}` {
		t.Errorf("DashboardName = %s, want %s-REGION (dashboard names are global to an account)", got, StackName)
	}
	var body strings.Builder
	for _, part := range p["DashboardBody"].(map[string]any)["Fn::Join"].([]any)[1].([]any) {
		switch v := part.(type) {
		case string:
			body.WriteString(v)
		case map[string]any:
			body.WriteString(reference(t, v))
		}
	}
	var d struct{ Widgets []dashboardWidget }
	if err := json.Unmarshal([]byte(body.String()), &d); err != nil {
		t.Fatalf("dashboard body is not JSON: %v\n%s", err, body.String())
	}
	return d.Widgets
}

// reference writes a template reference as a marker string.
func reference(t *testing.T, v map[string]any) string {
	if ref, ok := v["Ref"].(string); ok {
		return "@Ref:" + ref
	}
	if ga, ok := v["Fn::GetAtt"].([]any); ok {
		return fmt.Sprintf("@GetAtt:%v.%v", ga[0], ga[1])
	}
	t.Fatalf("unexpected reference %s in the dashboard body", toJSON(t, v))
	return ""
}

// metrics returns the metric lines of a graph widget (math expressions left out).
func (w dashboardWidget) metrics(t *testing.T) []dashboardMetric {
	t.Helper()
	var out []dashboardMetric
	for _, raw := range w.Properties.Metrics {
		var line []any
		if err := json.Unmarshal(raw, &line); err != nil {
			t.Fatal(err)
		}
		if len(line) < 2 {
			continue // an expression: [{"expression": …}]
		}
		m := dashboardMetric{namespace: line[0].(string), name: line[1].(string), dims: map[string]string{}}
		rest := line[2:]
		if opts, ok := rest[len(rest)-1].(map[string]any); ok {
			m.stat, _ = opts["stat"].(string)
			rest = rest[:len(rest)-1]
		}
		for i := 0; i+1 < len(rest); i += 2 {
			m.dims[rest[i].(string)] = rest[i+1].(string)
		}
		out = append(out, m)
	}
	return out
}

// hasMetric reports whether some graph of ws shows namespace/name with stat
// and the dimensions dims.
func hasMetric(t *testing.T, ws []dashboardWidget, namespace, name, stat string, dims map[string]string) bool {
	for _, w := range ws {
		for _, m := range w.metrics(t) {
			if m.namespace == namespace && m.name == name && m.stat == stat && fmt.Sprint(m.dims) == fmt.Sprint(dims) {
				return true
			}
		}
	}
	return false
}

func TestDashboard(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		ws := s.dashboard(t)
		apiID := "@Ref:" + s.onlyResource(t, "AWS::ApiGatewayV2::Api")
		stage := map[string]string{"ApiId": apiID, "Stage": "$default"}
		table := s.cfg.TableName
		if !s.cfg.ImportsTable() {
			table = "@Ref:" + s.onlyResource(t, "AWS::DynamoDB::Table")
		}
		type want struct {
			namespace, name, stat string
			dims                  map[string]string
		}
		wants := []want{
			{"AWS/ApiGateway", "Count", "Sum", stage},
			{"AWS/ApiGateway", "4xx", "Sum", stage},
			{"AWS/ApiGateway", "5xx", "Sum", stage},
			{"AWS/ApiGateway", "Latency", "p50", stage},
			{"AWS/ApiGateway", "Latency", "p99", stage},
			{"AWS/Lambda", "ConcurrentExecutions", "Maximum", map[string]string{}},
			{"AWS/DynamoDB", "ConsumedReadCapacityUnits", "Sum", map[string]string{"TableName": table}},
			{"AWS/DynamoDB", "ConsumedWriteCapacityUnits", "Sum", map[string]string{"TableName": table}},
			{"AWS/DynamoDB", "ReadThrottleEvents", "Sum", map[string]string{"TableName": table}},
			{"AWS/DynamoDB", "WriteThrottleEvents", "Sum", map[string]string{"TableName": table}},
		}
		for _, op := range []string{"GetItem", "Query", "Scan"} {
			wants = append(wants, want{"AWS/DynamoDB", "SystemErrors", "Sum", map[string]string{"Operation": op, "TableName": table}})
		}
		for h, id := range s.functionsByHandler(t) {
			fn := map[string]string{"FunctionName": "@Ref:" + id}
			for _, m := range []struct{ name, stat string }{
				{"Invocations", "Sum"}, {"Duration", "p50"}, {"Duration", "p99"},
				{"ConcurrentExecutions", "Maximum"}, {"Errors", "Sum"}, {"Throttles", "Sum"},
			} {
				wants = append(wants, want{"AWS/Lambda", m.name, m.stat, fn})
			}
			s.checkColdStarts(t, ws, h)
		}
		for _, r := range deploy.Routes {
			route := map[string]string{"ApiId": apiID, "Route": r.Key(), "Stage": "$default"}
			for _, m := range []struct{ name, stat string }{{"Count", "Sum"}, {"4xx", "Sum"}, {"5xx", "Sum"}, {"Latency", "p50"}, {"Latency", "p99"}} {
				shown := hasMetric(t, ws, "AWS/ApiGateway", m.name, m.stat, route)
				if shown != s.cfg.RouteMetrics {
					t.Errorf("route %q metric %s %s shown %v, want %v (routeMetrics)", r.Key(), m.name, m.stat, shown, s.cfg.RouteMetrics)
				}
			}
		}
		for _, w := range wants {
			if !hasMetric(t, ws, w.namespace, w.name, w.stat, w.dims) {
				t.Errorf("no graph of %s %s %s %v", w.namespace, w.name, w.stat, w.dims)
			}
		}
		s.checkAlarmWidget(t, ws)
		s.checkLayout(t, ws)
	})
}

// checkColdStarts checks the cold-start widget of handler: a Logs Insights
// query of its log group's platform.report records with an init duration.
func (s *synthesis) checkColdStarts(t *testing.T, ws []dashboardWidget, handler string) {
	t.Helper()
	fn := props(s.resources("AWS::Lambda::Function")[s.functionsByHandler(t)[handler]])
	logGroup := fn["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"].(string)
	for _, w := range ws {
		if w.Type == "log" && strings.Contains(w.Properties.Query, "'@Ref:"+logGroup+"'") {
			if !strings.Contains(w.Properties.Query, `type = "platform.report"`) || !strings.Contains(w.Properties.Query, "initDurationMs") {
				t.Errorf("cold-start query of %s = %q, want platform.report records with initDurationMs", handler, w.Properties.Query)
			}
			return
		}
	}
	t.Errorf("no cold-start widget on the %s function's log group %s", handler, logGroup)
}

// checkAlarmWidget checks that the alarm widget shows every alarm of the stack.
func (s *synthesis) checkAlarmWidget(t *testing.T, ws []dashboardWidget) {
	t.Helper()
	var shown []string
	for _, w := range ws {
		if w.Type == "alarm" {
			shown = append(shown, w.Properties.Alarms...)
		}
	}
	alarms := s.resources("AWS::CloudWatch::Alarm")
	for id := range alarms {
		if !slices.Contains(shown, "@GetAtt:"+id+".Arn") {
			t.Errorf("alarm %s is not on the dashboard's alarm widget %v", id, shown)
		}
	}
	if len(shown) != len(alarms) {
		t.Errorf("alarm widget shows %d alarms, the stack has %d", len(shown), len(alarms))
	}
}

// checkLayout checks that the widgets fit CloudWatch's 24-unit grid without
// overlapping, and that the duration graph marks the functions' timeout.
func (s *synthesis) checkLayout(t *testing.T, ws []dashboardWidget) {
	t.Helper()
	var timeoutMarked bool
	for i, a := range ws {
		if a.X < 0 || a.X+a.Width > 24 || a.Width < 1 || a.Height < 1 {
			t.Errorf("widget %q at x %d width %d is outside the 24-unit grid", a.Properties.Title, a.X, a.Width)
		}
		for _, b := range ws[i+1:] {
			if a.X < b.X+b.Width && b.X < a.X+a.Width && a.Y < b.Y+b.Height && b.Y < a.Y+a.Height {
				t.Errorf("widgets %q and %q overlap", a.Properties.Title, b.Properties.Title)
			}
		}
		for _, h := range a.Properties.Annotations.Horizontal {
			timeoutMarked = timeoutMarked || h.Label == "timeout" && h.Value == float64(s.cfg.Timeout.Milliseconds())
		}
	}
	if !timeoutMarked {
		t.Errorf("no graph marks the %v timeout", s.cfg.Timeout)
	}
}
