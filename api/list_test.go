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
	"github.com/movieskit/movies/deploy"
)

func TestList(t *testing.T) {
	catalogue := newSliceStore([]movies.Movie{
		{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3}`)},
		{Year: 2013, Title: "Pain & Gain"},
		{Year: 1999, Title: "The Matrix", Info: json.RawMessage(`{"rating":8.7}`)},
	})
	c1999 := movies.EncodeCursor(movies.Key{Year: 1999, Title: "The Matrix"})
	c2013 := movies.EncodeCursor(movies.Key{Year: 2013, Title: "Pain & Gain"})
	limitMsg := `{"message":"limit must be an integer from 1 to 1000"}`
	yearMsg := `{"message":"year must be an integer from 1 to 9999"}`
	cursorMsg := `{"message":"cursor is not valid"}`
	// The store is asked to stop at Lambda's payload limit less the rest of
	// the response and the longest next cursor, all escaped.
	moviesBudget := deploy.MaxPayloadBytes - envelopeBytes - len(`{\"movies\":[],\"next\":\"\"}`) - movies.MaxCursorBytes
	tests := []struct {
		name     string
		query    map[string]string
		store    movies.Store // catalogue when nil
		status   int
		body     string
		wantOpts *movies.ListOptions // options the store must receive, when set
		wantLog  bool
	}{
		{name: "all", query: nil, status: 200,
			body:     `{"movies":[{"year":1999,"title":"The Matrix","info":{"rating":8.7}},{"year":2013,"title":"Pain & Gain"},{"year":2013,"title":"Rush","info":{"rating":8.3}}]}`,
			wantOpts: &movies.ListOptions{Limit: movies.DefaultLimit, MaxBytes: moviesBudget}},
		{name: "first page", query: map[string]string{"limit": "1"}, status: 200,
			body: `{"movies":[{"year":1999,"title":"The Matrix","info":{"rating":8.7}}],"next":"` + c1999 + `"}`},
		{name: "second page", query: map[string]string{"limit": "1", "cursor": c1999}, status: 200,
			body: `{"movies":[{"year":2013,"title":"Pain & Gain"}],"next":"` + c2013 + `"}`},
		{name: "last page", query: map[string]string{"limit": "5", "cursor": c2013}, status: 200,
			body: `{"movies":[{"year":2013,"title":"Rush","info":{"rating":8.3}}]}`},
		{name: "year", query: map[string]string{"year": "1999", "limit": "1000"}, status: 200,
			body:     `{"movies":[{"year":1999,"title":"The Matrix","info":{"rating":8.7}}]}`,
			wantOpts: &movies.ListOptions{Limit: 1000, Year: 1999, MaxBytes: moviesBudget}},
		{name: "empty year", query: map[string]string{"year": "2020"}, status: 200, body: `{"movies":[]}`},
		{name: "unknown parameters ignored", query: map[string]string{"foo": "bar", "Limit": "x"}, status: 200,
			body: `{"movies":[{"year":1999,"title":"The Matrix","info":{"rating":8.7}},{"year":2013,"title":"Pain & Gain"},{"year":2013,"title":"Rush","info":{"rating":8.3}}]}`},
		{name: "limit leading zeros", query: map[string]string{"limit": "001"}, status: 200,
			body: `{"movies":[{"year":1999,"title":"The Matrix","info":{"rating":8.7}}],"next":"` + c1999 + `"}`},
		{name: "limit abc", query: map[string]string{"limit": "abc"}, status: 400, body: limitMsg},
		{name: "limit empty", query: map[string]string{"limit": ""}, status: 400, body: limitMsg},
		{name: "limit fraction", query: map[string]string{"limit": "1.5"}, status: 400, body: limitMsg},
		{name: "limit exponent", query: map[string]string{"limit": "1e3"}, status: 400, body: limitMsg},
		{name: "limit leading space", query: map[string]string{"limit": " 5"}, status: 400, body: limitMsg},
		{name: "limit trailing space", query: map[string]string{"limit": "5 "}, status: 400, body: limitMsg},
		{name: "limit zero", query: map[string]string{"limit": "0"}, status: 400, body: limitMsg},
		{name: "limit negative", query: map[string]string{"limit": "-1"}, status: 400, body: limitMsg},
		{name: "limit plus", query: map[string]string{"limit": "+5"}, status: 400, body: limitMsg},
		{name: "limit over max", query: map[string]string{"limit": "1001"}, status: 400, body: limitMsg},
		{name: "limit huge", query: map[string]string{"limit": "9223372036854775808"}, status: 400, body: limitMsg},
		{name: "limit repeated", query: map[string]string{"limit": "5,6"}, status: 400, body: limitMsg},
		{name: "limit arabic-indic digits", query: map[string]string{"limit": "٥"}, status: 400, body: limitMsg},
		{name: "year abc", query: map[string]string{"year": "abc"}, status: 400, body: yearMsg},
		{name: "year zero", query: map[string]string{"year": "0"}, status: 400, body: yearMsg},
		{name: "year repeated", query: map[string]string{"year": "1999,2013"}, status: 400, body: yearMsg},
		{name: "year empty", query: map[string]string{"year": ""}, status: 400, body: yearMsg},
		{name: "cursor empty", query: map[string]string{"cursor": ""}, status: 400, body: cursorMsg},
		{name: "cursor garbage", query: map[string]string{"cursor": "not a cursor"}, status: 400, body: cursorMsg},
		{name: "cursor repeated", query: map[string]string{"cursor": c1999 + "," + c2013}, status: 400, body: cursorMsg},
		{name: "cursor of another year", query: map[string]string{"cursor": c1999, "year": "2013"}, status: 400,
			body: `{"message":"cursor does not belong to this year's listing"}`},
		{name: "store returns nil movies", status: 200, body: `{"movies":[]}`,
			store: &fakeStore{ListFn: func(context.Context, movies.ListOptions) (*movies.Page, error) { return &movies.Page{}, nil }}},
		{name: "store ignores limit", query: map[string]string{"limit": "1"}, status: 200,
			body: `{"movies":[{"year":1,"title":"a"}],"next":"` + movies.EncodeCursor(movies.Key{Year: 1, Title: "a"}) + `"}`,
			store: &fakeStore{ListFn: func(context.Context, movies.ListOptions) (*movies.Page, error) {
				return &movies.Page{Movies: []movies.Movie{{Year: 1, Title: "a"}, {Year: 1, Title: "b"}}}, nil
			}}},
		{name: "store invalid", status: 400, body: `{"message":"cursor expired"}`, wantLog: true,
			store: failingList(movies.Errorf(movies.EINVALID, "cursor expired"))},
		{name: "store unavailable", status: 503, body: `{"message":"Service Unavailable"}`, wantLog: true,
			store: failingList(movies.WrapError(movies.EUNAVAILABLE, errors.New(secret), "throttled"))},
		{name: "store plain error", status: 500, body: `{"message":"Internal Server Error"}`, wantLog: true,
			store: failingList(fmt.Errorf("scan: %s", secret))},
		{name: "store canceled", status: 503, body: `{"message":"Service Unavailable"}`, wantLog: true,
			store: failingList(fmt.Errorf("scan %s: %w", secret, context.Canceled))},
		{name: "store nil page", status: 500, body: `{"message":"Internal Server Error"}`, wantLog: true,
			store: failingList(nil)},
		{name: "store panics", status: 500, body: `{"message":"Internal Server Error"}`, wantLog: true,
			store: &fakeStore{ListFn: func(context.Context, movies.ListOptions) (*movies.Page, error) { panic(secret) }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := tt.store
			if store == nil {
				store = catalogue
			}
			var gotOpts *movies.ListOptions
			spy := &fakeStore{ListFn: func(ctx context.Context, opts movies.ListOptions) (*movies.Page, error) {
				gotOpts = &opts
				return store.List(ctx, opts)
			}}
			h, logs := newTestServer(spy)
			req := listRequest(tt.query)
			resp, err := h.list(context.Background(), req)
			if err != nil {
				t.Fatalf("List returned error %v, want nil", err)
			}
			checkResponse(t, resp, tt.status, tt.body)
			if strings.Contains(resp.Body, secret) {
				t.Errorf("body leaks internal detail: %s", resp.Body)
			}
			if tt.status == http.StatusBadRequest && !tt.wantLog && gotOpts != nil {
				t.Errorf("store called for a bad request with %+v", *gotOpts)
			}
			if tt.wantOpts != nil && (gotOpts == nil || *gotOpts != *tt.wantOpts) {
				t.Errorf("store options = %+v, want %+v", gotOpts, *tt.wantOpts)
			}
			checkLog(t, logs.String(), tt.wantLog, req.RequestContext.RequestID, tt.status)
		})
	}
}

// failingList returns a store whose List returns err and no page.
func failingList(err error) *fakeStore {
	return &fakeStore{ListFn: func(context.Context, movies.ListOptions) (*movies.Page, error) { return nil, err }}
}

// bigMovies returns n movies of one year whose info holds about size bytes each.
func bigMovies(n, size int) []movies.Movie {
	ms := make([]movies.Movie, n)
	for i := range ms {
		plot := strings.Repeat("x", size)
		ms[i] = movies.Movie{Year: 2000, Title: fmt.Sprintf("Movie %04d", i), Info: json.RawMessage(`{"plot":"` + plot + `"}`)}
	}
	return ms
}

// TestListBudget checks that responses stay within the response budget,
// that their cursors resume right after the last movie kept, and that
// walking the pages returns every movie exactly once.
func TestListBudget(t *testing.T) {
	tests := []struct {
		name    string
		n, size int
		limit   string
		budget  int
	}{
		{name: "lambda limit with 300 KB infos", n: 40, size: 300_000, limit: "1000", budget: deploy.MaxPayloadBytes},
		{name: "small budget", n: 50, size: 1_000, limit: "20", budget: 5_000},
		{name: "budget fits exactly one", n: 5, size: 1_000, limit: "5", budget: envelopeBytes + 1_150},
		{name: "budget not reached", n: 30, size: 100, limit: "7", budget: 1 << 20},
		// Three movies and the page's JSON fill the budget exactly: the next
		// cursor must not take the page over it.
		{name: "movies fill the budget but for the cursor", n: 10, size: 1_000, limit: "10",
			budget: envelopeBytes + len(`{\"movies\":[]}`) + 3*bigMovies(1, 1_000)[0].EscapedSize() + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := bigMovies(tt.n, tt.size)
			h, _ := newTestServer(newSliceStore(all))
			h.maxResponseBytes = tt.budget
			var seen []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > tt.n {
					t.Fatalf("more pages than movies: the listing does not advance")
				}
				q := map[string]string{"limit": tt.limit}
				if cursor != "" {
					q["cursor"] = cursor
				}
				resp, err := h.list(context.Background(), listRequest(q))
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("page %d: %d %v %.200s", pages, resp.StatusCode, err, resp.Body)
				}
				if n := marshaledSize(t, resp); n > tt.budget {
					t.Fatalf("page %d response is %d bytes, over the %d-byte budget", pages, n, tt.budget)
				}
				var page movies.Page
				if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
					t.Fatalf("page %d: %v", pages, err)
				}
				if len(page.Movies) == 0 && page.Next != "" {
					t.Fatalf("page %d is empty but has next", pages)
				}
				for _, m := range page.Movies {
					seen = append(seen, m.Title)
				}
				if page.Next == "" {
					break
				}
				if want := movies.EncodeCursor(page.Movies[len(page.Movies)-1].Key()); page.Next != want {
					t.Fatalf("page %d next = %s, want the cursor of its last movie %s", pages, page.Next, want)
				}
				cursor = page.Next
			}
			if len(seen) != tt.n {
				t.Fatalf("listed %d movies, want %d", len(seen), tt.n)
			}
			for i, title := range seen {
				if title != all[i].Title {
					t.Fatalf("movie %d = %q, want %q", i, title, all[i].Title)
				}
			}
		})
	}
}

