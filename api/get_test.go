package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

// secret is text of an internal cause that must never reach a response body.
const secret = "secret-internal-detail"

func TestGet(t *testing.T) {
	rush := &movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"big":12345678901234567890,"plot":"<b>fast</b>"}`)}
	found := func(m *movies.Movie) func(context.Context, movies.Key) (*movies.Movie, error) {
		return func(_ context.Context, k movies.Key) (*movies.Movie, error) {
			if k != m.Key() {
				return nil, movies.Errorf(movies.ENOTFOUND, "no %s", k)
			}
			return m, nil
		}
	}
	fail := func(err error) func(context.Context, movies.Key) (*movies.Movie, error) {
		return func(context.Context, movies.Key) (*movies.Movie, error) { return nil, err }
	}
	yearMsg := `{"message":"year must be an integer from 1 to 9999"}`
	tests := []struct {
		name     string
		params   map[string]string
		query    map[string]string // query string parameters (the GET /get/{year}?title= form)
		get      func(context.Context, movies.Key) (*movies.Movie, error)
		status   int
		body     string
		wantBody string // exact body, when set
		wantLog  bool
	}{
		{name: "found", params: map[string]string{"year": "2013", "title": "Rush"}, get: found(rush), status: 200,
			body:     `{"year":2013,"title":"Rush","info":{"rating":8.3,"big":12345678901234567890,"plot":"<b>fast</b>"}}`,
			wantBody: `{"year":2013,"title":"Rush","info":{"rating":8.3,"big":12345678901234567890,"plot":"<b>fast</b>"}}`},
		{name: "ampersand title unescaped", params: map[string]string{"year": "2013", "title": "Pain & Gain"},
			get: found(&movies.Movie{Year: 2013, Title: "Pain & Gain"}), status: 200,
			wantBody: `{"year":2013,"title":"Pain & Gain"}`},
		{name: "title with slash", params: map[string]string{"year": "1997", "title": "Face/Off"},
			get: found(&movies.Movie{Year: 1997, Title: "Face/Off", Info: json.RawMessage(`{}`)}), status: 200,
			body: `{"year":1997,"title":"Face/Off","info":{}}`},
		{name: "not found", params: map[string]string{"year": "2013", "title": "Nope"}, get: found(rush), status: 404,
			body: `{"message":"movie not found"}`, wantLog: true},
		{name: "nil path parameters", params: nil, status: 400,
			body: `{"message":"year is missing from the path /get/{year}/{title}"}`},
		{name: "empty year", params: map[string]string{"year": "", "title": "Rush"}, status: 400,
			body: `{"message":"year is missing from the path /get/{year}/{title}"}`},
		{name: "missing title", params: map[string]string{"year": "2013"}, status: 400,
			body: `{"message":"title is missing: use /get/{year}/{title} or /get/{year}?title={title}"}`},
		{name: "empty title", params: map[string]string{"year": "2013", "title": ""}, status: 400,
			body: `{"message":"title is missing: use /get/{year}/{title} or /get/{year}?title={title}"}`},
		{name: "query title", params: map[string]string{"year": "2011"}, query: map[string]string{"title": "What's Your Number?"},
			get: found(&movies.Movie{Year: 2011, Title: "What's Your Number?"}), status: 200,
			wantBody: `{"year":2011,"title":"What's Your Number?"}`},
		{name: "query title with percent and slash", params: map[string]string{"year": "2011"}, query: map[string]string{"title": "100%/x"},
			get: found(&movies.Movie{Year: 2011, Title: "100%/x"}), status: 200,
			wantBody: `{"year":2011,"title":"100%/x"}`},
		{name: "query and path title", params: map[string]string{"year": "2013", "title": "Rush"}, query: map[string]string{"title": "Rush"},
			status: 400, body: `{"message":"give the title either in the path or as ?title=, not both"}`},
		{name: "query title empty", params: map[string]string{"year": "2013"}, query: map[string]string{"title": ""}, status: 400,
			body: `{"message":"title is missing: use /get/{year}/{title} or /get/{year}?title={title}"}`},
		{name: "query title too long", params: map[string]string{"year": "2013"}, query: map[string]string{"title": strings.Repeat("x", movies.MaxTitleBytes+1)},
			status: 400, body: `{"message":"title must be at most 1024 bytes"}`},
		{name: "query title invalid utf-8", params: map[string]string{"year": "2013"}, query: map[string]string{"title": "bad\xff"}, status: 400,
			body: `{"message":"title must be valid UTF-8"}`},
		{name: "query bad year", params: map[string]string{"year": "abc"}, query: map[string]string{"title": "Rush"}, status: 400, body: yearMsg},
		{name: "other query parameters ignored", params: map[string]string{"year": "2013", "title": "Rush"}, query: map[string]string{"x": "1"},
			get: found(rush), status: 200,
			body: `{"year":2013,"title":"Rush","info":{"rating":8.3,"big":12345678901234567890,"plot":"<b>fast</b>"}}`},
		{name: "year abc", params: map[string]string{"year": "abc", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year zero", params: map[string]string{"year": "0", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year negative", params: map[string]string{"year": "-1", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year too big", params: map[string]string{"year": "10000", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year huge", params: map[string]string{"year": "99999999999999999999999", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year fraction", params: map[string]string{"year": "2013.0", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year exponent", params: map[string]string{"year": "2e3", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year plus", params: map[string]string{"year": "+2013", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "year space", params: map[string]string{"year": " 2013", "title": "Rush"}, status: 400, body: yearMsg},
		{name: "title too long", params: map[string]string{"year": "2013", "title": strings.Repeat("x", movies.MaxTitleBytes+1)}, status: 400,
			body: `{"message":"title must be at most 1024 bytes"}`},
		{name: "title invalid utf-8", params: map[string]string{"year": "2013", "title": "bad\xff"}, status: 400,
			body: `{"message":"title must be valid UTF-8"}`},
		{name: "store unavailable", params: map[string]string{"year": "2013", "title": "Rush"}, status: 503,
			get:  fail(movies.WrapError(movies.EUNAVAILABLE, errors.New(secret), "throttled")),
			body: `{"message":"Service Unavailable"}`, wantLog: true},
		{name: "store plain error", params: map[string]string{"year": "2013", "title": "Rush"}, status: 500,
			get:  fail(fmt.Errorf("dial tcp: %s", secret)),
			body: `{"message":"Internal Server Error"}`, wantLog: true},
		{name: "store internal with message", params: map[string]string{"year": "2013", "title": "Rush"}, status: 500,
			get:  fail(movies.WrapError(movies.EINTERNAL, errors.New("boom"), secret)),
			body: `{"message":"Internal Server Error"}`, wantLog: true},
		{name: "store deadline", params: map[string]string{"year": "2013", "title": "Rush"}, status: 503,
			get:  fail(fmt.Errorf("%s: %w", secret, context.DeadlineExceeded)),
			body: `{"message":"Service Unavailable"}`, wantLog: true},
		{name: "store not found with own message", params: map[string]string{"year": "2013", "title": "Rush"}, status: 404,
			get:  fail(movies.Errorf(movies.ENOTFOUND, "item %s absent from table", secret)),
			body: `{"message":"movie not found"}`, wantLog: true},
		{name: "store nil movie", params: map[string]string{"year": "2013", "title": "Rush"}, status: 500,
			get:  fail(nil),
			body: `{"message":"Internal Server Error"}`, wantLog: true},
		{name: "store panics", params: map[string]string{"year": "2013", "title": "Rush"}, status: 500,
			get:  func(context.Context, movies.Key) (*movies.Movie, error) { panic(secret) },
			body: `{"message":"Internal Server Error"}`, wantLog: true},
		{name: "stored info invalid", params: map[string]string{"year": "2013", "title": "Rush"}, status: 500,
			get:  found(&movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{` + secret)}),
			body: `{"message":"Internal Server Error"}`, wantLog: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeStore{GetFn: tt.get}
			if store.GetFn == nil {
				store.GetFn = func(context.Context, movies.Key) (*movies.Movie, error) {
					t.Error("store called for a bad request")
					return nil, errors.New("unexpected call")
				}
			}
			h, logs := newTestServer(store)
			req := getRequest(tt.params)
			req.QueryStringParameters = tt.query
			resp, err := h.get(context.Background(), req)
			if err != nil {
				t.Fatalf("Get returned error %v, want nil", err)
			}
			want := tt.body
			if tt.wantBody != "" {
				want = tt.wantBody
				if resp.Body != tt.wantBody {
					t.Errorf("body = %s, want exactly %s", resp.Body, tt.wantBody)
				}
			}
			checkResponse(t, resp, tt.status, want)
			if strings.Contains(resp.Body, secret) {
				t.Errorf("body leaks internal detail: %s", resp.Body)
			}
			checkLog(t, logs.String(), tt.wantLog, req.RequestContext.RequestID, tt.status)
		})
	}
}

