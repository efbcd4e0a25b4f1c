package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/movieskit/movies/deploy"
)

// corsAnswer is a function response that sets its own CORS header, which
// API Gateway replaces when the API has a CORS configuration.
const corsAnswer = `{"statusCode":200,"headers":{"content-type":"application/json","access-control-allow-origin":"https://evil.example","x-own":"1"},"body":"{}"}`

// TestCORS checks CORS as docs/FIDELITY.md describes it, with the function in
// process (rie_test.go: under the RIE): preflights, and other OPTIONS no
// route takes, answered by the gateway without an invocation, the configured
// headers on the function's responses in place of its own and on the
// gateway's own answers, nothing added for other origins, and nothing at all
// when off. The response goldens cors_* pin whole answers.
func TestCORS(t *testing.T) {
	testCORS(t, "inprocess", func(*testing.T) Invoker { return payloadInvoker(corsAnswer) })
}

// testCORS is TestCORS with the function that newInvoker returns, which
// answers corsAnswer.
func testCORS(t *testing.T, mode string, newInvoker func(t *testing.T) Invoker) {
	cfg := deploy.CORS{
		AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET"},
		AllowHeaders: []string{"content-type", "authorization"}, ExposeHeaders: []string{"apigw-requestid"}, MaxAge: 300,
	}
	tests := []struct {
		name    string
		cors    deploy.CORS
		method  string
		header  http.Header
		status  int
		want    map[string]string // response headers; "" means absent
		invoked bool
	}{
		{"preflight from an allowed origin", cfg, http.MethodOptions,
			http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"}}, http.StatusNoContent,
			map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "GET",
				"Access-Control-Allow-Headers": "content-type,authorization", "Access-Control-Max-Age": "300"}, false},
		{"preflight from another origin", cfg, http.MethodOptions,
			http.Header{"Origin": {"https://other.example"}, "Access-Control-Request-Method": {"GET"}}, http.StatusNoContent,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}, false},
		{"preflight asking for a header not allowed", cfg, http.MethodOptions,
			http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"},
				"Access-Control-Request-Headers": {"x-api-key"}}, http.StatusNoContent,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Headers": ""}, false},
		{"OPTIONS that is no preflight", cfg, http.MethodOptions,
			http.Header{"Origin": {"https://app.example"}}, http.StatusNoContent,
			map[string]string{"Access-Control-Allow-Origin": "", "Content-Type": ""}, false},
		{"GET from an allowed origin", cfg, http.MethodGet, http.Header{"Origin": {"https://app.example"}}, http.StatusOK,
			map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Vary": "origin",
				"Access-Control-Expose-Headers": "apigw-requestid", "X-Own": "1"}, true},
		{"no route from an allowed origin", cfg, http.MethodPost, http.Header{"Origin": {"https://app.example"}}, http.StatusNotFound,
			map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Vary": "origin"}, false},
		{"GET from another origin", cfg, http.MethodGet, http.Header{"Origin": {"https://other.example"}}, http.StatusOK,
			map[string]string{"Access-Control-Allow-Origin": "", "X-Own": "1"}, true},
		{"GET without origin", cfg, http.MethodGet, nil, http.StatusOK,
			map[string]string{"Access-Control-Allow-Origin": ""}, true},
		{"every origin", deploy.CORS{AllowOrigins: []string{"*"}}, http.MethodGet, http.Header{"Origin": {"https://x.example"}}, http.StatusOK,
			map[string]string{"Access-Control-Allow-Origin": "*", "Vary": ""}, true},
		{"off: preflight is routed (404)", deploy.CORS{}, http.MethodOptions,
			http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"}}, http.StatusNotFound, nil, false},
		{"off: the function's own headers pass", deploy.CORS{}, http.MethodGet, http.Header{"Origin": {"https://app.example"}}, http.StatusOK,
			map[string]string{"Access-Control-Allow-Origin": "https://evil.example"}, true},
	}
	for _, tt := range tests {
		t.Run(mode+"/"+tt.name, func(t *testing.T) {
			calls := 0
			inv := newInvoker(t)
			counting := invokerFunc(func(ctx context.Context, function string, payload []byte) ([]byte, error) {
				calls++
				return inv.Invoke(ctx, function, payload)
			})
			cfg := fixedConfig(counting)
			cfg.CORS = tt.cors
			r := httptest.NewRequest(tt.method, "/list", nil)
			for name, values := range tt.header {
				r.Header[name] = values
			}
			w := httptest.NewRecorder()
			New(cfg).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (body %s)", w.Code, tt.status, w.Body)
			}
			if (calls > 0) != tt.invoked {
				t.Errorf("function invoked %d times, want invoked=%v", calls, tt.invoked)
			}
			for name, want := range tt.want {
				if got := w.Header().Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}
