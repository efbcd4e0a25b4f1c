package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/movieskit/movies/deploy"
)

// TestThrottle checks the throttle's share of 429s with the function in
// process (rie_test.go: under the RIE).
func TestThrottle(t *testing.T) {
	testThrottle(t, "inprocess", func(*testing.T) Invoker { return handlerInvoker(okHandler) })
}

// testThrottle sends 300 requests in one second of an injected clock to a
// gateway with the stack's default throttle (deploy.DefaultThrottle: a
// bucket of 100, refilled at 50 a second) and counts the 429s exactly, as
// the token bucket defines them; the throttle refuses before any invocation,
// so the count is the same whatever runs the function. newInvoker returns a
// function that answers 200.
func testThrottle(t *testing.T, mode string, newInvoker func(t *testing.T) Invoker) {
	const requests = 300
	step := time.Second / requests // 3,333,333 ns: the clock's step between two requests
	// The bucket is full (100 tokens) at the first request. The 299 that
	// follow come step apart, so by the last one 299 × 3,333,333 ns =
	// 0.996666567 s have refilled 50 × 0.996666567 = 49.83 tokens: 100 + 49
	// requests pass, and the other 151 find the bucket empty. (A token
	// refills every 6 steps, a hair under, 0.99999990 tokens, so no request
	// sits exactly on a refill.)
	const wantPassed, wantThrottled = 149, 151
	start := fixedTime
	throttled := deploy.DefaultThrottle
	tests := []struct {
		name            string
		throttle        *deploy.Throttle
		target          func(i int) string
		passed, tooMany int
	}{
		{"one route", &throttled, func(int) string { return "/list" }, wantPassed, wantThrottled},
		{"off", nil, func(int) string { return "/list" }, requests, 0},
		// Each route has its own bucket: the 150 requests of each of two
		// routes span 298 steps, which refill 50 × 298 × 3,333,333 ns =
		// 49.67 tokens, so 100 + 49 pass on each.
		{"two routes", &throttled, func(i int) string {
			if i%2 == 0 {
				return "/list"
			}
			return "/get/2013/Rush"
		}, 2 * wantPassed, requests - 2*wantPassed},
	}
	for _, tt := range tests {
		t.Run(mode+"/"+tt.name, func(t *testing.T) {
			var now atomic.Int64 // the injected clock, in steps since start
			var calls atomic.Int64
			inv := newInvoker(t)
			cfg := fixedConfig(invokerFunc(func(ctx context.Context, function string, payload []byte) ([]byte, error) {
				calls.Add(1)
				return inv.Invoke(ctx, function, payload)
			}))
			cfg.Now = func() time.Time { return start.Add(time.Duration(now.Load()) * step) }
			cfg.Throttle = tt.throttle
			h := New(cfg)
			passed, tooMany := 0, 0
			for i := range requests {
				now.Store(int64(i))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.target(i), nil))
				switch w.Code {
				case http.StatusOK:
					passed++
				case http.StatusTooManyRequests:
					tooMany++
					if w.Body.String() != `{"message":"Too Many Requests"}` || w.Header().Get("Content-Type") != "application/json" {
						t.Fatalf("429 body %s (%s)", w.Body, w.Header().Get("Content-Type"))
					}
				default:
					t.Fatalf("request %d: status %d, body %s", i, w.Code, w.Body)
				}
			}
			if passed != tt.passed || tooMany != tt.tooMany {
				t.Errorf("%d passed and %d throttled, want %d and %d", passed, tooMany, tt.passed, tt.tooMany)
			}
			if calls.Load() != int64(passed) {
				t.Errorf("%d invocations for %d requests passed: a throttled request must not invoke", calls.Load(), passed)
			}
		})
	}
}
