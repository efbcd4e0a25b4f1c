package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// eventCase is one HTTP request and the golden event it must produce.
type eventCase struct {
	name   string
	method string
	target string
	header http.Header // set as given, so that names may be in any case
	body   string
}

var eventCases = []eventCase{
	{name: "list_no_query", method: "GET", target: "/list"},
	{name: "duplicate_headers", method: "GET", target: "/list",
		header: http.Header{"Accept": {"text/html", "application/json"}, "X-Trace": {"a", "b", "c"}}},
	{name: "mixed_case_headers", method: "GET", target: "/list",
		header: http.Header{"X-MiXeD-CaSe": {"1"}, "x-mixed-case": {"2"}, "USER-AGENT": {"curl/8.0"}}},
	{name: "cookies", method: "GET", target: "/list",
		header: http.Header{"Cookie": {"a=1; b=2", "c=3"}, "Accept": {"*/*"}}},
	{name: "encoded_slash_title", method: "GET", target: "/get/1997/Face%2FOff"},
	{name: "greedy_title", method: "GET", target: "/get/1997/Face/Off"},
	{name: "encoded_space_and_percent", method: "GET", target: "/get/2013/100%2525%20Love?x=%2525"},
	// The capture table of docs/FIDELITY.md ("Request path"), one case per
	// row, on the get route; the row that never reaches a function is the
	// response case bad_path_percent.
	{name: "path_space", method: "GET", target: "/get/2013/space%20value"},
	{name: "path_question_mark_cuts", method: "GET", target: "/get/2013/question%3Fvalue"},
	{name: "path_slash", method: "GET", target: "/get/2013/slash%2Fvalue"},
	{name: "path_hash", method: "GET", target: "/get/2013/hash%23value"},
	{name: "path_unicode", method: "GET", target: "/get/2013/unicode-%CE%BB-%E4%B8%96%E7%95%8C"},
	{name: "path_double_encoded_slash", method: "GET", target: "/get/2013/literal%252Fvalue"},
	{name: "path_double_encoded_question_mark", method: "GET", target: "/get/2013/literal%253Fvalue"},
	{name: "path_double_encoded_percent", method: "GET", target: "/get/2013/literal%2525value"},
	{name: "trailing_slash_routes", method: "GET", target: "/list/?limit=1"},
	{name: "title_in_query", method: "GET", target: "/get/2011?title=What%27s+Your+Number%3F"},
	{name: "query_duplicates", method: "GET", target: "/list?a=1&a=2&b=3"},
	{name: "query_plus_and_percent20", method: "GET", target: "/list?q=star+wars&r=star%20wars&s=a%2Bb"},
	{name: "query_empty_values", method: "GET", target: "/list?a=&b&=c&&d=1"},
	{name: "query_empty", method: "GET", target: "/list?"},
	{name: "query_raw_kept", method: "GET", target: "/list?cursor=eyJ5Ijox%3D%3D&x=%7e&y=a,b"},
	{name: "binary_body", method: "GET", target: "/list",
		header: http.Header{"Content-Type": {"application/octet-stream"}}, body: "\x00\x01\x02\xff"},
	{name: "json_body", method: "GET", target: "/list",
		header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: `{"title":"Rush"}`},
	{name: "form_body_is_binary", method: "GET", target: "/list",
		header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body: "a=1"},
	{name: "trace_and_forwarded_kept", method: "GET", target: "/list",
		header: http.Header{"X-Amzn-Trace-Id": {"Root=1-5e6722a7-cc56a1b246db7ae02d4da47e"}, "X-Forwarded-For": {"203.0.113.7"}}},
}

// newTestRequest builds the server-side request of c, as net/http would.
func newTestRequest(c eventCase) *http.Request {
	var body *strings.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	var r *http.Request
	if body != nil {
		r = httptest.NewRequest(c.method, c.target, body)
	} else {
		r = httptest.NewRequest(c.method, c.target, nil)
	}
	r.Host = "l0ca1movie.execute-api.localhost:8080"
	r.RemoteAddr = "198.51.100.23:54321"
	for name, values := range c.header {
		r.Header[name] = values
	}
	return r
}

// TestEventGolden sends every event case through the gateway to a recording
// invoker; rie_test.go sends them to a function under aws-lambda-rie,
// against the same golden files.
func TestEventGolden(t *testing.T) {
	rec := &recorder{}
	eventGolden(t, "inprocess", rec, func(t *testing.T, _ []byte) []byte { return rec.last(t) })
}

// eventGolden sends every event case through a gateway over inv and checks
// what received makes of the function's answer, the event as the function
// got it, against the case's golden file.
func eventGolden(t *testing.T, mode string, inv Invoker, received func(t *testing.T, answer []byte) []byte) {
	for _, c := range eventCases {
		t.Run(mode+"/"+c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			New(fixedConfig(inv)).ServeHTTP(w, newTestRequest(c))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			golden(t, "events/"+c.name+".json", received(t, w.Body.Bytes()))
		})
	}
}

