package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/internal/loopback"
	"github.com/movieskit/movies/internal/rietest"
)

// lambdaLevels are the application log levels Lambda's logging
// configuration accepts, from most to least detail.
var lambdaLevels = deploy.LogLevels

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want slog.Level
	}{
		{"TRACE", levelTrace},
		{"DEBUG", slog.LevelDebug},
		{"INFO", slog.LevelInfo},
		{"WARN", slog.LevelWarn},
		{"ERROR", slog.LevelError},
		{"FATAL", levelFatal},
		{"debug", slog.LevelDebug}, // any case
		{" warn ", slog.LevelWarn},
		{"", slog.LevelInfo}, // unset: Lambda's default
		{"WARNING", slog.LevelInfo},
		{"loud", slog.LevelInfo},
	}
	for _, tt := range tests {
		if got := parseLevel(tt.in); got != tt.want {
			t.Errorf("parseLevel(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if len(levels) != len(lambdaLevels) {
		t.Errorf("the logger knows %d levels, Lambda has %d: %v", len(levels), len(lambdaLevels), lambdaLevels)
	}
	for i, name := range lambdaLevels {
		if l, ok := levels[name]; !ok || i > 0 && l <= levels[lambdaLevels[i-1]] {
			t.Errorf("level %s is missing or out of order in %v", name, levels)
		}
	}
	if parseLevel(deploy.LogLevel) != slog.LevelInfo {
		t.Errorf("the default level %s is not INFO", deploy.LogLevel)
	}
	if levelTrace >= slog.LevelDebug || levelFatal <= slog.LevelError {
		t.Errorf("TRACE %v and FATAL %v must lie outside DEBUG..ERROR", levelTrace, levelFatal)
	}
}

// TestLoggerLevels logs one record at every Lambda level under every
// configured level and checks that exactly the records at or above it are
// written, each with the level name Lambda's own filter reads.
func TestLoggerLevels(t *testing.T) {
	for i, configured := range lambdaLevels {
		t.Run(configured, func(t *testing.T) {
			var buf bytes.Buffer
			logger := newLogger(&buf, env(map[string]string{envLogLevel: configured, envLogFormat: "JSON"}))
			for _, l := range lambdaLevels {
				logger.Log(context.Background(), levels[l], "at "+l)
			}
			var got []string
			for _, line := range nonEmptyLines(buf.String()) {
				var rec struct{ Level, Msg string }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("line %q is not JSON: %v", line, err)
				}
				if rec.Msg != "at "+rec.Level {
					t.Errorf("record %q has level %q", rec.Msg, rec.Level)
				}
				got = append(got, rec.Level)
			}
			if want := lambdaLevels[i:]; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("at %s the logger wrote %v, want %v", configured, got, want)
			}
		})
	}
}

func TestLoggerFormat(t *testing.T) {
	tests := []struct {
		format   string
		wantJSON bool
	}{
		{"", true}, // no logging configuration (RIE, local runs): JSON
		{"JSON", true},
		{"Text", false},
		{"TEXT", false},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			newLogger(&buf, env(map[string]string{envLogFormat: tt.format})).Info("hello", "n", 1)
			line := strings.TrimSpace(buf.String())
			if isJSON := json.Valid([]byte(line)); isJSON != tt.wantJSON {
				t.Errorf("format %q wrote %q, want JSON %v", tt.format, line, tt.wantJSON)
			}
			if !tt.wantJSON && !strings.Contains(line, "level=INFO msg=hello n=1") {
				t.Errorf("format %q wrote %q, want key=value pairs", tt.format, line)
			}
			if tt.wantJSON {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatal(err)
				}
				ts, _ := rec["timestamp"].(string)
				if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || rec["time"] != nil {
					t.Errorf("format %q wrote %q, want an RFC 3339 timestamp under Lambda's key \"timestamp\"", tt.format, line)
				}
			}
		})
	}
}

func TestLoggerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	logger := newLogger(&buf, env(nil)).With("handler", "get")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	logger.InfoContext(ctx, "with")
	logger.DebugContext(ctx, "hidden at INFO")
	logger.Info("without")
	lines := nonEmptyLines(buf.String())
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), buf.String())
	}
	var with, without map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &with); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &without); err != nil {
		t.Fatal(err)
	}
	if with["awsRequestId"] != "req-1" || with["handler"] != "get" {
		t.Errorf("record with context = %v, want awsRequestId req-1 and handler get", with)
	}
	if _, ok := without["awsRequestId"]; ok {
		t.Errorf("record without context has an awsRequestId: %v", without)
	}
}

// TestHandlerRecordKeys checks a record the API logs through the
// bootstrap's logger for an invocation: API Gateway's request id (requestId,
// as in the access log) and Lambda's (awsRequestId) are both there, and no
// key appears twice, which JSON readers resolve each their own way.
func TestHandlerRecordKeys(t *testing.T) {
	var stdout bytes.Buffer
	newStore := func(context.Context, func(string) string, string) (movies.Store, error) { return flakyStore{}, nil }
	var started any
	if err := run(context.Background(), []string{"get"}, env(nil), &stdout, newStore, func(h any) { started = h }); err != nil {
		t.Fatal(err)
	}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-id"})
	req := getRequest("Rush")
	req.RequestContext.RequestID = "apigw-id"
	if _, err := started.(deploy.Function)(ctx, req); err != nil {
		t.Fatal(err)
	}
	lines := nonEmptyLines(stdout.String())
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want the one ERROR record:\n%s", len(lines), stdout.String())
	}
	keys := topLevelKeys(t, lines[0])
	for k, n := range keys {
		if n > 1 {
			t.Errorf("key %q appears %d times in %s", k, n, lines[0])
		}
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["requestId"] != "apigw-id" || rec[awsRequestIDKey] != "lambda-id" {
		t.Errorf("record %s: want requestId apigw-id and %s lambda-id", lines[0], awsRequestIDKey)
	}
}

