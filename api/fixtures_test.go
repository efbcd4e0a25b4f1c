package api

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/storetest"
)

// TestFixtures runs every testdata/NAME.event.json, an API Gateway HTTP API
// payload 2.0 event, through the handler its route key names, on a store
// holding testdata/movies.json, and compares the result with
// testdata/NAME.response.json: status, headers and JSON-semantic body.
func TestFixtures(t *testing.T) {
	var catalogue []movies.Movie
	storetest.ReadJSON(t, filepath.Join("testdata", "movies.json"), &catalogue)
	h, _ := newTestHandler(newSliceStore(catalogue))

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

			checkFixtureRouting(t, req)
			fn := fixtureHandler(t, h, req.RouteKey)
			got, err := fn(context.Background(), req)
			if err != nil {
				t.Fatalf("handler returned error %v, want nil", err)
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

// fixtureHandler returns the handler of the route whose key is routeKey.
func fixtureHandler(t *testing.T, h *Handler, routeKey string) HandlerFunc {
	t.Helper()
	for _, r := range Routes {
		if r.Key() == routeKey {
			fn, ok := h.Func(r.Handler)
			if !ok {
				t.Fatalf("no handler %q for route %s", r.Handler, routeKey)
			}
			return fn
		}
	}
	t.Fatalf("no route %q in the routes table", routeKey)
	return nil
}

// checkFixtureRouting checks that a fixture is self-consistent: when its raw
// path matches a route, that route is the event's and the path parameters
// are the ones Match decodes.
func checkFixtureRouting(t *testing.T, req events.APIGatewayV2HTTPRequest) {
	t.Helper()
	r, params, ok := Match(Routes, req.RequestContext.HTTP.Method, req.RawPath)
	if !ok {
		if req.PathParameters != nil {
			t.Fatalf("fixture has path parameters but %s matches no route", req.RawPath)
		}
		return
	}
	if r.Key() != req.RouteKey || !maps.Equal(params, req.PathParameters) {
		t.Fatalf("fixture routing: Match gives %s %v, event has %s %v", r.Key(), params, req.RouteKey, req.PathParameters)
	}
}
