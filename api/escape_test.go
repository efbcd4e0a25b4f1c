package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/internal/bolttest"
	"github.com/movieskit/movies/storetest"
)

// marshaledSize returns the size of resp as json.Marshal writes it: the
// body escaped as a JSON string, '<', '>' and '&' as 6 bytes. The Lambda
// runtime writes no more (it does not escape HTML).
func marshaledSize(t *testing.T, resp events.APIGatewayV2HTTPResponse) int {
	t.Helper()
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatalf("marshal response: %v", err)
	}
	return len(b)
}

// escapeHeavyMovies returns n valid movies of year 2000 titled after name
// whose info, about 300 KB of compact JSON, repeats unit inside a JSON
// string (or, for a unit starting with '"', as array items), and a small one
// after every fourth.
func escapeHeavyMovies(n int, name, unit string) []movies.Movie {
	info := func(size int) json.RawMessage {
		if strings.HasPrefix(unit, `"`) {
			return json.RawMessage(`{"actors":[` + strings.TrimSuffix(strings.Repeat(unit+",", max(size/(len(unit)+1), 1)), ",") + `]}`)
		}
		return json.RawMessage(`{"plot":"` + strings.Repeat(unit, max(size/len(unit), 1)) + `"}`)
	}
	var ms []movies.Movie
	for i := range n {
		ms = append(ms, movies.Movie{Year: 2000, Title: fmt.Sprintf("%s %03d", name, i), Info: info(300_000)})
		if i%4 == 0 {
			ms = append(ms, movies.Movie{Year: 2000, Title: fmt.Sprintf("%s %03d small", name, i), Info: info(1)})
		}
	}
	return ms
}

// TestListPagesFitLambdaLimit checks that every list page, whatever its
// movies hold, fits in Lambda's payload limit once the response is encoded
// (the body is a JSON string in it: '"' takes 2 bytes, '<' 6, a raw U+2028
// 6 instead of 3), on the test store and the embedded one, and that walking
// the pages returns every movie exactly once.
func TestListPagesFitLambdaLimit(t *testing.T) {
	kinds := []struct{ name, unit string }{
		{"quotes", `"a"`},
		{"html", `<a href=x>&amp;</a>`},
		{"control characters", `\u0001\u001f\n\t\"`},
		{"backslashes", `\\\\`},
		{"line separators", "\u2028\u2029"},
		{"plain", "plain text "},
	}
	stores := []struct {
		name string
		open func(t *testing.T, ms []movies.Movie) movies.Store
	}{
		{"slice", func(_ *testing.T, ms []movies.Movie) movies.Store { return newSliceStore(ms) }},
		{"bolt", func(t *testing.T, ms []movies.Movie) movies.Store { return bolttest.Open(t, ms...) }},
	}
	for _, kind := range kinds {
		ms := escapeHeavyMovies(20, kind.name, kind.unit)
		for _, st := range stores {
			t.Run(kind.name+"/"+st.name, func(t *testing.T) {
				h, logs := newTestServer(st.open(t, ms))
				q := map[string]string{"limit": "1000"}
				var all []movies.Movie
				for pages := 1; ; pages++ {
					if pages > len(ms) {
						t.Fatalf("still a next cursor after %d pages", pages)
					}
					resp, err := h.list(context.Background(), listRequest(q))
					if err != nil || resp.StatusCode != http.StatusOK {
						t.Fatalf("page %d: %d %v %.200s\n%s", pages, resp.StatusCode, err, resp.Body, logs)
					}
					if n := marshaledSize(t, resp); n > deploy.MaxPayloadBytes {
						t.Fatalf("page %d: body %d bytes, response %d bytes encoded, over Lambda's %d", pages, len(resp.Body), n, deploy.MaxPayloadBytes)
					}
					var page movies.Page
					if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
						t.Fatalf("page %d: %v", pages, err)
					}
					all = append(all, page.Movies...)
					if page.Next == "" {
						break
					}
					q["cursor"] = page.Next
				}
				checkWalk(t, all, storetest.ByKey(ms))
			})
		}
	}
}
