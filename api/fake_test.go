package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
)

// fakeStore is a movies.Store whose methods call its function fields.
type fakeStore struct {
	GetFn  func(ctx context.Context, k movies.Key) (*movies.Movie, error)
	ListFn func(ctx context.Context, opts movies.ListOptions) (*movies.Page, error)
}

func (s *fakeStore) Get(ctx context.Context, k movies.Key) (*movies.Movie, error) {
	return s.GetFn(ctx, k)
}

func (s *fakeStore) List(ctx context.Context, opts movies.ListOptions) (*movies.Page, error) {
	return s.ListFn(ctx, opts)
}

func (s *fakeStore) Put(context.Context, []movies.Movie) error { return nil }

func (s *fakeStore) Close() error { return nil }

// sliceStore is an in-memory movies.Store over movies sorted in store order,
// with the cursor and byte budget semantics every store has: a page resumes
// strictly after the key in its cursor and stops at ListOptions.MaxBytes.
type sliceStore struct{ ms []movies.Movie }

func newSliceStore(ms []movies.Movie) *sliceStore {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b movies.Movie) int {
		switch ka, kb := a.Key(), b.Key(); {
		case ka.Less(kb):
			return -1
		case kb.Less(ka):
			return 1
		}
		return 0
	})
	return &sliceStore{ms: ms}
}

func (s *sliceStore) Get(_ context.Context, k movies.Key) (*movies.Movie, error) {
	for i := range s.ms {
		if s.ms[i].Key() == k {
			m := s.ms[i]
			return &m, nil
		}
	}
	return nil, movies.Errorf(movies.ENOTFOUND, "no movie %s", k)
}

func (s *sliceStore) List(_ context.Context, opts movies.ListOptions) (*movies.Page, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var after *movies.Key
	if opts.Cursor != "" {
		k, err := movies.DecodeCursor(opts.Cursor)
		if err != nil {
			return nil, err
		}
		after = &k
	}
	page := &movies.Page{}
	budget := movies.NewPageBudget(opts.MaxBytes)
	for _, m := range s.ms {
		if (after != nil && !after.Less(m.Key())) || (opts.Year != 0 && m.Year != opts.Year) {
			continue
		}
		if len(page.Movies) == opts.Limit || !budget.Add(m.EscapedSize()) {
			page.Next = movies.EncodeCursor(page.Movies[len(page.Movies)-1].Key())
			break
		}
		page.Movies = append(page.Movies, m)
	}
	return page, nil
}

func (s *sliceStore) Put(context.Context, []movies.Movie) error { return nil }

func (s *sliceStore) Close() error { return nil }

// newTestServer returns a server on store that logs JSON into the returned buffer.
func newTestServer(store movies.Store) (*server, *bytes.Buffer) {
	var logs bytes.Buffer
	return newServer(store, slog.New(slog.NewJSONHandler(&logs, nil))), &logs
}

// equalJSON reports whether a and b hold the same JSON value.
func equalJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("invalid JSON %q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// checkResponse checks the status, the JSON content type and the JSON body of resp.
func checkResponse(t *testing.T, resp events.APIGatewayV2HTTPResponse, status int, body string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, status, resp.Body)
	}
	if got := resp.Headers["content-type"]; got != "application/json" {
		t.Errorf("content-type = %q, want application/json", got)
	}
	if resp.IsBase64Encoded {
		t.Errorf("isBase64Encoded = true, want false")
	}
	if !equalJSON(t, resp.Body, body) {
		t.Errorf("body = %s, want %s", resp.Body, body)
	}
}

// getRequest returns a get event with the given path parameters.
func getRequest(params map[string]string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "GET /get/{year}/{title+}",
		PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-get-1", RouteKey: "GET /get/{year}/{title+}"},
	}
}

// listRequest returns a list event with the given query parameters.
func listRequest(query map[string]string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              "GET /list",
		QueryStringParameters: query,
		RequestContext:        events.APIGatewayV2HTTPRequestContext{RequestID: "req-list-1", RouteKey: "GET /list"},
	}
}
