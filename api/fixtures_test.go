package api

import (
	"context"
	"log/slog"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/storetest"
)

// TestFixtures runs every testdata/NAME.event.json, an API Gateway HTTP API
// payload 2.0 event, through the function its route key names, on a store
// holding testdata/movies.json, and compares the result with
// testdata/NAME.response.json: status, headers and JSON-semantic body.
func TestFixtures(t *testing.T) {
	var catalogue []movies.Movie
	storetest.ReadJSON(t, filepath.Join("testdata", "movies.json"), &catalogue)
	fns := Functions(newSliceStore(catalogue), slog.New(slog.DiscardHandler))

	eventFiles, err := filepath.Glob(filepath.Join("testdata", "*.event.json"))
	if err != nil || len(eventFiles) == 0 {
		t.Fatalf("no event fixtures: %v", err)
	}
	for _, eventFile := range eventFiles {
		name := strings.TrimSuffix(filepath.Base(eventFile), ".event.json")
		t.Run(name, func(t *testing.T) {
			var req events.APIGatewayV2HTTPRequest
			storetest.ReadJSON(t, eventFile, &req)
			var want events.APIGatewayV2HTTPResponse
			storetest.ReadJSON(t, filepath.Join("testdata", name+".response.json"), &want)

			fn := fixtureFunction(t, fns, req.RouteKey)
			got, err := fn(context.Background(), req)
			if err != nil {
				t.Fatalf("function returned error %v, want nil", err)
			}
			if got.StatusCode != want.StatusCode {
				t.Errorf("status = %d, want %d", got.StatusCode, want.StatusCode)
			}
			if !maps.Equal(got.Headers, want.Headers) {
				t.Errorf("headers = %v, want %v", got.Headers, want.Headers)
			}
			if got.IsBase64Encoded != want.IsBase64Encoded {
				t.Errorf("isBase64Encoded = %v, want %v", got.IsBase64Encoded, want.IsBase64Encoded)
			}
			if !equalJSON(t, got.Body, want.Body) {
				t.Errorf("body =\n%s\nwant\n%s", got.Body, want.Body)
			}
		})
	}
}

// fixtureFunction returns the function of fns that serves the route whose
// key is routeKey.
func fixtureFunction(t *testing.T, fns map[string]deploy.Function, routeKey string) deploy.Function {
	t.Helper()
	name := deploy.FunctionFor(routeKey)
	if name == "" {
		t.Fatalf("no route %q in the routes table", routeKey)
	}
	if fns[name] == nil {
		t.Fatalf("no function %q for route %s", name, routeKey)
	}
	return fns[name]
}
