package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/internal/apitest"
	"github.com/movieskit/movies/internal/syncbuf"
)

// The tests in this file each check that the gateway behaves as API Gateway
// does where other local emulators are known to differ (docs/FIDELITY.md
// lists each behaviour with its source).

// liveGateway starts the gateway on loopback with inv and default config.
func liveGateway(t *testing.T, inv Invoker) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(New(Config{Invoker: inv}))
	t.Cleanup(srv.Close)
	t.Cleanup(srv.Client().CloseIdleConnections)
	return srv
}

// send makes one request and returns the response and its body.
func send(t *testing.T, srv *httptest.Server, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// lastEvent decodes the last event rec received.
func lastEvent(t *testing.T, rec *recorder) (events.APIGatewayV2HTTPRequest, map[string]any) {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	var raw map[string]any
	if err := json.Unmarshal(rec.last(t), &ev); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rec.last(t), &raw); err != nil {
		t.Fatal(err)
	}
	return ev, raw
}

func TestFidelityHeaderNamesLowerCase(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	send(t, srv, "GET", "/list", http.Header{"X-Custom-Header": {"v"}, "Accept": {"*/*"}})
	ev, _ := lastEvent(t, rec)
	for name := range ev.Headers {
		if name != strings.ToLower(name) {
			t.Errorf("header name %q is not lower-case", name)
		}
	}
	if ev.Headers["x-custom-header"] != "v" {
		t.Errorf("x-custom-header = %q, want v", ev.Headers["x-custom-header"])
	}
}

func TestFidelityDuplicateHeadersCommaJoined(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	send(t, srv, "GET", "/list", http.Header{"X-Dup": {"first", "second", "third"}})
	ev, raw := lastEvent(t, rec)
	if got := ev.Headers["x-dup"]; got != "first,second,third" {
		t.Errorf("x-dup = %q, want all values comma-joined", got)
	}
	if _, ok := raw["multiValueHeaders"]; ok {
		t.Error("payload 2.0 must not have multiValueHeaders")
	}
}

// TestFidelityPathDecoded sends paths through a live server:
// the function sees rawPath, requestContext.http.path and pathParameters
// decoded twice and cut at a decoded '?' (docs/FIDELITY.md, "Request path"),
// and a path that does not survive that gets API Gateway's JSON 400.
func TestFidelityPathDecoded(t *testing.T) {
	tests := []struct {
		target, path, title string
		status              int
	}{
		{"/get/1997/Face%2FOff", "/get/1997/Face/Off", "Face/Off", http.StatusOK},
		{"/get/1997/Face/Off", "/get/1997/Face/Off", "Face/Off", http.StatusOK},
		{"/get/2000/100%2525", "/get/2000/100%", "100%", http.StatusOK}, // decoded twice
		{"/get/2000/Am%C3%A9lie", "/get/2000/Amélie", "Amélie", http.StatusOK},
		{"/get/2011/What's%20Your%20Number%3F", "/get/2011/What's Your Number", "What's Your Number", http.StatusOK},
		{"/get/2000/100%25", "", "", http.StatusBadRequest}, // "%" alone after one decoding
		{"/get/2000/100%25zz", "", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := &recorder{}
			srv := liveGateway(t, rec)
			resp, body := send(t, srv, "GET", tt.target, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != http.StatusOK {
				if body != `{"message":"Bad Request"}` || resp.Header.Get("Content-Type") != "application/json" {
					t.Errorf("body %s (%s), want API Gateway's JSON 400", body, resp.Header.Get("Content-Type"))
				}
				if len(rec.payloads) != 0 {
					t.Error("function invoked for a path API Gateway rejects")
				}
				return
			}
			ev, _ := lastEvent(t, rec)
			if ev.PathParameters["title"] != tt.title {
				t.Errorf("title = %q, want %q", ev.PathParameters["title"], tt.title)
			}
			if ev.RawPath != tt.path || ev.RequestContext.HTTP.Path != tt.path {
				t.Errorf("rawPath = %q, http.path = %q, want %q", ev.RawPath, ev.RequestContext.HTTP.Path, tt.path)
			}
		})
	}
}