// TestEventRoundTripsThroughStruct checks that the payload decodes into the
// aws-lambda-go struct with the same content NewEvent built.
func TestEventRoundTripsThroughStruct(t *testing.T) {
	for _, c := range eventCases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			New(fixedConfig(rec)).ServeHTTP(httptest.NewRecorder(), newTestRequest(c))
			var ev map[string]any
			if err := json.Unmarshal(rec.last(t), &ev); err != nil {
				t.Fatal(err)
			}
			for _, field := range []string{"version", "routeKey", "rawPath", "rawQueryString", "headers", "requestContext", "isBase64Encoded"} {
				if _, ok := ev[field]; !ok {
					t.Errorf("field %s missing", field)
				}
			}
			if bytes.Contains(rec.last(t), []byte("null")) {
				t.Errorf("payload contains null: %s", rec.last(t))
			}
		})
	}
}

func TestIsTextContentType(t *testing.T) {
	tests := []struct {
		contentType string
		want        bool
	}{
		{"text/plain", true},
		{"text/html; charset=utf-8", true},
		{"TEXT/CSV", true},
		{"application/json", true},
		{"application/json;charset=UTF-8", true},
		{"application/xml", true},
		{"application/javascript", true},
		{"", false},
		{"application/octet-stream", false},
		{"application/x-www-form-urlencoded", false},
		{"image/png", false},
		{"multipart/form-data; boundary=x", false},
		{"application/problem+json", false},
		{";;;", false},
	}
	for _, tt := range tests {
		if got := isTextContentType(tt.contentType); got != tt.want {
			t.Errorf("isTextContentType(%q) = %v, want %v", tt.contentType, got, tt.want)
		}
	}
}

func TestQueryParameters(t *testing.T) {
	tests := []struct {
		raw  string
		want map[string]string
	}{
		{"", nil},
		{"&&", nil},
		{"a=1&a=2", map[string]string{"a": "1,2"}},
		{"q=a+b", map[string]string{"q": "a b"}},
		{"q=a%20b", map[string]string{"q": "a b"}},
		{"q=%zz", map[string]string{"q": "%zz"}},
		{"a=&b", map[string]string{"a": "", "b": ""}},
		{"a=x=y", map[string]string{"a": "x=y"}},
	}
	for _, tt := range tests {
		got := queryParameters(tt.raw)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(tt.want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("queryParameters(%q) = %s, want %s", tt.raw, gb, wb)
		}
	}
}

func TestDomainNameAndPrefix(t *testing.T) {
	tests := []struct{ host, name, prefix string }{
		{"abc123.execute-api.us-east-1.amazonaws.com", "abc123.execute-api.us-east-1.amazonaws.com", "abc123"},
		{"l0ca1movie.execute-api.localhost:8080", "l0ca1movie.execute-api.localhost", "l0ca1movie"},
		{"localhost:8080", "localhost", "localhost"},
		{"127.0.0.1:8080", "127.0.0.1", "127.0.0.1"},
		{"127.0.0.1", "127.0.0.1", "127.0.0.1"},
		{"[::1]:8080", "[::1]", "[::1]"},
		{"[::1]", "[::1]", "[::1]"},
		{"", "", ""},
	}
	for _, tt := range tests {
		name := domainName(tt.host)
		if prefix := domainPrefix(name); name != tt.name || prefix != tt.prefix {
			t.Errorf("host %q: domain name %q, prefix %q; want %q, %q", tt.host, name, prefix, tt.name, tt.prefix)
		}
	}
}

// TestNewEventRefusesWhatTheGatewayRefuses: NewEvent (movies event) builds
// no event for a request the gateway answers before any function runs.
func TestNewEventRefusesWhatTheGatewayRefuses(t *testing.T) {
	tests := []struct {
		name string
		req  *http.Request
		body []byte
		want error // nil: want an event
	}{
		{"ordinary", httptest.NewRequest(http.MethodGet, "/get/2013/Rush", nil), nil, nil},
		{"header quota", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/get/2013/Rush", nil)
			r.Header.Set("Cookie", strings.Repeat("x", HeaderQuotaBytes))
			return r
		}(), nil, errHeaderQuota},
		{"no route", httptest.NewRequest(http.MethodGet, "/nope", nil), nil, errNoRoute},
		{"bad path", httptest.NewRequest(http.MethodGet, "/get/2013/100%25", nil), nil, ErrBadPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewEvent(tt.req, tt.body, Config{})
			if !errors.Is(err, tt.want) && (tt.want != nil || err != nil) {
				t.Errorf("NewEvent error = %v, want %v", err, tt.want)
			}
		})
	}
	// An event over Lambda's 6 MB: a body that takes more once in the event.
	r := httptest.NewRequest(http.MethodGet, "/list", nil)
	r.Header.Set("Content-Type", "text/plain")
	if _, err := NewEvent(r, bytes.Repeat([]byte("<"), 2<<20), Config{}); err == nil || !strings.Contains(err.Error(), "payload limit") {
		t.Errorf("NewEvent of a 12 MB event: %v, want the payload limit", err)
	}
}
