package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/gateway"
)

// fixedEventConfig makes events reproducible.
var fixedEventConfig = gateway.Config{
	Now:          func() time.Time { return time.Date(2020, 3, 12, 19, 3, 58, 0, time.UTC) },
	NewRequestID: func() string { return "JKJaXmPLvHcESHA=" },
}

func TestBuildEvent(t *testing.T) {
	tests := []struct {
		name      string
		function  string
		opts      eventOptions
		wantRoute string
		wantPath  string
		wantRawQ  string
		wantQuery map[string]string
		wantParam map[string]string
		wantHdr   map[string]string
		wantWarn  string // part of the warning on stderr; none when empty
	}{
		{
			name: "list", function: "list",
			wantRoute: "GET /list", wantPath: "/list",
		},
		{
			name: "list with query and year", function: "list",
			opts:      eventOptions{query: "?limit=5&a=1&a=2", year: 2013},
			wantRoute: "GET /list", wantPath: "/list", wantRawQ: "limit=5&a=1&a=2&year=2013",
			wantQuery: map[string]string{"limit": "5", "a": "1,2", "year": "2013"},
		},
		{
			name: "get default", function: "get",
			wantRoute: "GET /get/{year}/{title+}", wantPath: "/get/2013/Rush",
			wantParam: map[string]string{"year": "2013", "title": "Rush"},
		},
		{
			name: "get title with slash and space", function: "get",
			opts:      eventOptions{year: 1997, title: "Face/Off Again"},
			wantRoute: "GET /get/{year}/{title+}", wantPath: "/get/1997/Face/Off Again",
			wantParam: map[string]string{"year": "1997", "title": "Face/Off Again"},
		},
		{
			name: "get title with question mark is cut in the path", function: "get",
			opts:      eventOptions{year: 2011, title: "What's Your Number?"},
			wantRoute: "GET /get/{year}/{title+}", wantPath: "/get/2011/What's Your Number",
			wantParam: map[string]string{"year": "2011", "title": "What's Your Number"},
			wantWarn:  `the function gets the title "What's Your Number", not "What's Your Number?"; use the query form`,
		},
		{
			name: "get title in the query", function: "get",
			opts:      eventOptions{year: 2011, title: "What's Your Number? 100% + more", inQuery: true},
			wantRoute: "GET /get/{year}", wantPath: "/get/2011", wantRawQ: "title=What%27s+Your+Number%3F+100%25+%2B+more",
			wantQuery: map[string]string{"title": "What's Your Number? 100% + more"},
			wantParam: map[string]string{"year": "2011"},
		},
		{
			name: "headers lower-cased and joined", function: "list",
			opts:      eventOptions{headers: []string{"X-Trace: a", "x-trace: b", "Accept: application/json"}},
			wantRoute: "GET /list", wantPath: "/list",
			wantHdr: map[string]string{"x-trace": "a,b", "accept": "application/json", "user-agent": "curl/8.5.0", "host": "127.0.0.1:8080"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warn strings.Builder
			b, err := buildEvent(tt.function, tt.opts, fixedEventConfig, &warn)
			if err != nil {
				t.Fatalf("buildEvent: %v", err)
			}
			if tt.wantWarn == "" && warn.Len() > 0 || !strings.Contains(warn.String(), tt.wantWarn) {
				t.Errorf("warning %q, want one containing %q", warn.String(), tt.wantWarn)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if ev.Version != "2.0" || ev.RouteKey != tt.wantRoute || ev.RawPath != tt.wantPath || ev.RawQueryString != tt.wantRawQ {
				t.Errorf("got version %q route %q path %q query %q, want 2.0 %q %q %q",
					ev.Version, ev.RouteKey, ev.RawPath, ev.RawQueryString, tt.wantRoute, tt.wantPath, tt.wantRawQ)
			}
			if ev.RequestContext.RequestID != "JKJaXmPLvHcESHA=" || ev.RequestContext.Time != "12/Mar/2020:19:03:58 +0000" {
				t.Errorf("requestContext = %+v, want the fixed id and time", ev.RequestContext)
			}
			assertSubset(t, "queryStringParameters", ev.QueryStringParameters, tt.wantQuery)
			assertSubset(t, "pathParameters", ev.PathParameters, tt.wantParam)
			assertSubset(t, "headers", ev.Headers, tt.wantHdr)
			if len(tt.wantQuery) == 0 && bytes.Contains(b, []byte("queryStringParameters")) {
				t.Errorf("event has queryStringParameters without a query: %s", b)
			}
			if len(tt.wantParam) == 0 && bytes.Contains(b, []byte("pathParameters")) {
				t.Errorf("event has pathParameters on a route without parameters: %s", b)
			}
		})
	}
}

func assertSubset(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s[%q] = %q, want %q (all: %v)", what, k, got[k], v, got)
		}
	}
	if what != "headers" && len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestBuildEventErrors(t *testing.T) {
	tests := []struct {
		name     string
		function string
		opts     eventOptions
		want     string
	}{
		{"bad header", "list", eventOptions{headers: []string{"NoColon"}}, "--header"},
		{"header name with space", "list", eventOptions{headers: []string{"Bad Name: v"}}, "--header"},
		{"header value with newline", "list", eventOptions{headers: []string{"X: a\r\nY: b"}}, "--header"},
		{"query with space", "list", eventOptions{query: "year=20 13"}, "--query"},
		{"title on list", "list", eventOptions{title: "Rush"}, "--title"},
		{"title query on list", "list", eventOptions{inQuery: true}, "--title-query"},
		{"title with percent in the path", "get", eventOptions{title: "100% Love"}, "answers 400 before any function runs"},
		{"unknown function", "put", eventOptions{}, "unknown function"},
		// What the gateway refuses before any function runs, as movies serve answers it.
		{"over the header quota", "get", eventOptions{title: strings.Repeat("x", 11_000)}, "exceed the quota"},
		{"over 1,000 query parameters", "list", eventOptions{query: strings.Repeat("a=1&", 1001) + "a=1"}, "before any function runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildEvent(tt.function, tt.opts, fixedEventConfig, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("buildEvent error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEventCommand(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int // 0 for success
		wantOut  string
	}{
		{[]string{"get", "--year", "1997", "--title", "Face/Off"}, 0, `"rawPath": "/get/1997/Face/Off"`},
		{[]string{"list", "--query", "limit=5"}, 0, `"rawQueryString": "limit=5"`},
		{[]string{"nope"}, 2, ""},
		{[]string{}, 2, ""},
		{[]string{"list", "--header", "oops"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := newEventCmd()
			var out bytes.Buffer
			cmd.SetArgs(tt.args)
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SilenceUsage = true
			err := cmd.ExecuteContext(context.Background())
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("event %v: %v", tt.args, err)
				}
				if !strings.Contains(out.String(), tt.wantOut) || !json.Valid(out.Bytes()) {
					t.Errorf("output %s, want valid JSON containing %s", out.String(), tt.wantOut)
				}
				return
			}
			if code := exitCode(err); err == nil || code != tt.wantCode {
				t.Errorf("event %v: err %v (exit %d), want exit %d", tt.args, err, code, tt.wantCode)
			}
		})
	}
}