// topLevelKeys counts the keys of the JSON object in line.
func topLevelKeys(t *testing.T, line string) map[string]int {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%q is not a JSON object", line)
	}
	keys := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys[tok.(string)]++
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// flakyStore fails every call as unavailable, which the API logs at ERROR.
type flakyStore struct{ movies.Store }

func (flakyStore) Get(context.Context, movies.Key) (*movies.Movie, error) {
	return nil, movies.Errorf(movies.EUNAVAILABLE, "table unreachable")
}

// TestRunHonoursLogLevel runs the bootstrap as Lambda starts it, with the
// log level of the function's logging configuration, and checks that the
// handler's log line is written only when its level is at or above the
// configured one: a movie not found is logged at INFO, an unavailable table
// at ERROR.
func TestRunHonoursLogLevel(t *testing.T) {
	tests := []struct {
		level     string
		store     movies.Store
		title     string
		wantLines int
	}{
		{"", fakeStore{}, "Missing", 1},
		{"INFO", fakeStore{}, "Missing", 1},
		{"DEBUG", fakeStore{}, "Missing", 1},
		{"WARN", fakeStore{}, "Missing", 0},
		{"ERROR", fakeStore{}, "Missing", 0},
		{"ERROR", flakyStore{}, "Rush", 1},
		{"FATAL", flakyStore{}, "Rush", 0},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.title, func(t *testing.T) {
			var stdout bytes.Buffer
			newStore := func(context.Context, func(string) string, string) (movies.Store, error) { return tt.store, nil }
			var started any
			lambdaEnv := env(map[string]string{envLogLevel: tt.level, envLogFormat: "JSON"})
			if err := run(context.Background(), []string{"get"}, lambdaEnv, &stdout, newStore, func(h any) { started = h }); err != nil {
				t.Fatal(err)
			}
			resp, err := started.(deploy.Function)(context.Background(), getRequest(tt.title))
			if err != nil || resp.StatusCode < 400 {
				t.Fatalf("get %s = %d, %v; want a failure the API logs", tt.title, resp.StatusCode, err)
			}
			if got := strings.Count(stdout.String(), `"msg":"request failed"`); got != tt.wantLines {
				t.Errorf("level %q: %d log lines for a %d, want %d:\n%s", tt.level, got, resp.StatusCode, tt.wantLines, stdout.String())
			}
		})
	}
}

// getRequest is the payload 2.0 event of GET /get/2013/{title}.
func getRequest(title string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		RouteKey:       "GET /get/{year}/{title+}",
		RawPath:        "/get/2013/" + title,
		PathParameters: map[string]string{"year": "2013", "title": title},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/get/2013/" + title}},
	}
}

// TestDeployedLogLevelUnderRIE runs the real bootstrap binary under the
// Runtime Interface Emulator with the variables Lambda sets from a logging
// configuration, against a DynamoDB endpoint where nothing listens, and
// reads the process output: the handler's ERROR line for the unavailable
// table is there at ERROR and absent at FATAL.
func TestDeployedLogLevelUnderRIE(t *testing.T) {
	rie := rietest.RIEPath(t)
	bootstrap := rietest.BuildPackage(t, "github.com/movieskit/movies/cmd/bootstrap")
	closed, err := loopback.FreeAddrs(1)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := gateway.MarshalEvent(mustEvent(t, "/get/2013/Rush"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		level     string
		wantLines int
	}{{"ERROR", 1}, {"FATAL", 0}} {
		t.Run(tt.level, func(t *testing.T) {
			r := rietest.StartRIE(t, rie, bootstrap, "get", []string{
				"PATH=" + os.Getenv("PATH"),
				"AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=local",
				"AWS_SECRET_ACCESS_KEY=local",
				"AWS_ENDPOINT_URL_DYNAMODB=http://" + closed[0],
				envLogFormat + "=JSON",
				envLogLevel + "=" + tt.level,
			})
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			status, body, err := r.Invoke(ctx, payload)
			if err != nil || status != 200 || !strings.Contains(string(body), `"statusCode":503`) {
				t.Fatalf("invoke = %d %s, %v; want the API's 503\n%s", status, body, err, r.Output())
			}
			if got := strings.Count(r.Output(), `"msg":"request failed"`); got != tt.wantLines {
				t.Errorf("at %s the bootstrap wrote %d ERROR lines, want %d:\n%s", tt.level, got, tt.wantLines, r.Output())
			}
		})
	}
}

// mustEvent returns the event the local gateway builds for GET target.
func mustEvent(t *testing.T, target string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev, err := gateway.NewEvent(httptest.NewRequest("GET", target, nil), nil, gateway.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
