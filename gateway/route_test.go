package gateway

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		method, path string
		wantKey      string // "" for no match
		wantParams   map[string]string
	}{
		{"GET", "/list", "GET /list", nil},
		{"GET", "/list/", "GET /list", nil}, // a trailing slash is ignored
		{"GET", "/list//", "", nil},
		{"POST", "/list", "", nil},
		{"GET", "/get/2013/Rush", "GET /get/{year}/{title+}", map[string]string{"year": "2013", "title": "Rush"}},
		{"GET", "/get/1997/Face/Off", "GET /get/{year}/{title+}", map[string]string{"year": "1997", "title": "Face/Off"}},
		{"GET", "/get/2013/Rush/", "GET /get/{year}/{title+}", map[string]string{"year": "2013", "title": "Rush"}},
		{"GET", "/get/2013/a%20b", "GET /get/{year}/{title+}", map[string]string{"year": "2013", "title": "a%20b"}}, // taken as it stands
		{"GET", "/get/2013", "GET /get/{year}", map[string]string{"year": "2013"}},
		{"GET", "/get/2013/", "GET /get/{year}", map[string]string{"year": "2013"}},
		{"GET", "/get//Rush", "", nil},
		{"GET", "/get", "", nil},
		{"GET", "get/2013/Rush", "", nil},
		{"GET", "", "", nil},
		{"GET", "/", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r, params, ok := match(deploy.Routes, tt.method, tt.path)
			if ok != (tt.wantKey != "") || r.Key() != tt.wantKey && ok {
				t.Fatalf("match = %s, %v; want %q", r.Key(), ok, tt.wantKey)
			}
			if !maps.Equal(params, tt.wantParams) {
				t.Errorf("params = %v, want %v", params, tt.wantParams)
			}
		})
	}
}

// FuzzMatch checks match on arbitrary methods and raw paths: no panic;
// a match is a route of the table, with one non-empty parameter per
// placeholder, and only for a path under the route's literal prefix.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		"/list", "/list/", "/get/2013/Rush", "/get/1997/Face/Off", "/get/2013/Rush%20Hour",
		"/get//Rush", "/get/2013/", "/get/2013/%zz", "/get/%32%30%31%33/a%2Fb", "get/2013/x", "", "/",
	} {
		f.Add("GET", s)
	}
	f.Add("POST", "/list")
	f.Fuzz(func(t *testing.T, method, rawPath string) {
		route, params, ok := match(deploy.Routes, method, rawPath)
		if !ok {
			if route != (deploy.Route{}) || params != nil {
				t.Fatalf("no match but route %v params %v", route, params)
			}
			return
		}
		if route.Method != method {
			t.Fatalf("route %v matched method %q", route, method)
		}
		prefix, _, _ := strings.Cut(route.Path, "{")
		if !strings.HasPrefix(rawPath, prefix) {
			t.Fatalf("route %v matched path %q", route, rawPath)
		}
		if want := strings.Count(route.Path, "{"); len(params) != want {
			t.Fatalf("route %v on %q: %d params %v, want %d", route, rawPath, len(params), params, want)
		}
		for name, v := range params {
			if v == "" || !strings.Contains(route.Path, "{"+name) {
				t.Fatalf("route %v on %q: bad param %q=%q", route, rawPath, name, v)
			}
		}
	})
}

// TestAPIFixturesRouted checks that the event fixtures of package api are
// self-consistent: when a fixture's raw path matches a route, that route is
// the event's and the path parameters are the ones match decodes.
func TestAPIFixturesRouted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "api", "testdata", "*.event.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no event fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(b, &req); err != nil {
				t.Fatal(err)
			}
			r, params, ok := match(deploy.Routes, req.RequestContext.HTTP.Method, req.RawPath)
			if !ok {
				if req.PathParameters != nil {
					t.Fatalf("fixture has path parameters but %s matches no route", req.RawPath)
				}
				return
			}
			if r.Key() != req.RouteKey || !maps.Equal(params, req.PathParameters) {
				t.Fatalf("fixture routing: match gives %s %v, event has %s %v", r.Key(), params, req.RouteKey, req.PathParameters)
			}
		})
	}
}

func TestSplitRequestURI(t *testing.T) {
	tests := []struct {
		uri, path, query string
	}{
		{"/list", "/list", ""},
		{"/list?", "/list", ""},
		{"/get/1997/Face%2FOff?x=%7e", "/get/1997/Face%2FOff", "x=%7e"},
		{"http://example.com/list?a=1", "/list", "a=1"},
		{"http://example.com", "/", ""},
		{"HTTP://127.0.0.1/get/2013/Rush", "/get/2013/Rush", ""},
		{"Http://Example.COM:8080/list?limit=3", "/list", "limit=3"},
		{"HTTPS://example.com?a=1", "/", "a=1"},
		{"http://user@example.com/list", "/list", ""},
		{"http://example.com/a://b?c=://", "/a://b", "c=://"},
		{"*", "*", ""},
	}
	for _, tt := range tests {
		r := &http.Request{RequestURI: tt.uri}
		p, q := splitRequestURI(r)
		if p != tt.path || q != tt.query {
			t.Errorf("splitRequestURI(%q) = %q, %q; want %q, %q", tt.uri, p, q, tt.path, tt.query)
		}
	}
}
