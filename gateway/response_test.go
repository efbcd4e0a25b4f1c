package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
)

// payloadInvoker answers every invocation with the same raw payload.
func payloadInvoker(payload string) Invoker {
	return invokerFunc(func(context.Context, string, []byte) ([]byte, error) {
		return []byte(payload), nil
	})
}

// handlerInvoker serves every function with h in process.
func handlerInvoker(h deploy.Function) Invoker {
	funcs := map[string]deploy.Function{}
	for _, name := range deploy.FunctionNames() {
		funcs[name] = h
	}
	return InProcess(funcs)
}

type responseCase struct {
	name    string
	invoker Invoker
	method  string
	target  string
	timeout time.Duration
	// payload is the function's answer in both modes, when the case is one.
	payload string
	// header returns the request's headers for the server at host.
	header func(host string) http.Header
	// config changes the gateway's configuration.
	config func(*Config)
	// before is how many requests are sent before the golden one.
	before int
}

// payloadCase is a case whose function answers payload.
func payloadCase(name, payload string) responseCase {
	return responseCase{name: name, invoker: payloadInvoker(payload), payload: payload}
}

func responseCases() []responseCase {
	return []responseCase{
		payloadCase("structured", `{"statusCode":201,
			"headers":{"Content-Type":"text/plain","x-one":"1"},
			"multiValueHeaders":{"X-Multi":["a","b"]},
			"cookies":["a=1; Path=/; HttpOnly","b=2"],
			"body":"hello"}`),
		payloadCase("base64_body", `{"statusCode":200,"headers":{"content-type":"application/octet-stream"},"body":"AAEC/w==","isBase64Encoded":true}`),
		payloadCase("no_content_type", `{"statusCode":204}`),
		payloadCase("null_fields", `{"statusCode":200,"headers":null,"multiValueHeaders":null,"cookies":null,"body":"x"}`),
		payloadCase("json_without_status", `{"movies":[{"year":2013,"title":"Rush"}]}`),
		payloadCase("json_string", `"hello"`),
		payloadCase("json_array", `[1,2]`),
		payloadCase("invalid_json", `{"statusCode":`),
		payloadCase("not_json", `hello`),
		payloadCase("status_out_of_range", `{"statusCode":42}`),
		payloadCase("status_100", `{"statusCode":100,"body":"x"}`),
		payloadCase("status_101", `{"statusCode":101,"headers":{"upgrade":"websocket","connection":"upgrade"}}`),
		payloadCase("status_199", `{"statusCode":199,"body":"x"}`),
		payloadCase("status_null", `{"statusCode":null,"body":"x"}`),
		payloadCase("status_wrong_type", `{"statusCode":true}`),
		payloadCase("invalid_base64", `{"statusCode":200,"body":"***","isBase64Encoded":true}`),
		{name: "handler_struct", invoker: handlerInvoker(okHandler)},
		{name: "handler_error", invoker: handlerInvoker(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, errors.New("boom: secret table name")
		})},
		{name: "handler_panic", invoker: handlerInvoker(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			panic("boom: secret table name")
		})},
		{name: "invoker_error", invoker: invokerFunc(func(context.Context, string, []byte) ([]byte, error) {
			return nil, errors.New("dial unix /secret: connection refused")
		})},
		{name: "unknown_function", invoker: InProcess(nil)},
		{name: "no_invoker", invoker: nil},
		{name: "invoker_panics", invoker: invokerFunc(func(context.Context, string, []byte) ([]byte, error) {
			panic("secret invoker bug")
		})},
		{name: "slow_handler_honours_context", timeout: 50 * time.Millisecond, invoker: handlerInvoker(func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			<-ctx.Done()
			return events.APIGatewayV2HTTPResponse{}, ctx.Err()
		})},
		{name: "slow_handler_ignores_context", timeout: 50 * time.Millisecond, invoker: handlerInvoker(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			time.Sleep(300 * time.Millisecond)
			return okHandler(context.Background(), events.APIGatewayV2HTTPRequest{})
		})},
		{name: "no_route", invoker: handlerInvoker(okHandler), target: "/nope"},
		{name: "wrong_method", invoker: handlerInvoker(okHandler), method: http.MethodPost},
		{name: "trailing_slash", invoker: handlerInvoker(okHandler), target: "/list/"},
		{name: "bad_path_percent", invoker: handlerInvoker(okHandler), target: "/get/2013/percent%25done"},
		{name: "bad_path_escape", invoker: handlerInvoker(okHandler), target: "/get/2013/bad%25zz"},
		payloadCase("multi_value_headers_ignored", `{"statusCode":200,"headers":{"content-type":"application/json","x-one":"1"},"multiValueHeaders":{"X-Multi":["a","b"],"x-one":["0"]},"body":"{}"}`),
		payloadCase("status_without_content_type", `{"statusCode":200,"body":"{\"ok\":true}"}`),
		{name: "header_quota_at_limit", invoker: handlerInvoker(okHandler), header: quotaHeader(HeaderQuotaBytes)},
		{name: "header_quota_over_limit", invoker: handlerInvoker(okHandler), header: quotaHeader(HeaderQuotaBytes + 1)},
		{name: "throttled", invoker: handlerInvoker(okHandler), config: throttleOne, before: 1},
		{name: "cors_origin_echoed", invoker: payloadInvoker(corsVaryAnswer), payload: corsVaryAnswer,
			config: withCORS(goldenCORS), header: origin("https://app.example")},
		{name: "cors_every_origin", invoker: handlerInvoker(okHandler),
			config: withCORS(deploy.CORS{AllowOrigins: []string{"*"}}), header: origin("https://app.example")},
		{name: "cors_origin_not_allowed", invoker: handlerInvoker(okHandler),
			config: withCORS(goldenCORS), header: origin("https://other.example")},
		{name: "cors_preflight", method: http.MethodOptions, invoker: handlerInvoker(okHandler), config: withCORS(goldenCORS),
			header: preflight("https://app.example", "GET", "Content-Type")},
		{name: "cors_preflight_every_method_and_header", method: http.MethodOptions, invoker: handlerInvoker(okHandler),
			config: withCORS(deploy.CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}, MaxAge: -1}),
			header: preflight("https://app.example", "DELETE", "authorization,x-anything")},
		{name: "cors_preflight_header_not_allowed", method: http.MethodOptions, invoker: handlerInvoker(okHandler),
			config: withCORS(goldenCORS), header: preflight("https://app.example", "GET", "content-type,authorization")},
		{name: "cors_preflight_method_not_allowed", method: http.MethodOptions, invoker: handlerInvoker(okHandler),
			config: withCORS(goldenCORS), header: preflight("https://app.example", "DELETE", "")},
		{name: "cors_options_not_preflight", method: http.MethodOptions, invoker: handlerInvoker(okHandler),
			config: withCORS(goldenCORS), header: origin("https://app.example")},
		{name: "cors_no_route", target: "/nope", invoker: handlerInvoker(okHandler),
			config: withCORS(goldenCORS), header: origin("https://app.example")},
		{name: "cors_bad_path", target: "/get/2013/percent%25done", invoker: handlerInvoker(okHandler),
			config: withCORS(goldenCORS), header: origin("https://app.example")},
		{name: "cors_throttled", invoker: handlerInvoker(okHandler), before: 1,
			config: func(cfg *Config) { withCORS(goldenCORS)(cfg); throttleOne(cfg) }, header: origin("https://app.example")},
		{name: "cors_header_quota", invoker: handlerInvoker(okHandler), config: withCORS(goldenCORS),
			header: func(host string) http.Header {
				h := quotaHeader(HeaderQuotaBytes + 1)(host)
				h.Set("Origin", "https://app.example")
				return h
			}},
		{name: "cors_invalid_response", invoker: payloadInvoker(`{"statusCode":`), payload: `{"statusCode":`,
			config: withCORS(goldenCORS), header: origin("https://app.example")},
	}
}