// checkLog checks that logs holds one JSON record with the request id, route
// key, status and full error when wantLog is set, and nothing otherwise.
// A logged internal cause must keep its detail.
func checkLog(t *testing.T, logs string, wantLog bool, requestID string, status int) {
	t.Helper()
	if !wantLog {
		if logs != "" {
			t.Errorf("unexpected log: %s", logs)
		}
		return
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(logs), &rec); err != nil {
		t.Fatalf("log is not one JSON record: %v: %s", err, logs)
	}
	if rec["requestId"] != requestID || rec["status"] != float64(status) || rec["routeKey"] == "" || rec["error"] == "" {
		t.Errorf("log record lacks requestId/routeKey/status/error: %s", logs)
	}
	wantLevel := "INFO"
	if status >= http.StatusInternalServerError {
		wantLevel = "ERROR"
	}
	if rec["level"] != wantLevel {
		t.Errorf("log level = %v, want %s", rec["level"], wantLevel)
	}
}

// TestGetLogsInternalDetail checks that the cause hidden from the body is in the log.
func TestGetLogsInternalDetail(t *testing.T) {
	h, logs := newTestServer(&fakeStore{GetFn: func(context.Context, movies.Key) (*movies.Movie, error) {
		return nil, fmt.Errorf("query Movies: %s", secret)
	}})
	resp, err := h.get(context.Background(), getRequest(map[string]string{"year": "2013", "title": "Rush"}))
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("Get = %d, %v; want 500, nil", resp.StatusCode, err)
	}
	if strings.Contains(resp.Body, secret) {
		t.Errorf("body leaks internal detail: %s", resp.Body)
	}
	if !strings.Contains(logs.String(), secret) || !strings.Contains(logs.String(), `"routeKey":"GET /get/{year}/{title+}"`) {
		t.Errorf("log lacks the cause or route key: %s", logs.String())
	}
}

// TestGetTimeout checks that the store call runs under the handler's timeout.
func TestGetTimeout(t *testing.T) {
	h, _ := newTestServer(&fakeStore{GetFn: func(ctx context.Context, _ movies.Key) (*movies.Movie, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("store context has no deadline")
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}})
	h.timeout = 1 // a nanosecond: already expired when the store runs
	resp, _ := h.get(context.Background(), getRequest(map[string]string{"year": "2013", "title": "Rush"}))
	checkResponse(t, resp, http.StatusServiceUnavailable, `{"message":"Service Unavailable"}`)
}