// TestListBudgetTooSmall checks that a movie that cannot fit in any page is a
// logged 500, not a page that loops forever.
func TestListBudgetTooSmall(t *testing.T) {
	h, logs := newTestServer(newSliceStore(bigMovies(3, 1_000)))
	h.maxResponseBytes = 500
	resp, err := h.list(context.Background(), listRequest(nil))
	if err != nil {
		t.Fatal(err)
	}
	checkResponse(t, resp, http.StatusInternalServerError, `{"message":"Internal Server Error"}`)
	if !strings.Contains(logs.String(), "response budget") {
		t.Errorf("log lacks the cause: %s", logs.String())
	}
}

func TestStatusCode(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{movies.EINVALID, 400},
		{movies.ENOTFOUND, 404},
		{movies.EUNAVAILABLE, 503},
		{movies.EINTERNAL, 500},
		{"", 500},
		{"something else", 500},
	}
	for _, tt := range tests {
		if got := StatusCode(tt.code); got != tt.want {
			t.Errorf("StatusCode(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestErrorResponse(t *testing.T) {
	resp := errorResponse(http.StatusBadRequest, `title "Pain & Gain" <bad>`)
	checkResponse(t, resp, http.StatusBadRequest, `{"message":"title \"Pain & Gain\" <bad>"}`)
	if want := `{"message":"title \"Pain & Gain\" <bad>"}`; resp.Body != want {
		t.Errorf("body = %s, want %s", resp.Body, want)
	}
}

func TestFunctions(t *testing.T) {
	funcs := Functions(newSliceStore(nil), nil)
	for _, name := range deploy.FunctionNames() {
		if funcs[name] == nil {
			t.Errorf("Functions lacks %q", name)
		}
	}
	if len(funcs) != len(deploy.FunctionNames()) {
		t.Errorf("Functions has %d functions, routes table names %d", len(funcs), len(deploy.FunctionNames()))
	}
	resp, err := funcs[deploy.FunctionList](context.Background(), listRequest(nil))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("Functions()[list] = %d, %v", resp.StatusCode, err)
	}
}
