package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// TestQueryParametersRepeatedNameIsLinear decodes a query that repeats one
// name 200,000 times: joined once at the end, not by concatenation per value
// (which took 30 s of CPU for a 720 KB query).
func TestQueryParametersRepeatedNameIsLinear(t *testing.T) {
	const n = 200_000
	q := strings.Repeat("x=1&", n-1) + "x=1"
	got := queryParameters(q)["x"]
	if want := strings.Repeat("1,", n-1) + "1"; got != want {
		t.Fatalf("x has %d bytes, want %d", len(got), len(want))
	}
}

// TestRequestBounds checks the gateway's own bounds on query parameters and
// header fields: a request over them is refused with API Gateway's JSON
// error before any invocation.
func TestRequestBounds(t *testing.T) {
	manyHeaders := http.Header{}
	for i := range MaxHeaderFields + 1 {
		manyHeaders.Add("X-H"+strconv.Itoa(i), "v")
	}
	tests := []struct {
		name   string
		target string
		header http.Header
		status int
		body   string
	}{
		{"query at the bound", "/list?" + strings.Repeat("x&", MaxQueryParameters-1) + "limit=1", nil, http.StatusOK, ""},
		{"query over the bound", "/list?" + strings.Repeat("x&", MaxQueryParameters) + "limit=1", nil,
			http.StatusBadRequest, `{"message":"Bad Request"}`},
		{"hostile query", "/list?limit=1" + strings.Repeat("&x", 360_000), nil, http.StatusBadRequest, `{"message":"Bad Request"}`},
		{"header fields over the bound", "/list", manyHeaders,
			http.StatusRequestHeaderFieldsTooLarge, `{"message":"Request Header Fields Too Large"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for name, values := range tt.header {
				r.Header[name] = values
			}
			w := httptest.NewRecorder()
			New(Config{Invoker: rec}).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status == http.StatusOK {
				return
			}
			if w.Body.String() != tt.body || w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("body %s (%s), want %s", w.Body, w.Header().Get("Content-Type"), tt.body)
			}
			if len(rec.payloads) != 0 {
				t.Error("function invoked for a refused request")
			}
		})
	}
}

// TestClientGoneIsNotAnError checks that a client that hangs up before its
// answer is logged once, as 499 at info level, not as a 5xx error.
func TestClientGoneIsNotAnError(t *testing.T) {
	var logs bytes.Buffer
	started := make(chan struct{})
	h := New(Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Invoker: handlerInvoker(
		func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			close(started)
			<-ctx.Done()
			return events.APIGatewayV2HTTPResponse{}, ctx.Err()
		})})
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest(http.MethodGet, "/list", nil).WithContext(ctx)
	go func() {
		<-started
		time.Sleep(10 * time.Millisecond)
		cancel()
	}()
	h.ServeHTTP(httptest.NewRecorder(), r)
	line := logs.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, `"status":499`) || !strings.Contains(line, `"level":"INFO"`) {
		t.Errorf("access log %q, want one INFO line with status 499", line)
	}
}
