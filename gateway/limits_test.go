package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/gateway/invoke"
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

// TestEventSizeLimit sends requests whose event is under and over Lambda's
// 6 MB invocation payload limit, in process and through aws-lambda-rie: an
// event over it gets API Gateway's 413 in both modes without an invocation,
// one under it reaches the function.
func TestEventSizeLimit(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		size        int
		status      int
	}{
		{"text event under the limit", "text/plain", invoke.MaxPayloadBytes - 4096, http.StatusOK},
		{"text event over the limit", "text/plain", invoke.MaxPayloadBytes + 1, http.StatusRequestEntityTooLarge},
		{"7 MB text body", "application/json", 7_000_000, http.StatusRequestEntityTooLarge},
		{"binary body over the limit once base64-encoded", "", 5 << 20, http.StatusRequestEntityTooLarge},
	}
	modes := []struct {
		name    string
		invoker func(t *testing.T, calls *atomic.Int64) invoke.Invoker
	}{
		{"inprocess", func(_ *testing.T, calls *atomic.Int64) invoke.Invoker {
			return handlerInvoker(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				calls.Add(1)
				return okHandler(ctx, ev)
			})
		}},
		{"rie", func(t *testing.T, calls *atomic.Int64) invoke.Invoker {
			pool := goldenRIE.get(t)
			goldenRIE.setAnswer(t, okHandlerPayload(t))
			inv := &rieCaseInvoker{pool: pool}
			return invokerFunc(func(ctx context.Context, function string, payload []byte) ([]byte, error) {
				calls.Add(1)
				return inv.Invoke(ctx, function, payload)
			})
		}},
	}
	for _, mode := range modes {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				var calls atomic.Int64
				h := New(Config{Invoker: mode.invoker(t, &calls)})
				r := httptest.NewRequest(http.MethodGet, "/list", strings.NewReader(strings.Repeat("a", tt.size)))
				if tt.contentType != "" {
					r.Header.Set("Content-Type", tt.contentType)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tt.status {
					t.Fatalf("status %d, want %d (body %.100s)", w.Code, tt.status, w.Body)
				}
				if tt.status == http.StatusOK {
					if calls.Load() != 1 {
						t.Errorf("function invoked %d times, want once", calls.Load())
					}
					return
				}
				if w.Body.String() != `{"message":"Request Entity Too Large"}` || w.Header().Get("Content-Type") != "application/json" {
					t.Errorf("body %s (%s), want API Gateway's JSON 413", w.Body, w.Header().Get("Content-Type"))
				}
				if calls.Load() != 0 {
					t.Errorf("function invoked %d times for an event over the limit", calls.Load())
				}
			})
		}
	}
}