// goldenCORS is the CORS configuration of the cors_* response cases.
var goldenCORS = deploy.CORS{
	AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET"}, AllowHeaders: []string{"content-type"},
	ExposeHeaders: []string{"apigw-requestid"}, MaxAge: 300, AllowCredentials: true,
}

// corsVaryAnswer is a function response with CORS headers of its own, which
// API Gateway replaces, and a Vary header, to which it adds origin.
const corsVaryAnswer = `{"statusCode":200,"headers":{"content-type":"application/json","access-control-allow-origin":"*","access-control-max-age":"5","vary":"accept-encoding"},"body":"{}"}`

// withCORS returns a config change that sets c.
func withCORS(c deploy.CORS) func(*Config) { return func(cfg *Config) { cfg.CORS = c } }

// throttleOne throttles each route to a bucket of one token, refilled at one
// a second: under the fixed clock of the golden tests the first request
// takes the token and the second finds none.
func throttleOne(cfg *Config) { cfg.Throttle = &deploy.Throttle{Rate: 1, Burst: 1} }

// origin returns the headers of a request from origin.
func origin(o string) func(string) http.Header {
	return func(string) http.Header { return http.Header{"Origin": {o}} }
}

// preflight returns the headers of a preflight from origin asking for method
// and the comma-separated headers.
func preflight(origin, method, headers string) func(string) http.Header {
	return func(string) http.Header {
		h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
		if headers != "" {
			h.Set("Access-Control-Request-Headers", headers)
		}
		return h
	}
}

