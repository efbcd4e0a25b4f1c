package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
)

// jsonOnly hides the typed path of an invoker, so that the gateway takes
// the JSON path with it.
type jsonOnly struct{ Invoker }

// eventCatcher is a handler that keeps the last event it was called with.
type eventCatcher struct {
	mu   sync.Mutex
	last *events.APIGatewayV2HTTPRequest
}

func (c *eventCatcher) handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	c.mu.Lock()
	c.last = &ev
	c.mu.Unlock()
	return okHandler(ctx, ev)
}

// seenEvent serves r through a gateway over inv and returns the event the
// handler of catcher saw.
func seenEvent(t *testing.T, inv Invoker, catcher *eventCatcher, r *http.Request) events.APIGatewayV2HTTPRequest {
	t.Helper()
	catcher.last = nil
	w := httptest.NewRecorder()
	New(fixedConfig(inv)).ServeHTTP(w, r)
	if w.Code != http.StatusOK || catcher.last == nil {
		t.Fatalf("status %d, handler called: %v", w.Code, catcher.last != nil)
	}
	return *catcher.last
}

// TestTypedEventEqualsJSONEvent checks, for every event golden case, that the
// handler sees the same event on the typed path as on the JSON path.
func TestTypedEventEqualsJSONEvent(t *testing.T) {
	for _, c := range eventCases {
		t.Run(c.name, func(t *testing.T) {
			catcher := &eventCatcher{}
			inv := handlerInvoker(catcher.handle)
			if _, ok := inv.(eventInvoker); !ok {
				t.Fatal("InProcess has no typed path")
			}
			typed := seenEvent(t, inv, catcher, newTestRequest(c))
			viaJSON := seenEvent(t, jsonOnly{inv}, catcher, newTestRequest(c))
			if !reflect.DeepEqual(typed, viaJSON) {
				t.Errorf("events differ\ntyped: %#v\n json: %#v", typed, viaJSON)
			}
		})
	}
}

// servedResponse is what a client gets, for comparing the two paths.
type servedResponse struct {
	status int
	header http.Header
	body   []byte
}

// serveOnce serves method target through a gateway over inv.
func serveOnce(t *testing.T, inv Invoker, timeout time.Duration, method, target string) servedResponse {
	t.Helper()
	cfg := fixedConfig(inv)
	cfg.Timeout = timeout
	w := httptest.NewRecorder()
	New(cfg).ServeHTTP(w, httptest.NewRequest(method, target, nil))
	body, _ := io.ReadAll(w.Result().Body)
	return servedResponse{status: w.Code, header: w.Header(), body: body}
}

// structInvoker returns an in-process invoker whose functions answer the
// struct the Lambda Go runtime decodes from payload, and whether there is one.
func structInvoker(payload string) (Invoker, bool) {
	var resp events.APIGatewayV2HTTPResponse
	if payload == "" || json.Unmarshal([]byte(payload), &resp) != nil {
		return nil, false
	}
	return handlerInvoker(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return resp, nil
	}), true
}

// TestTypedResponseEqualsJSONResponse checks, for every response golden
// case with an in-process function (and every payload case, answered as a
// struct by a handler), that the client gets the same response on the typed
// path as on the JSON path. TestResponseGolden checks the typed path against
// the golden files themselves.
func TestTypedResponseEqualsJSONResponse(t *testing.T) {
	for _, c := range responseCases() {
		t.Run(c.name, func(t *testing.T) {
			inv, ok := c.invoker.(*inProcess)
			var typed Invoker = inv
			if !ok {
				if typed, ok = structInvoker(c.payload); !ok {
					t.Skip("no in-process form: the case's answer is not a response struct")
				}
			}
			method, target := c.method, c.target
			if method == "" {
				method = http.MethodGet
			}
			if target == "" {
				target = "/list"
			}
			got := serveOnce(t, typed, c.timeout, method, target)
			want := serveOnce(t, jsonOnly{typed}, c.timeout, method, target)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("responses differ\ntyped: %d %v %q\n json: %d %v %q", got.status, got.header, got.body, want.status, want.header, want.body)
			}
		})
	}
}

// viaJSONResponse converts resp as the JSON path does: the runtime's
// encoding, then parseResponse, which applies Lambda's payload limit.
func viaJSONResponse(resp *events.APIGatewayV2HTTPResponse) (*httpResponse, error) {
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	return parseResponse(out)
}

