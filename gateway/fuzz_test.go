package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
)

// payloadRecorder is an Invoker that keeps the last event it received and
// answers every invocation with a fixed 200 response.
type payloadRecorder struct {
	mu       sync.Mutex
	calls    int
	function string
	payload  []byte
}

func (r *payloadRecorder) Invoke(_ context.Context, function string, payload []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.function, r.payload = function, append([]byte(nil), payload...)
	return []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{}"}`), nil
}

// FuzzGatewayEvent sends arbitrary requests (method, request target, header
// lines, body), parsed by net/http exactly as the server parses them, through
// the gateway with a recording invoker. The gateway must not panic; a request
// that matches no route gets a JSON 404 without an invocation, one whose path
// does not survive API Gateway's decoding a JSON 400 without one; a matched one
// is invoked once with a valid JSON event whose rawPath is the request path
// decoded as API Gateway decodes it, whose rawQueryString is the query as
// sent, whose header names are lower case and whose body is the request body
// (base64 when binary).
func FuzzGatewayEvent(f *testing.F) {
	f.Add("GET", "/list?limit=3&year=2013", "Accept: application/json\r\n", []byte(nil))
	f.Add("GET", "/get/2013/Rush", "Cookie: a=1; b=2\r\nX-Forwarded-For: 10.0.0.1\r\n", []byte(nil))
	f.Add("GET", "/get/1997/Face/Off?x=%zz&x=2&+=", "", []byte(nil))
	f.Add("GET", "/get/2013/Rush%20%E2%9C%93", "Content-Type: text/plain\r\n", []byte("hello"))
	f.Add("GET", "/list", "Content-Type: image/png\r\n", []byte{0, 1, 2, 0xff})
	f.Add("POST", "/list", "", []byte(`{"a":1}`))
	f.Add("GET", "http://example.com/list?q=1", "", []byte(nil))
	f.Add("GET", "/get//", "", []byte(nil))
	f.Add("GET", "/get/2013/%", "", []byte(nil))
	f.Add("GET", "/get/2013/percent%25done", "", []byte(nil))
	f.Add("GET", "/get/2013/literal%253Fvalue?x=1", "", []byte(nil))
	f.Add("GET", "/get/2011/What%27s%20Your%20Number%3F", "", []byte(nil))
	f.Add("GET", "/get/2011?title=What%27s+Your+Number%3F", "", []byte(nil))
	f.Add("OPTIONS", "*", "", []byte(nil))
	f.Fuzz(func(t *testing.T, method, target, headerLines string, body []byte) {
		req := parseRequest(method, target, headerLines, body)
		if req == nil {
			return // net/http refuses it before any handler runs
		}
		rec := &payloadRecorder{}
		h := gateway.New(gateway.Config{Invoker: rec})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)

		if w.Header().Get("Apigw-Requestid") == "" {
			t.Errorf("no apigw-requestid header")
		}
		if w.Code != http.StatusOK {
			checkErrorBody(t, w)
		}
		if (w.Code == http.StatusNotFound || w.Code == http.StatusBadRequest) && rec.calls != 0 {
			t.Fatalf("%d after invoking %s", w.Code, rec.function)
		}
		if _, ok := cloudPath(req); !ok && w.Code != http.StatusBadRequest {
			t.Fatalf("path %q does not survive decoding, status %d, want 400", req.RequestURI, w.Code)
		}
		if rec.calls == 0 {
			return
		}
		if rec.calls != 1 {
			t.Fatalf("invoked %d times", rec.calls)
		}
		checkEvent(t, req, body, rec.payload)
	})
}