// quotaHeader returns the headers of a GET /list whose request line and
// header values are total bytes, as API Gateway counts them: the request
// line "GET /list HTTP/1.1" (18 bytes), the Host value (the server's
// address), "u" as User-Agent (1) and "identity" as Accept-Encoding (8),
// which the client would otherwise set itself, and an X-Pad value of the
// rest. Header names and line ends are not counted.
func quotaHeader(total int) func(host string) http.Header {
	return func(host string) http.Header {
		pad := total - len("GET /list HTTP/1.1") - len(host) - len("u") - len("identity")
		return http.Header{"User-Agent": {"u"}, "Accept-Encoding": {"identity"}, "X-Pad": {strings.Repeat("p", pad)}}
	}
}

// goldenResponse is the golden form of an HTTP response.
type goldenResponse struct {
	Status     int                 `json:"status"`
	Header     map[string][]string `json:"headers"`
	Body       string              `json:"body,omitempty"`
	BodyBase64 string              `json:"bodyBase64,omitempty"`
}

// TestResponseGolden serves every response case in process; rie_test.go
// serves them under aws-lambda-rie, against the same golden files.
func TestResponseGolden(t *testing.T) {
	for _, c := range responseCases() {
		t.Run("inprocess/"+c.name, func(t *testing.T) {
			checkResponseGolden(t, c, c.invoker)
		})
	}
}

// checkResponseGolden serves case c through the gateway with inv and
// compares the HTTP response with its golden file.
func checkResponseGolden(t *testing.T, c responseCase, inv Invoker) {
	t.Helper()
	checkNoGoroutineLeak(t)
	cfg := fixedConfig(inv)
	cfg.Timeout = c.timeout
	if c.config != nil {
		c.config(&cfg)
	}
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	method, target := c.method, c.target
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = "/list"
	}
	var header http.Header
	if c.header != nil {
		header = c.header(srv.Listener.Addr().String())
	}
	for range c.before {
		send(t, srv, method, target, header)
	}
	resp, body := send(t, srv, method, target, header)
	resp.Header.Del("Date")
	g := goldenResponse{Status: resp.StatusCode, Header: resp.Header}
	if utf8.ValidString(body) {
		g.Body = body
	} else {
		g.BodyBase64 = base64.StdEncoding.EncodeToString([]byte(body))
	}
	if strings.Contains(body, "secret") || strings.Contains(body, "boom") {
		t.Errorf("internal error text in response: %s", body)
	}
	got, _ := json.Marshal(g)
	golden(t, "responses/"+c.name+".json", got)
	srv.Client().CloseIdleConnections()
}