func TestFidelityStatusCodes(t *testing.T) {
	failing := invokerFunc(func(context.Context, string, []byte) ([]byte, error) {
		return nil, &FunctionError{Function: "list", Type: "Runtime.ExitError", Message: "exit status 2"}
	})
	tests := []struct {
		name, method, target string
		inv                  Invoker
		status               int
		body                 string
	}{
		{"function error is 500, not 502", "GET", "/list", failing, 500, `{"message":"Internal Server Error"}`},
		{"missing route is 404, not 403", "GET", "/missing", InProcess(okFuncs()), 404, `{"message":"Not Found"}`},
		{"wrong method is 404, not 405", "DELETE", "/list", InProcess(okFuncs()), 404, `{"message":"Not Found"}`},
		{"missing route lists no routes", "GET", "/", InProcess(okFuncs()), 404, `{"message":"Not Found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := liveGateway(t, tt.inv)
			resp, body := send(t, srv, tt.method, tt.target, nil)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.status, tt.body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type %q, want application/json", ct)
			}
		})
	}
}

func TestFidelityRawQueryStringKeptAsSent(t *testing.T) {
	for _, q := range []string{"a=%7e&b=c%2Cd", "q=star+wars&r=x%20y", "a=1&a=2", "x=%2525&y=%C3%A9", "a=,b;c"} {
		rec := &recorder{}
		srv := liveGateway(t, rec)
		send(t, srv, "GET", "/list?"+q, nil)
		ev, _ := lastEvent(t, rec)
		if ev.RawQueryString != q {
			t.Errorf("rawQueryString = %q, want %q exactly as sent", ev.RawQueryString, q)
		}
	}
}

func TestFidelityThrowingFunctionIs500WithoutInternals(t *testing.T) {
	tests := map[string]deploy.Function{
		"error": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "partial"}, errors.New("ddb: table Movies-secret not found")
		},
		"panic": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			var m map[string]int
			m["x"]++ //nolint:govet,staticcheck // a deliberate nil-map write: a runtime panic with a stack
			return events.APIGatewayV2HTTPResponse{}, nil
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			var logs syncbuf.Buffer
			srv := httptest.NewServer(New(Config{
				Invoker: InProcess(map[string]deploy.Function{deploy.FunctionList: h}),
				Logger:  slog.New(slog.NewJSONHandler(&logs, nil)),
			}))
			t.Cleanup(srv.Close)
			resp, body := send(t, srv, "GET", "/list", nil)
			if resp.StatusCode != 500 || body != `{"message":"Internal Server Error"}` {
				t.Errorf("got %d %s, want 500 Internal Server Error", resp.StatusCode, body)
			}
			srv.Close()
			if !strings.Contains(logs.String(), "integrationError") {
				t.Errorf("the cause is not logged: %s", logs.String())
			}
		})
	}
}

func TestFidelityRequestIDUniquePerRequest(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	seen := map[string]bool{}
	for range 20 {
		resp, _ := send(t, srv, "GET", "/list", nil)
		ev, _ := lastEvent(t, rec)
		id := ev.RequestContext.RequestID
		if seen[id] {
			t.Fatalf("request id %q repeated", id)
		}
		seen[id] = true
		if got := resp.Header.Get("Apigw-Requestid"); got != id {
			t.Errorf("apigw-requestid %q, event requestId %q", got, id)
		}
		if !strings.Contains(ev.Headers["x-amzn-trace-id"], "Root=1-") {
			t.Errorf("x-amzn-trace-id = %q", ev.Headers["x-amzn-trace-id"])
		}
	}
}

func TestFidelityEmptyFieldsOmittedNotNull(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	send(t, srv, "GET", "/list", nil)
	payload := rec.last(t)
	if bytes.Contains(payload, []byte("null")) {
		t.Errorf("payload contains null: %s", payload)
	}
	_, raw := lastEvent(t, rec)
	for _, field := range []string{"cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"} {
		if _, ok := raw[field]; ok {
			t.Errorf("empty %s is present, want omitted", field)
		}
	}
	rc := raw["requestContext"].(map[string]any)
	for _, field := range []string{"authorizer", "authentication"} {
		if _, ok := rc[field]; ok {
			t.Errorf("requestContext.%s is present, want omitted", field)
		}
	}
}

func TestFidelityRealisticIDs(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	send(t, srv, "GET", "/list", nil)
	ev, _ := lastEvent(t, rec)
	rc := ev.RequestContext
	checks := []struct {
		name, value string
		re          *regexp.Regexp
	}{
		{"accountId", rc.AccountID, regexp.MustCompile(`^[0-9]{12}$`)},
		{"apiId", rc.APIID, regexp.MustCompile(`^[a-z0-9]{10}$`)},
		{"requestId", rc.RequestID, requestIDPattern},
		{"domainName", rc.DomainName, regexp.MustCompile(`^127\.0\.0\.1$`)}, // the host without the server's port
		{"stage", rc.Stage, regexp.MustCompile(`^\$default$`)},
		{"time", rc.Time, regexp.MustCompile(`^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$`)},
	}
	for _, c := range checks {
		if !c.re.MatchString(c.value) {
			t.Errorf("%s = %q, want to match %s", c.name, c.value, c.re)
		}
	}
	if rc.TimeEpoch < 1e12 {
		t.Errorf("timeEpoch = %d, want milliseconds", rc.TimeEpoch)
	}
}

var requestIDPattern = regexp.MustCompile(RequestIDPattern)

// TestFidelityRequestIDAlphabet checks that request ids use the URL-safe
// alphabet of the cloud's, "-" and "_", never "+" or "/": 1,000 ids, of
// which (at 2 of the 64 characters) a few hundred have "-" or "_".
func TestFidelityRequestIDAlphabet(t *testing.T) {
	urlSafe := 0
	for range 1000 {
		id := NewRequestID()
		if !requestIDPattern.MatchString(id) {
			t.Fatalf("request id %q, want to match %s", id, requestIDPattern)
		}
		if strings.ContainsAny(id, "-_") {
			urlSafe++
		}
	}
	if urlSafe == 0 {
		t.Error("no request id of 1,000 has - or _")
	}
}

func TestFidelityGreedyRouteTakesSlashes(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	resp, _ := send(t, srv, "GET", "/get/1997/Face/Off", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	ev, _ := lastEvent(t, rec)
	if ev.RouteKey != "GET /get/{year}/{title+}" || ev.PathParameters["title"] != "Face/Off" {
		t.Errorf("routeKey %q title %q", ev.RouteKey, ev.PathParameters["title"])
	}
}

// TestFidelityConcurrentClientsShareOneInvoker checks that 32 concurrent
// clients are all served by the one in-process invoker (no worker per call)
// and that nothing is left running afterwards.
func TestFidelityConcurrentClientsShareOneInvoker(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := liveGateway(t, InProcess(okFuncs()))
	var wg sync.WaitGroup
	errs := make(chan error, 32*10)
	for range 32 {
		wg.Go(func() {
			for range 10 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/list", nil)
				resp, err := srv.Client().Do(req)
				if err != nil {
					errs <- err
					cancel()
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				cancel()
				if resp.StatusCode != 200 {
					errs <- errors.New(resp.Status)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	srv.Client().CloseIdleConnections()
	srv.Close()
}

func TestFidelityCookiesOutOfHeaders(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	send(t, srv, "GET", "/list", http.Header{"Cookie": {"a=1; b=2"}})
	ev, _ := lastEvent(t, rec)
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("cookie header kept in headers; API Gateway moves it to cookies")
	}
	if strings.Join(ev.Cookies, "|") != "a=1|b=2" {
		t.Errorf("cookies = %q", ev.Cookies)
	}
}

func TestRequestBodyTooLarge(t *testing.T) {
	rec := &recorder{}
	srv := liveGateway(t, rec)
	for _, size := range []int{MaxRequestBytes + 1} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/list", bytes.NewReader(make([]byte, size)))
		resp, err := srv.Client().Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || string(body) != `{"message":"Request Entity Too Large"}` {
			t.Errorf("size %d: got %d %s", size, resp.StatusCode, body)
		}
	}
	if len(rec.payloads) != 0 {
		t.Error("function invoked for an oversized request")
	}
	// Exactly the limit passes API Gateway's check; its event is then over
	// Lambda's 6 MB (TestEventSizeLimit).
	req := httptest.NewRequest("GET", "/list", bytes.NewReader(make([]byte, MaxRequestBytes)))
	if body, err := readBody(req); err != nil || len(body) != MaxRequestBytes {
		t.Errorf("body of exactly 10 MB: %d bytes read, error %v", len(body), err)
	}
}

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	cfg := fixedConfig(InProcess(okFuncs()))
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	h := New(cfg)
	for _, target := range []string{"/list?limit=1", "/nope"} {
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = "198.51.100.23:54321"
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), logs.String())
	}
	want := []map[string]any{
		{"requestId": "JKJaXmPLvHcESHA=", "ip": "198.51.100.23", "method": "GET", "path": "/list", "routeKey": "GET /list", "status": 200.0, "bytes": 11.0},
		{"path": "/nope", "routeKey": "", "status": 404.0, "bytes": 23.0},
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %s", i, line)
		}
		for k, v := range want[i] {
			if got[k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, got[k], v)
			}
		}
		if _, ok := got["latencyMs"]; !ok {
			t.Errorf("line %d: no latencyMs", i)
		}
	}
}

// TestGetTargetReachesEveryTitle sends titles of every awkward kind through
// a live server in the form apitest.GetTarget documents, and checks that the
// function receives the title unchanged. The plain path form of a title
// with '?' reaches it cut short, as in the cloud.
func TestGetTargetReachesEveryTitle(t *testing.T) {
	titles := []string{
		"Rush", "Face/Off", "Pain & Gain", "Amélie", "C++ #1", "a+b=c", "It's 50/50", "x;y,z@w:v$u!t*s",
		"What's Your Number?", "O Brother, Where Art Thou?", "100% Love", "%2F", "50%?/", "Ends/", "/Starts", "a//b",
		"tab\there", "東京物語",
	}
	for _, title := range titles {
		t.Run(title, func(t *testing.T) {
			rec := &recorder{}
			srv := liveGateway(t, rec)
			target := apitest.GetTarget(2000, title)
			resp, body := send(t, srv, "GET", target, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d %s", target, resp.StatusCode, body)
			}
			ev, _ := lastEvent(t, rec)
			got := ev.PathParameters[api.TitleParam]
			if got == "" {
				got = ev.QueryStringParameters[api.TitleParam]
			}
			if got != title {
				t.Errorf("GET %s: function got title %q, want %q", target, got, title)
			}
		})
	}
	t.Run("path form cuts at a question mark", func(t *testing.T) {
		rec := &recorder{}
		srv := liveGateway(t, rec)
		send(t, srv, "GET", "/get/2011/"+url.PathEscape("What's Your Number?"), nil)
		ev, _ := lastEvent(t, rec)
		if got := ev.PathParameters[api.TitleParam]; got != "What's Your Number" {
			t.Errorf("title = %q, want the cut %q", got, "What's Your Number")
		}
	})
}
