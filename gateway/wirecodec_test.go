package gateway

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// trickyStrings exercise every escaping rule of encoding/json.
var trickyStrings = []string{"", "plain", `q"uote`, `back\slash`, "ctl\x00\x01\x1f\x7f\b\f\n\r\t",
	"<html>&amp;", "Amélie 東京 🎬", "sep\u2028par\u2029", "bad\xffutf8", "\xe2\x80"}

// refEvent is the reference wire form: the struct MarshalEvent used to pass to json.Marshal.
type refEvent struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	RequestContext        struct {
		AccountID    string                                               `json:"accountId"`
		APIID        string                                               `json:"apiId"`
		DomainName   string                                               `json:"domainName"`
		DomainPrefix string                                               `json:"domainPrefix"`
		HTTP         events.APIGatewayV2HTTPRequestContextHTTPDescription `json:"http"`
		RequestID    string                                               `json:"requestId"`
		RouteKey     string                                               `json:"routeKey"`
		Stage        string                                               `json:"stage"`
		Time         string                                               `json:"time"`
		TimeEpoch    int64                                                `json:"timeEpoch"`
	} `json:"requestContext"`
	StageVariables  map[string]string `json:"stageVariables,omitempty"`
	Body            string            `json:"body,omitempty"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func refMarshalEvent(t *testing.T, ev events.APIGatewayV2HTTPRequest) []byte {
	t.Helper()
	w := refEvent{Version: ev.Version, RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
		Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters, PathParameters: ev.PathParameters,
		StageVariables: ev.StageVariables, Body: ev.Body, IsBase64Encoded: ev.IsBase64Encoded}
	if len(ev.Cookies) > 0 {
		w.Cookies = ev.Cookies
	}
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	rc := ev.RequestContext
	w.RequestContext.AccountID, w.RequestContext.APIID = rc.AccountID, rc.APIID
	w.RequestContext.DomainName, w.RequestContext.DomainPrefix = rc.DomainName, rc.DomainPrefix
	w.RequestContext.HTTP, w.RequestContext.RequestID, w.RequestContext.RouteKey = rc.HTTP, rc.RequestID, rc.RouteKey
	w.RequestContext.Stage, w.RequestContext.Time, w.RequestContext.TimeEpoch = rc.Stage, rc.Time, rc.TimeEpoch
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// codecEvents returns the events of eventCases and events full of tricky strings.
func codecEvents(t *testing.T) []events.APIGatewayV2HTTPRequest {
	var evs []events.APIGatewayV2HTTPRequest
	for _, c := range eventCases {
		ev, err := NewEvent(newTestRequest(c), []byte(c.body), fixedConfig(nil))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	for _, s := range trickyStrings {
		evs = append(evs, events.APIGatewayV2HTTPRequest{Version: s, RawPath: s, Cookies: []string{s, s},
			Headers: map[string]string{s: s, "b" + s: ""}, QueryStringParameters: map[string]string{s: s},
			PathParameters: map[string]string{"title": s}, StageVariables: map[string]string{s: s}, Body: s,
			RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: s, TimeEpoch: -5,
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{UserAgent: s}}})
	}
	return append(evs, events.APIGatewayV2HTTPRequest{Cookies: []string{}})
}

func TestMarshalEventMatchesEncodingJSON(t *testing.T) {
	for i, ev := range codecEvents(t) {
		got, err := MarshalEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		if want := refMarshalEvent(t, ev); string(got) != string(want) {
			t.Errorf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestDecodeEventMatchesEncodingJSON(t *testing.T) {
	payloads := []string{`{}`, `{"version":"2.0","Version":"x"}`, `{"version":"a","version":"b"}`,
		`{"headers":null}`, `{"headers":{"a":"1","a":"2"}}`, `{"requestContext":{"timeEpoch":1.5}}`,
		`{"requestContext":{"timeEpoch":-0}}`, `{"body":"\ud83c\udfac \u00e9 \/ \"x\""}`, `{"body":"\ud800"}`,
		`{"isBase64Encoded":true} x`, `{"cookies":["a",1]}`, `[1]`, `{"x":{"y":[]}}`,
		`{"requestContext":{"authorizer":{"jwt":{"claims":{"a":"b"}}}}}`, "{\"body\":\"a\xffb\"}"}
	for _, ev := range codecEvents(t) {
		b, _ := MarshalEvent(ev)
		payloads = append(payloads, string(b))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, string(b))
	}
	for _, p := range payloads {
		var got, want events.APIGatewayV2HTTPRequest
		gotErr := decodeEvent([]byte(p), &got)
		wantErr := json.Unmarshal([]byte(p), &want)
		if (gotErr != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeEvent(%s) = %+v, %v;\nencoding/json: %+v, %v", p, got, gotErr, want, wantErr)
		}
	}
}

func TestAppendResponseMatchesEncodingJSON(t *testing.T) {
	resps := []events.APIGatewayV2HTTPResponse{{}, {StatusCode: 200, Headers: map[string]string{}, Cookies: []string{}}}
	for _, s := range trickyStrings {
		resps = append(resps, events.APIGatewayV2HTTPResponse{StatusCode: 404, Body: s, IsBase64Encoded: s == "",
			Headers: map[string]string{s: s, "z": "1"}, MultiValueHeaders: map[string][]string{s: {s, s}, "n": nil},
			Cookies: []string{s}})
	}
	for _, r := range resps {
		got := appendResponse(nil, &r)
		want, _ := json.Marshal(r)
		if string(got) != string(want) {
			t.Errorf("appendResponse:\n got %s\nwant %s", got, want)
		}
	}
}

func TestParseResponseMatchesEncodingJSON(t *testing.T) {
	payloads := []string{`{"statusCode":200,"body":"{\"year\":2013,\"title\":\"Rush \\\"x\\\"\"}"}`,
		`{"StatusCode":200}`, `{"statusCode":200,"HEADERS":{"a":"b"}}`, `{"statusCode":200,"headers":{"a":"1"},"headers":{"b":"2"}}`,
		`{"statusCode":2e2}`, `{"statusCode":-1}`, `{"statusCode":"200"}`, `{"statusCode":200,"extra":1}`,
		`{"statusCode":200,"body":null}`, ` {"statusCode":200} `, `{"headers":{"a":"b"}}`, `{}`, `null`,
		`{"statusCode":200,"multiValueHeaders":{"a":["1","2"],"b":[]},"cookies":["c=1"]}`,
		`{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`, `{"statusCode":200}x`, "{\"statusCode\":200,\"body\":\"\xff\"}"}
	for _, c := range responseCases() {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		if out, err := safeInvoke(ctx, c.invoker, "list", []byte(`{}`)); err == nil {
			payloads = append(payloads, string(out))
		}
		cancel()
	}
	for _, p := range payloads {
		got, gotErr := parseResponse([]byte(p))
		want, wantErr := parseResponseJSON([]byte(p))
		if (gotErr != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("parseResponse(%s) = %+v, %v; encoding/json: %+v, %v", p, got, gotErr, want, wantErr)
		}
	}
}
