package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
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
	hostile := "/list?limit=1" + strings.Repeat("&x", 360_000)
	tests := []struct {
		name   string
		target string
		header http.Header
		quota  int // Config.HeaderQuota
		status int
		body   string
	}{
		{"query at the bound", "/list?" + strings.Repeat("x&", MaxQueryParameters-1) + "limit=1", nil, 0, http.StatusOK, ""},
		{"query over the bound", "/list?" + strings.Repeat("x&", MaxQueryParameters) + "limit=1", nil, 0,
			http.StatusBadRequest, `{"message":"Bad Request"}`},
		{"hostile query", hostile, nil, 0, http.StatusRequestHeaderFieldsTooLarge, `{"message":"Request Header Fields Too Large"}`},
		{"hostile query, quota raised", hostile, nil, MaxHeaderBytes, http.StatusBadRequest, `{"message":"Bad Request"}`},
		{"header fields over the bound", "/list", manyHeaders, 0,
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
			New(Config{Invoker: rec, HeaderQuota: tt.quota}).ServeHTTP(w, r)
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
// 6 MB invocation payload limit, in process (rie_test.go: through
// aws-lambda-rie): an event over it gets API Gateway's 413 without an
// invocation, one under it reaches the function.
func TestEventSizeLimit(t *testing.T) {
	testEventSizeLimit(t, "inprocess", func(_ *testing.T, calls *atomic.Int64) Invoker {
		return handlerInvoker(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			calls.Add(1)
			return okHandler(ctx, ev)
		})
	})
}

// testEventSizeLimit is TestEventSizeLimit with the function that newInvoker
// returns, which counts its invocations in calls and answers okHandler's
// response.
func testEventSizeLimit(t *testing.T, mode string, newInvoker func(t *testing.T, calls *atomic.Int64) Invoker) {
	tests := []struct {
		name        string
		contentType string
		size        int
		status      int
	}{
		{"text event under the limit", "text/plain", MaxPayloadBytes - 4096, http.StatusOK},
		{"text event over the limit", "text/plain", MaxPayloadBytes + 1, http.StatusRequestEntityTooLarge},
		{"7 MB text body", "application/json", 7_000_000, http.StatusRequestEntityTooLarge},
		{"binary body over the limit once base64-encoded", "", 5 << 20, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(mode+"/"+tt.name, func(t *testing.T) {
			var calls atomic.Int64
			h := New(Config{Invoker: newInvoker(t, &calls)})
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

// stuckWriter is a ResponseWriter whose body writes block until release is
// closed, as writes to a client that never reads do.
type stuckWriter struct {
	*httptest.ResponseRecorder
	writing chan<- struct{} // a write has started
	release <-chan struct{}
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	w.writing <- struct{}{}
	<-w.release
	return w.ResponseRecorder.Write(p)
}

func (w *stuckWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// serveStuck serves n requests for /list with h, each to a client that does
// not read its answer until release is closed, and returns when each answer
// is being written; done gets each request's end.
func serveStuck(h http.Handler, n int, release <-chan struct{}) (done <-chan struct{}) {
	writing, ended := make(chan struct{}, n), make(chan struct{}, n)
	for range n {
		go func() {
			w := &stuckWriter{ResponseRecorder: httptest.NewRecorder(), writing: writing, release: release}
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/list", nil))
			ended <- struct{}{}
		}()
	}
	for range n {
		<-writing
	}
	return ended
}

// TestResponseBudget checks the bound on response bytes in flight: an
// invocation holds Lambda's 6 MB until its response is known, then its body
// until the body is written; a request that cannot get its share within the
// integration timeout gets 503 without an invocation.
func TestResponseBudget(t *testing.T) {
	t.Run("invocations beyond the budget wait", func(t *testing.T) {
		const budget, clients = 2, 6
		var inside, peak atomic.Int64
		entered := make(chan struct{}, clients)
		release := make(chan struct{})
		g := New(Config{maxBytesInFlight: budget * MaxPayloadBytes, Invoker: handlerInvoker(
			func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				raisePeak(&peak, inside.Add(1))
				defer inside.Add(-1)
				entered <- struct{}{}
				<-release
				return okHandler(ctx, ev)
			})}).(*gateway)
		codes := make(chan int, clients)
		for range clients {
			go func() {
				w := httptest.NewRecorder()
				g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/list", nil))
				codes <- w.Code
			}()
		}
		for range budget {
			<-entered
		}
		if g.inFlight.TryAcquire(1) { // two invocations hold the whole budget
			g.inFlight.Release(1)
			t.Error("the budget has room left with two invocations running")
		}
		close(release) // the others get their share as these finish
		for range clients {
			if code := <-codes; code != http.StatusOK {
				t.Errorf("status %d, want 200", code)
			}
		}
		if p := peak.Load(); p != budget {
			t.Errorf("%d invocations at once, want %d", p, budget)
		}
	})
	t.Run("a request that waits past the integration timeout gets 503", func(t *testing.T) {
		var calls atomic.Int64
		h := New(Config{maxBytesInFlight: MaxPayloadBytes, Timeout: 200 * time.Millisecond, Invoker: handlerInvoker(
			func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				calls.Add(1)
				return okHandler(ctx, ev)
			})})
		release := make(chan struct{})
		done := serveStuck(h, 1, release) // holds its body: less than 6 MB is left
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/list", nil))
		close(release)
		<-done
		if w.Code != http.StatusServiceUnavailable || w.Body.String() != `{"message":"Service Unavailable"}` {
			t.Errorf("second request: %d %s, want API Gateway's 503", w.Code, w.Body)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("%d invocations, want the first only", n)
		}
	})
	t.Run("a response being written holds only its body", func(t *testing.T) {
		h := New(Config{maxBytesInFlight: 2 * MaxPayloadBytes, Timeout: 2 * time.Second, Invoker: InProcess(okFuncs())})
		release := make(chan struct{})
		done := serveStuck(h, 2, release)
		for range 3 { // two clients that do not read leave room for an invocation
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/list", nil))
			if w.Code != http.StatusOK {
				t.Errorf("status %d, want 200 while two answers are being written", w.Code)
			}
		}
		close(release)
		<-done
		<-done
	})
}

// TestResponseBudgetHeldUntilInvocationEnds checks that an invocation holds
// Lambda's 6 MB of the response budget until the function returns, not only
// until its request ends: a function that ignores its context runs on past
// the integration timeout, or after its client is gone, and meanwhile another
// request finds no room (503 without an invocation); the 6 MB come back when
// the function returns, whether it answers or panics.
func TestResponseBudgetHeldUntilInvocationEnds(t *testing.T) {
	inProcess := func(run func()) Invoker {
		return handlerInvoker(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			run()
			return okHandler(ctx, ev)
		})
	}
	tests := []struct {
		name string
		// invoker returns the invoker of a function that calls run, which
		// returns when the test lets it, whatever the context says.
		invoker func(run func()) Invoker
		// clientGone: the client goes away while the function runs, long
		// before the integration timeout.
		clientGone bool
	}{
		{"in process, past the integration timeout", inProcess, false},
		{"JSON payload, past the integration timeout", func(run func()) Invoker {
			return invokerFunc(func(context.Context, string, []byte) ([]byte, error) {
				run()
				return []byte(`{"statusCode":200,"body":"ok"}`), nil
			})
		}, false},
		{"invoker that panics past the integration timeout", func(run func()) Invoker {
			return invokerFunc(func(context.Context, string, []byte) ([]byte, error) {
				run()
				panic("late")
			})
		}, false},
		{"in process, client gone", inProcess, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNoGoroutineLeak(t)
			var calls atomic.Int64
			entered, release := make(chan struct{}, 8), make(chan struct{})
			run := func() {
				calls.Add(1)
				entered <- struct{}{}
				<-release
			}
			timeout := MinTimeout
			if tt.clientGone {
				timeout = MaxTimeout
			}
			g := New(Config{maxBytesInFlight: MaxPayloadBytes, Timeout: timeout, Invoker: tt.invoker(run)}).(*gateway)

			client, leave := context.WithCancel(context.Background())
			defer leave()
			first := make(chan int, 1)
			go func() {
				w := httptest.NewRecorder()
				g.ServeHTTP(w, httptest.NewRequestWithContext(client, http.MethodGet, "/list", nil))
				first <- w.Code
			}()
			<-entered
			if tt.clientGone {
				leave()
			}
			if code := <-first; !tt.clientGone && code != http.StatusServiceUnavailable {
				t.Errorf("first request: status %d, want 503 past the integration timeout", code)
			}
			// The request has ended; its function still runs and holds the budget.
			if g.inFlight.TryAcquire(1) {
				g.inFlight.Release(1)
				t.Error("the budget has room while the abandoned invocation runs")
			}
			if !tt.clientGone {
				w := httptest.NewRecorder()
				g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/list", nil))
				if w.Code != http.StatusServiceUnavailable {
					t.Errorf("second request: status %d, want 503 while the first invocation runs", w.Code)
				}
				if n := calls.Load(); n != 1 {
					t.Errorf("%d invocations at once, want 1", n)
				}
			}

			close(release)
			wait, stop := context.WithTimeout(context.Background(), 10*time.Second) // bounds a hang only
			defer stop()
			if err := g.inFlight.Acquire(wait, MaxPayloadBytes); err != nil {
				t.Fatalf("the budget did not come back when the function returned: %v", err)
			}
			g.inFlight.Release(MaxPayloadBytes)
		})
	}
}

// TestHeaderQuota sends requests over a real connection, byte for byte, and
// checks API Gateway's quota on the request line plus header values
// (HeaderQuotaBytes, 10,240 bytes): a request at the quota is served, one
// byte more is 431 with API Gateway's JSON error, without an invocation.
// Each request is "GET <target> HTTP/1.1" (the line counts without its line
// end) with "Host: h" (1 byte of value) and padding; header names, colons
// and line ends do not count.
func TestHeaderQuota(t *testing.T) {
	// line returns the request line of target and the Host field; it counts
	// len("GET ") + len(target) + len(" HTTP/1.1") + len("h") bytes.
	line := func(target string) (string, int) {
		return "GET " + target + " HTTP/1.1\r\nHost: h\r\n", len("GET ") + len(target) + len(" HTTP/1.1") + len("h")
	}
	base, used := line("/list") // 19 bytes
	pad := func(n int) string { return strings.Repeat("p", n) }
	longName := "X-" + pad(5000)
	tests := []struct {
		name   string
		raw    string
		quota  int // Config.HeaderQuota, 0 for the cloud's
		status int
	}{
		{"at the quota", base + "X-Pad: " + pad(HeaderQuotaBytes-used) + "\r\n\r\n", 0, http.StatusOK},
		{"one byte over", base + "X-Pad: " + pad(HeaderQuotaBytes-used+1) + "\r\n\r\n", 0, http.StatusRequestHeaderFieldsTooLarge},
		{"names do not count", base + longName + ": " + pad(HeaderQuotaBytes-used) + "\r\n\r\n", 0, http.StatusOK},
		{"spaces around a value do not count", base + "X-Pad:   " + pad(HeaderQuotaBytes-used) + "   \r\n\r\n", 0, http.StatusOK},
		{"a repeated field counts each line", base + "X-Pad: " + pad(5000) + "\r\nX-Pad: " + pad(HeaderQuotaBytes-used-5000+1) + "\r\n\r\n",
			0, http.StatusRequestHeaderFieldsTooLarge},
		{"the query counts", func() string {
			l, n := line("/list?q=" + pad(HeaderQuotaBytes-used-len("?q=")))
			if n != HeaderQuotaBytes {
				t.Fatalf("query line counts %d", n)
			}
			return l + "\r\n"
		}(), 0, http.StatusOK},
		{"the query counts, one byte over", func() string {
			l, _ := line("/list?q=" + pad(HeaderQuotaBytes-used-len("?q=")+1))
			return l + "\r\n"
		}(), 0, http.StatusRequestHeaderFieldsTooLarge},
		{"Transfer-Encoding counts, at the quota", base + "Transfer-Encoding: chunked\r\nX-Pad: " + pad(HeaderQuotaBytes-used-len("chunked")) + "\r\n\r\n0\r\n\r\n",
			0, http.StatusOK},
		{"Transfer-Encoding counts", base + "Transfer-Encoding: chunked\r\nX-Pad: " + pad(HeaderQuotaBytes-used-len("chunked")+1) + "\r\n\r\n0\r\n\r\n",
			0, http.StatusRequestHeaderFieldsTooLarge},
		{"a 12 KB header", base + "X-Big: " + pad(12<<10) + "\r\n\r\n", 0, http.StatusRequestHeaderFieldsTooLarge},
		{"a 60 KB cookie", base + "Cookie: a=" + pad(60<<10) + "\r\n\r\n", 0, http.StatusRequestHeaderFieldsTooLarge},
		{"an 11 KB query", func() string { l, _ := line("/list?cursor=" + pad(11<<10)); return l + "\r\n" }(), 0, http.StatusRequestHeaderFieldsTooLarge},
		{"a 12 KB header, quota raised", base + "X-Big: " + pad(12<<10) + "\r\n\r\n", MaxHeaderBytes, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			addr, _ := startServe(t, func(l *slog.Logger) http.Handler {
				return New(Config{Logger: l, HeaderQuota: tt.quota, Invoker: invokerFunc(func(context.Context, string, []byte) ([]byte, error) {
					calls.Add(1)
					return []byte(`{"statusCode":200,"body":"ok"}`), nil
				})})
			}, testLimits)
			resp := rawExchange(t, addr, tt.raw)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusOK {
				return
			}
			if string(body) != `{"message":"Request Header Fields Too Large"}` || resp.Header.Get("Apigw-Requestid") == "" {
				t.Errorf("body %s, apigw-requestid %q", body, resp.Header.Get("Apigw-Requestid"))
			}
			if calls.Load() != 0 {
				t.Error("function invoked for a request over the quota")
			}
		})
	}
}