// sameConversion fails t unless convertResponse and the JSON path agree on resp.
func sameConversion(t *testing.T, resp *events.APIGatewayV2HTTPResponse) {
	t.Helper()
	got, gotErr := convertResponse(resp)
	want, wantErr := viaJSONResponse(resp)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("errors differ for %#v: typed %v, json %v", resp, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if got.status != want.status || !reflect.DeepEqual(got.header, want.header) || got.body != want.body {
		t.Fatalf("responses differ for %#v\ntyped: %d %v %q\n json: %d %v %q", resp, got.status, got.header, got.body, want.status, want.header, want.body)
	}
}

// pieces are the fragments random strings are made of: JSON escapes,
// HTML characters, invalid UTF-8, U+2028, U+FFFD and header-name spellings.
var pieces = []string{"", "a", "Content-Type", "content-type", "X-One", "x-one", "set-cookie", " ", "=", ";",
	"\"", "\\", "<", ">", "&", "\n", "\x00", "\x7f", "é", "\u2028", "\ufffd", "\xff", "\xe2\x82", "AAEC/w==", "***", "ok"}

// randString returns a string of up to 4 random pieces.
func randString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(5) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randStrings returns nil, an empty slice or a few random strings.
func randStrings(r *rand.Rand) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	ss := make([]string, 1+r.IntN(3))
	for i := range ss {
		ss[i] = randString(r)
	}
	return ss
}

// randMap returns nil, an empty map or a few random entries.
func randMap(r *rand.Rand) map[string]string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return map[string]string{}
	}
	m := map[string]string{}
	for range 1 + r.IntN(4) {
		m[randString(r)] = randString(r)
	}
	return m
}

// randResponse returns a random handler response.
func randResponse(r *rand.Rand) events.APIGatewayV2HTTPResponse {
	statuses := []int{0, -1, 99, 100, 200, 204, 302, 404, 599, 600, 1 << 40}
	resp := events.APIGatewayV2HTTPResponse{
		StatusCode:      statuses[r.IntN(len(statuses))],
		Headers:         randMap(r),
		Body:            randString(r),
		IsBase64Encoded: r.IntN(3) == 0,
		Cookies:         randStrings(r),
	}
	if r.IntN(4) == 0 {
		resp.Body = base64.StdEncoding.EncodeToString([]byte(resp.Body))
	}
	switch r.IntN(3) {
	case 0:
	case 1:
		resp.MultiValueHeaders = map[string][]string{}
	default:
		resp.MultiValueHeaders = map[string][]string{}
		for range 1 + r.IntN(3) {
			resp.MultiValueHeaders[randString(r)] = randStrings(r)
		}
	}
	return resp
}

// TestTypedResponseProperty compares the typed conversion with the JSON path
// on random responses: statuses in and out of range, nil and empty maps and
// slices, header names in several spellings, escapes, invalid UTF-8 and
// base64 bodies valid or not.
func TestTypedResponseProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		resp := randResponse(r)
		sameConversion(t, &resp)
		out, err := json.Marshal(resp)
		if n, valid := encodedSizeBound(&resp); err == nil && valid && n < len(out) {
			t.Fatalf("size bound %d below the encoding's %d bytes: %s", n, len(out), out)
		}
	}
}

// movieJSON is a movie in a page body; in a JSON string each of its 10
// quotes takes a backslash more.
const (
	movieJSON       = `{"title":"Rush","info":{"plot":"a race"}},`
	movieEscapedLen = len(movieJSON) + 10
)

// TestTypedResponseSizeLimit checks the typed path against the JSON path
// around Lambda's 6 MB limit, where escaping decides.
func TestTypedResponseSizeLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
	}{
		{"plain below", strings.Repeat("a", MaxPayloadBytes-200)},
		{"plain above", strings.Repeat("a", MaxPayloadBytes)},
		{"escaped below", strings.Repeat("<", (MaxPayloadBytes-200)/6)},
		{"escaped above", strings.Repeat("<", MaxPayloadBytes/6+1)},
		{"invalid UTF-8 above", strings.Repeat("\xff", MaxPayloadBytes/6+1)},
		{"quotes below", strings.Repeat(`"`, (MaxPayloadBytes-200)/2)},
		{"quotes above", strings.Repeat(`"`, MaxPayloadBytes/2+1)},
		{"line separators below", strings.Repeat("\u2028", (MaxPayloadBytes-200)/6)},
		{"line separators above", strings.Repeat("\u2028", MaxPayloadBytes/6+1)},
		{"JSON page below", strings.Repeat(movieJSON, (MaxPayloadBytes-200)/movieEscapedLen)},
		{"JSON page above", strings.Repeat(movieJSON, MaxPayloadBytes/movieEscapedLen+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sameConversion(t, &events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: tc.body})
		})
	}
}