// parseRequest builds the raw HTTP/1.1 request and parses it with
// http.ReadRequest, as the server would. It returns nil when net/http refuses it.
func parseRequest(method, target, headerLines string, body []byte) *http.Request {
	if strings.ContainsAny(method+target, " \r\n") || strings.Contains(headerLines, "\r\n\r\n") {
		return nil // would change the request's framing, not its content
	}
	if headerLines != "" && !strings.HasSuffix(headerLines, "\r\n") {
		headerLines += "\r\n"
	}
	// Each header line must end in CRLF and be non-empty: a bare CR or LF, or
	// an empty line, would end the header block early (net/http accepts a bare
	// LF), so the Content-Length below would frame the body differently.
	for _, line := range strings.Split(strings.TrimSuffix(headerLines, "\r\n"), "\r\n") {
		if headerLines != "" && (line == "" || strings.ContainsAny(line, "\r\n")) {
			return nil
		}
	}
	lower := strings.ToLower(headerLines)
	if strings.Contains(lower, "content-length") || strings.Contains(lower, "transfer-encoding") || strings.Contains(lower, "host:") {
		return nil
	}
	var raw bytes.Buffer
	raw.WriteString(method + " " + target + " HTTP/1.1\r\nHost: api.example.com\r\n")
	raw.WriteString(headerLines)
	raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	raw.Write(body)
	req, err := http.ReadRequest(bufio.NewReader(&raw))
	if err != nil {
		return nil
	}
	req.RemoteAddr = "192.0.2.10:40000"
	return req
}

// checkErrorBody fails unless a gateway error response is {"message": string}.
func checkErrorBody(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("status %d body is not JSON: %q", w.Code, w.Body.String())
	}
	if _, ok := v["message"].(string); !ok || len(v) != 1 {
		t.Fatalf("status %d body is not {\"message\": string}: %s", w.Code, w.Body.String())
	}
}

// checkEvent checks the event the invoker received for req.
func checkEvent(t *testing.T, req *http.Request, body, payload []byte) {
	t.Helper()
	if !json.Valid(payload) {
		t.Fatalf("event is not valid JSON: %q", payload)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("decode event: %v", err)
	}
	if ev.Version != "2.0" || ev.RequestContext.HTTP.Method != req.Method {
		t.Fatalf("version %q method %q, want 2.0 %q", ev.Version, ev.RequestContext.HTTP.Method, req.Method)
	}
	route, params, ok := gateway.Match(deploy.Routes, req.Method, ev.RawPath)
	if !ok || route.Key() != ev.RouteKey {
		t.Fatalf("event rawPath %q does not match route %q", ev.RawPath, ev.RouteKey)
	}
	if len(params) != len(ev.PathParameters) {
		t.Fatalf("pathParameters %v, want %v", ev.PathParameters, params)
	}
	_, wantQuery, _ := strings.Cut(req.RequestURI, "?")
	// JSON carries only valid UTF-8: the path and query are compared only when
	// both are (invalid bytes become U+FFFD in the event).
	if wantPath, ok := cloudPath(req); ok && strings.HasPrefix(req.RequestURI, "/") && utf8.ValidString(wantPath) && utf8.ValidString(wantQuery) {
		if ev.RawPath != wantPath || ev.RawQueryString != wantQuery || ev.RequestContext.HTTP.Path != wantPath {
			t.Fatalf("rawPath %q rawQueryString %q, want %q %q", ev.RawPath, ev.RawQueryString, wantPath, wantQuery)
		}
	}
	if ev.RawQueryString == "" && len(ev.QueryStringParameters) != 0 {
		t.Fatalf("queryStringParameters %v without a query string", ev.QueryStringParameters)
	}
	for name := range ev.Headers {
		if name != strings.ToLower(name) {
			t.Fatalf("header name %q is not lower case", name)
		}
	}
	checkEventBody(t, &ev, body)
}

// cloudPath is the reference form of API Gateway's path decoding
// (docs/FIDELITY.md): the path as sent, decoded, cut at the first decoded
// '?', decoded again. ok is false when a decoding fails.
func cloudPath(req *http.Request) (string, bool) {
	sent, _, _ := strings.Cut(req.RequestURI, "?")
	if !strings.HasPrefix(sent, "/") {
		sent = req.URL.EscapedPath()
	}
	once, err := url.PathUnescape(sent)
	if err != nil {
		return "", false
	}
	once, _, _ = strings.Cut(once, "?")
	twice, err := url.PathUnescape(once)
	return twice, err == nil
}

// checkEventBody checks that the event carries the request body.
func checkEventBody(t *testing.T, ev *events.APIGatewayV2HTTPRequest, body []byte) {
	t.Helper()
	got := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			t.Fatalf("base64 body: %v", err)
		}
	} else if !utf8.Valid(body) {
		return // JSON cannot carry invalid UTF-8 as text
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("event body %q, want %q", got, body)
	}
}
