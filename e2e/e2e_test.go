package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/internal/apitest"
	"github.com/movieskit/movies/internal/bolttest"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/internal/openapitest"
	"github.com/movieskit/movies/loader"
	"github.com/movieskit/movies/storetest"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

// stores names the stores the end-to-end tests run on, each opened empty.
var stores = []struct {
	name string
	open func(tb testing.TB) movies.Store
}{
	{"bolt", openBolt},
	{"dynamodb", openDynamoDB},
}

// openBolt opens a fresh embedded store.
func openBolt(tb testing.TB) movies.Store { return bolttest.Open(tb) }

// openDynamoDB creates a fresh table on the shared DynamoDB Local.
func openDynamoDB(tb testing.TB) movies.Store { return ddbtest.NewStore(tb, ddblocal.Shared(tb)) }

// newServer serves store through the API handlers behind the gateway, in process.
func newServer(tb testing.TB, store movies.Store) *httptest.Server {
	logger := slog.New(slog.DiscardHandler)
	h := gateway.New(gateway.Config{Invoker: gateway.InProcess(api.Functions(store, logger))})
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// getJSON fetches url and decodes a 200 JSON body into v. When contract is
// not nil, the response must also match the OpenAPI document.
func getJSON(ctx context.Context, client *http.Client, u string, v any, contract *openapitest.Validator) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	if contract != nil {
		if err := checkContract(ctx, contract, req.URL, resp, body); err != nil {
			return err
		}
	}
	return json.Unmarshal(body, v)
}

// checkContract validates the response to a request for u against the
// OpenAPI document, on the route and path parameters of the event the
// gateway makes of the request.
func checkContract(ctx context.Context, contract *openapitest.Validator, u *url.URL, resp *http.Response, body []byte) error {
	ev, err := gateway.NewEvent(httptest.NewRequest(http.MethodGet, u.RequestURI(), nil), nil, gateway.Config{})
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	i := slices.IndexFunc(deploy.Routes, func(r deploy.Route) bool { return r.Key() == ev.RouteKey })
	return contract.Response(ctx, deploy.Routes[i], ev.PathParameters, u.Query(), resp.StatusCode, resp.Header, body)
}

// TestFullSample loads each full-size catalogue (the real AWS sample when
// present, and a generated one with tricky titles) with the loader into each
// store, walks /list?limit=1000 and checks every movie comes back exactly
// once, then fetches every movie through /get and compares it with the
// file's record. Every page and every movie must match the OpenAPI document.
func TestFullSample(t *testing.T) {
	for _, sample := range storetest.Samples(t) {
		t.Run(sample.Name, func(t *testing.T) {
			testFullSample(t, sample.Path)
		})
	}
}

// testFullSample runs TestFullSample on the catalogue at path.
func testFullSample(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var records []json.RawMessage
	if err := json.Unmarshal(raw, &records); err != nil {
		t.Fatal(err)
	}
	want := map[movies.Key]json.RawMessage{}
	for i, r := range records {
		var m movies.Movie
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		want[m.Key()] = r
	}
	contract, err := openapitest.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			open := func() (io.ReadCloser, error) { return os.Open(path) }
			stats, err := loader.Load(ctx, open, store, loader.Options{})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if stats.Written != len(records) {
				t.Fatalf("loader wrote %d, want %d", stats.Written, len(records))
			}
			srv := newServer(t, store)
			client := srv.Client()

			seen := map[movies.Key]bool{}
			next, pages := "", 0
			for {
				u := srv.URL + "/list?limit=1000"
				if next != "" {
					u += "&cursor=" + url.QueryEscape(next)
				}
				var page movies.Page
				if err := getJSON(ctx, client, u, &page, contract); err != nil {
					t.Fatal(err)
				}
				pages++
				for _, m := range page.Movies {
					if seen[m.Key()] {
						t.Fatalf("%s listed twice", m.Key())
					}
					seen[m.Key()] = true
				}
				if next = page.Next; next == "" {
					break
				}
				if pages > 100 {
					t.Fatal("listing does not end")
				}
			}
			if len(seen) != len(want) {
				t.Fatalf("listed %d movies in %d pages, want %d", len(seen), pages, len(want))
			}
			t.Logf("%d movies walked in %d pages", len(seen), pages)

			for k, rec := range want {
				var got json.RawMessage
				u := srv.URL + apitest.GetTarget(k.Year, k.Title) // the documented form for the title
				if err := getJSON(ctx, client, u, &got, contract); err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				if eq, err := storetest.EqualJSON(got, rec); err != nil || !eq {
					t.Fatalf("%s does not round-trip:\n got  %s\n want %s", k, got, rec)
				}
			}
		})
	}
}
