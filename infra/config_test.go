package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/movieskit/movies/deploy"
)

func contextOf(m map[string]any) func(string) any {
	return func(key string) any { return m[key] }
}

func TestConfigFromContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		want    func(c *Config) // applied to DefaultConfig
		wantErr string
	}{
		{name: "defaults", ctx: nil, want: func(c *Config) {}},
		{name: "strings from -c", ctx: map[string]any{
			CtxTableName: "Films", CtxRemovalPolicy: "DESTROY", CtxMemorySize: "512", CtxTimeoutSeconds: " 20 ",
			CtxThrottleBurst: "10", CtxThrottleRate: "2.5", CtxLogRetentionDays: "0",
		}, want: func(c *Config) {
			c.TableName, c.Retain, c.MemoryMB, c.Timeout = "Films", false, 512, 20*time.Second
			c.Throttle.Burst, c.Throttle.Rate, c.LogRetentionDays = 10, 2.5, 0
		}},
		{name: "numbers from cdk.json", ctx: map[string]any{
			CtxMemorySize: float64(1024), CtxTimeoutSeconds: json.Number("5"), CtxThrottleRate: 100,
		}, want: func(c *Config) { c.MemoryMB, c.Timeout, c.Throttle.Rate = 1024, 5*time.Second, 100 }},
		{name: "retain spelled out", ctx: map[string]any{CtxRemovalPolicy: "retain"}, want: func(c *Config) {}},
		{name: "image uri", ctx: map[string]any{CtxImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/movies"},
			want: func(c *Config) {
				c.Image = &ImageRef{Partition: "aws", Account: "123456789012", Region: "us-east-1", Repository: "movies", TagOrDigest: "latest"}
			}},
		{name: "bad removal policy", ctx: map[string]any{CtxRemovalPolicy: "snapshot"}, wantErr: "must be retain or destroy"},
		{name: "memory not a number", ctx: map[string]any{CtxMemorySize: "lots"}, wantErr: "memorySize \"lots\": must be a number"},
		{name: "memory fractional", ctx: map[string]any{CtxMemorySize: "256.5"}, wantErr: "must be an integer"},
		{name: "memory too small", ctx: map[string]any{CtxMemorySize: "64"}, wantErr: "must be from 128 to 10240"},
		{name: "timeout too long", ctx: map[string]any{CtxTimeoutSeconds: "60"}, wantErr: "whole seconds from 1 to 29"},
		{name: "timeout zero", ctx: map[string]any{CtxTimeoutSeconds: "0"}, wantErr: "whole seconds from 1 to 29"},
		{name: "burst zero", ctx: map[string]any{CtxThrottleBurst: "0"}, wantErr: "throttleBurst 0"},
		{name: "rate negative", ctx: map[string]any{CtxThrottleRate: "-1"}, wantErr: "throttleRate -1"},
		{name: "rate NaN", ctx: map[string]any{CtxThrottleRate: "NaN"}, wantErr: "finite"},
		{name: "retention not allowed", ctx: map[string]any{CtxLogRetentionDays: "10"}, wantErr: "must be one of [0 1 3 5 7 14 30"},
		{name: "table name invalid", ctx: map[string]any{CtxTableName: "a b"}, wantErr: "tableName \"a b\""},
		{name: "table name not a string", ctx: map[string]any{CtxTableName: true}, wantErr: "must be a string, not bool"},
		{name: "image not ECR", ctx: map[string]any{CtxImageURI: "docker.io/library/movies:v1"}, wantErr: "imageUri: \"docker.io/library/movies:v1\" is not an Amazon ECR image URI"},
		{name: "cors from -c", ctx: map[string]any{CtxCORS: `{"allowOrigins":["*"],"maxAge":60}`},
			want: func(c *Config) { c.CORS = deploy.CORS{AllowOrigins: []string{"*"}, MaxAge: 60} }},
		{name: "cors object from cdk.json", ctx: map[string]any{CtxCORS: map[string]any{"allowOrigins": []any{"https://a.example"}}},
			want: func(c *Config) { c.CORS = deploy.CORS{AllowOrigins: []string{"https://a.example"}} }},
		{name: "cors invalid", ctx: map[string]any{CtxCORS: `{"allowOrigins":[]}`}, wantErr: "cors: CORS configuration: allowOrigins"},
		{name: "cors maxAge -1", ctx: map[string]any{CtxCORS: `{"allowOrigins":["*"],"maxAge":-1}`},
			want: func(c *Config) { c.CORS = deploy.CORS{AllowOrigins: []string{"*"}, MaxAge: -1} }},
		{name: "cors maxAge -2", ctx: map[string]any{CtxCORS: `{"allowOrigins":["*"],"maxAge":-2}`}, wantErr: "cors: CORS configuration: maxAge -2"},
		{name: "burst too large", ctx: map[string]any{CtxThrottleBurst: "1000001"}, wantErr: "throttleBurst 1000001: must be from 1 to 1000000"},
		{name: "memory wrong type", ctx: map[string]any{CtxMemorySize: []any{1}}, wantErr: "must be a number, not []interface {}"},
		{name: "log level any case", ctx: map[string]any{CtxLogLevel: " warn "}, want: func(c *Config) { c.LogLevel = "WARN" }},
		{name: "log level unknown", ctx: map[string]any{CtxLogLevel: "VERBOSE"}, wantErr: "logLevel \"VERBOSE\": must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL"},
		{name: "alarm email", ctx: map[string]any{CtxAlarmEmail: "ops@example.com"}, want: func(c *Config) { c.AlarmEmail = "ops@example.com" }},
		{name: "alarm email with a name", ctx: map[string]any{CtxAlarmEmail: "Ops <ops@example.com>"}, wantErr: "must be one e-mail address"},
		{name: "alarm email two addresses", ctx: map[string]any{CtxAlarmEmail: "a@example.com,b@example.com"}, wantErr: "must be one e-mail address"},
		{name: "alarm email no domain dot", ctx: map[string]any{CtxAlarmEmail: "ops@localhost"}, wantErr: "domain name with a dot"},
		{name: "alarm email too long", ctx: map[string]any{CtxAlarmEmail: strings.Repeat("a", 250) + "@example.com"}, wantErr: "at most 254"},
		{name: "route metrics off", ctx: map[string]any{CtxRouteMetrics: "false"}, want: func(c *Config) { c.RouteMetrics = false }},
		{name: "route metrics from cdk.json", ctx: map[string]any{CtxRouteMetrics: false}, want: func(c *Config) { c.RouteMetrics = false }},
		{name: "route metrics not a bool", ctx: map[string]any{CtxRouteMetrics: "sometimes"}, wantErr: "routeMetrics \"sometimes\": must be true or false"},
		{name: "alarm thresholds", ctx: map[string]any{
			CtxAlarm5xxPercent: "0.5", CtxAlarmLatencyMs: float64(250), CtxAlarmDurationPercent: "95",
			CtxAlarmErrors: "10", CtxAlarmThrottles: "20", CtxAlarmTableThrottles: "30", CtxAlarmTableErrors: "40",
		}, want: func(c *Config) {
			c.Alarms = AlarmThresholds{ServerErrorPercent: 0.5, LatencyP99Ms: 250, DurationPercent: 95,
				FunctionErrors: 10, FunctionThrottles: 20, TableThrottles: 30, TableSystemErrors: 40}
		}},
		{name: "5xx percent zero", ctx: map[string]any{CtxAlarm5xxPercent: "0"}, wantErr: "alarm5xxPercent 0: must be more than 0 and at most 100"},
		{name: "5xx percent over 100", ctx: map[string]any{CtxAlarm5xxPercent: "101"}, wantErr: "alarm5xxPercent 101"},
		{name: "duration percent over 100", ctx: map[string]any{CtxAlarmDurationPercent: "150"}, wantErr: "alarmDurationPercent 150"},
		{name: "latency past the integration timeout", ctx: map[string]any{CtxAlarmLatencyMs: "30001"}, wantErr: "alarmLatencyP99Ms 30001: must be from 1 to 30000"},
		{name: "latency fractional", ctx: map[string]any{CtxAlarmLatencyMs: "99.5"}, wantErr: "must be an integer"},
		{name: "errors zero", ctx: map[string]any{CtxAlarmErrors: "0"}, wantErr: "alarmErrors 0: must be from 1 to 1000000"},
		{name: "throttles negative", ctx: map[string]any{CtxAlarmThrottles: "-1"}, wantErr: "alarmThrottles -1"},
		{name: "table throttles too many", ctx: map[string]any{CtxAlarmTableThrottles: "1000001"}, wantErr: "alarmTableThrottles 1000001"},
		{name: "table system errors not a number", ctx: map[string]any{CtxAlarmTableErrors: "some"}, wantErr: "alarmTableSystemErrors \"some\": must be a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromContext(contextOf(tt.ctx))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultConfig()
			tt.want(&want)
			if gotJSON, wantJSON := mustJSON(t, got), mustJSON(t, want); gotJSON != wantJSON {
				t.Errorf("config\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseImageURI(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		uri     string
		want    ImageRef
		wantARN string
		wantErr bool
	}{
		{uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/movies:v1",
			want:    ImageRef{"aws", "123456789012", "eu-west-1", "movies", "v1"},
			wantARN: "arn:aws:ecr:eu-west-1:123456789012:repository/movies"},
		{uri: "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/team/movies-api@" + digest,
			want:    ImageRef{"aws", "123456789012", "us-gov-west-1", "team/movies-api", digest},
			wantARN: "arn:aws:ecr:us-gov-west-1:123456789012:repository/team/movies-api"},
		{uri: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/movies",
			want:    ImageRef{"aws-cn", "123456789012", "cn-north-1", "movies", "latest"},
			wantARN: "arn:aws-cn:ecr:cn-north-1:123456789012:repository/movies"},
		{uri: "public.ecr.aws/lambda/provided:al2023", wantErr: true},
		{uri: "12345.dkr.ecr.eu-west-1.amazonaws.com/movies", wantErr: true},
		{uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Movies", wantErr: true},
		{uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/movies:", wantErr: true},
		{uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/movies@sha256:abc", wantErr: true},
		{uri: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			got, err := ParseImageURI(tt.uri)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseImageURI = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if arn := got.RepositoryARN(); arn != tt.wantARN {
				t.Errorf("RepositoryARN = %s, want %s", arn, tt.wantARN)
			}
		})
	}
}

func TestAppContext(t *testing.T) {
	t.Setenv("CDK_CONTEXT_JSON", "") // as when run without the CDK CLI
	tests := []struct {
		name    string
		args    []string
		want    map[string]any
		wantErr string
	}{
		{name: "flags", args: []string{"-c", "tableName=Movies", "--context", "imageUri=x=y"},
			want: map[string]any{"tableName": "Movies", "imageUri": "x=y"}},
		{name: "no value", args: []string{"-c", "tableName"}, wantErr: "want key=value"},
		{name: "empty key", args: []string{"-c", "=v"}, wantErr: "want key=value"},
		{name: "stray argument", args: []string{"synth"}, wantErr: `unexpected argument "synth"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appContext(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("context[%s] = %v, want %v", k, got[k], v)
				}
			}
			// cdk.json's feature flags come along when the CLI is not there.
			if got["@aws-cdk/core:checkSecretUsage"] != true {
				t.Errorf("cdk.json context missing: %v", got)
			}
		})
	}
}

func TestPropsValidate(t *testing.T) {
	good := deploy.Route{Method: "GET", Path: "/list", Function: "list"}
	tests := []struct {
		name    string
		props   MoviesStackProps
		routes  []deploy.Route
		wantErr string
	}{
		{name: "ok", props: MoviesStackProps{Config: DefaultConfig(), AssetDir: ".."}, routes: []deploy.Route{good}},
		{name: "image instead of asset", props: MoviesStackProps{Config: withImage(DefaultConfig())}, routes: deploy.Routes},
		{name: "no asset dir", props: MoviesStackProps{Config: DefaultConfig()}, routes: deploy.Routes, wantErr: "AssetDir"},
		{name: "bad config", props: MoviesStackProps{AssetDir: ".."}, routes: deploy.Routes, wantErr: "memorySize 0"},
		{name: "no routes", props: MoviesStackProps{Config: DefaultConfig(), AssetDir: ".."}, wantErr: "routes table is empty"},
		{name: "bad method", props: MoviesStackProps{Config: DefaultConfig(), AssetDir: ".."},
			routes: []deploy.Route{{Method: "FETCH", Path: "/x", Function: "list"}}, wantErr: `unsupported method "FETCH"`},
		{name: "relative path", props: MoviesStackProps{Config: DefaultConfig(), AssetDir: ".."},
			routes: []deploy.Route{{Method: "GET", Path: "x", Function: "list"}}, wantErr: "must start with /"},
		{name: "bad handler", props: MoviesStackProps{Config: DefaultConfig(), AssetDir: ".."},
			routes: []deploy.Route{{Method: "GET", Path: "/x", Function: "li st"}}, wantErr: "letters and digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.props.validate(tt.routes)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func withImage(c Config) Config {
	c.Image = &ImageRef{}
	return c
}

func TestNamesFromRoutesTable(t *testing.T) {
	// The stack makes one function per name, in this order.
	if got := deploy.FunctionNames(); strings.Join(got, ",") != "list,get" {
		t.Errorf("deploy.FunctionNames() = %v, want [list get]", got)
	}
	if got := FunctionOutputName(deploy.FunctionGet); got != "GetFunctionName" {
		t.Errorf("FunctionOutputName(get) = %s", got)
	}
	if !strings.Contains(AccessLogFormat(), `"requestId":"$context.requestId"`) {
		t.Errorf("AccessLogFormat() = %s", AccessLogFormat())
	}
}