// randEvent returns a random event, strange values included.
func randEvent(r *rand.Rand) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: randString(r), RawPath: randString(r), RawQueryString: randString(r),
		Cookies: randStrings(r), Headers: randMap(r), QueryStringParameters: randMap(r),
		PathParameters: randMap(r), StageVariables: randMap(r), Body: randString(r), IsBase64Encoded: r.IntN(2) == 0,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: randString(r), AccountID: randString(r), Stage: randString(r), RequestID: randString(r),
			APIID: randString(r), DomainName: randString(r), DomainPrefix: randString(r), Time: randString(r),
			TimeEpoch: r.Int64N(1<<50) - 1<<49,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: randString(r), Path: randString(r), Protocol: randString(r), SourceIP: randString(r), UserAgent: randString(r),
			},
		},
	}
	if r.IntN(4) == 0 {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{AccessKey: "x"}}
		ev.RequestContext.Authentication.ClientCert.ClientCertPem = "pem"
	}
	return ev
}

// TestTypedEventProperty checks on random events that the typed path either
// gives the handler exactly what decoding MarshalEvent's payload gives, or
// declines (invalid UTF-8, which the JSON path replaces).
func TestTypedEventProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	inv := InProcess(nil)
	declined := 0
	for range 10000 {
		ev := randEvent(r)
		payload, err := MarshalEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		var want events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &want); err != nil {
			t.Fatalf("decode %s: %v", payload, err)
		}
		if n, _ := eventSizeBound(&ev); n < len(payload) {
			t.Fatalf("size bound %d below the payload's %d bytes: %s", n, len(payload), payload)
		}
		if _, ok := typedInvoker(inv, &ev); !ok {
			declined++
			continue
		}
		wireForm(&ev)
		if !reflect.DeepEqual(ev, want) {
			t.Fatalf("events differ\ntyped: %#v\n json: %#v", ev, want)
		}
	}
	if declined == 0 || declined == 10000 {
		t.Errorf("typed path declined %d of 10000 events; want some of each", declined)
	}
}

// TestEventSizeBound checks that the typed path's size bound is above the
// payload of events whose strings take the most room in JSON, so that it
// never hands over an event the JSON path would refuse as too large.
func TestEventSizeBound(t *testing.T) {
	for _, s := range []string{"a", "<", "\"", "\x00", "\u2028", "é"} {
		n := MaxPayloadBytes / 7 / len(s)
		ev := randEvent(rand.New(rand.NewPCG(5, 6)))
		ev.Body = strings.Repeat(s, n)
		ev.Headers = map[string]string{strings.Repeat(s, n): strings.Repeat(s, n)}
		payload, err := MarshalEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		if bound, _ := eventSizeBound(&ev); bound < len(payload) {
			t.Errorf("%q: size bound %d below the payload's %d bytes", s, bound, len(payload))
		}
	}
}

// TestTypedPathFailures checks that handler errors, panics, unknown
// functions and timeouts answer the same on both paths.
func TestTypedPathFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		inv     Invoker
		timeout time.Duration // the integration timeout; long unless the case is the timeout
	}{
		{"error", handlerInvoker(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200}, fmt.Errorf("boom")
		}), 10 * time.Second},
		{"panic", handlerInvoker(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			panic("boom")
		}), 10 * time.Second},
		{"unknown function", InProcess(map[string]deploy.Function{"other": okHandler}), 10 * time.Second},
		{"timeout", handlerInvoker(func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			<-ctx.Done()
			return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
		}), 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := serveOnce(t, tc.inv, tc.timeout, http.MethodGet, "/list")
			want := serveOnce(t, jsonOnly{tc.inv}, tc.timeout, http.MethodGet, "/list")
			if !reflect.DeepEqual(got, want) || got.status < 500 {
				t.Errorf("typed %d %v %q, json %d %v %q", got.status, got.header, got.body, want.status, want.header, want.body)
			}
		})
	}
}
