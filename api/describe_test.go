package api

import (
	"strconv"
	"strings"
	"testing"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
)

// TestDescriptionCoversRoutes checks that the description of the API has
// every route's query and path parameters and every function, and nothing
// stale.
func TestDescriptionCoversRoutes(t *testing.T) {
	keys := map[string]bool{}
	for _, r := range deploy.Routes {
		keys[r.Key()] = true
		q, ok := RouteQuery[r.Key()]
		if !ok {
			t.Errorf("route %s has no entry in RouteQuery", r.Key())
		}
		for _, p := range q {
			if _, ok := Params[p.Name]; !ok {
				t.Errorf("route %s: query parameter %q is not in Params", r.Key(), p.Name)
			}
		}
		for _, seg := range strings.Split(r.Path, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "+")
				if _, ok := Params[name]; !ok {
					t.Errorf("route %s: path parameter %q is not in Params", r.Key(), name)
				}
			}
		}
		if _, ok := FunctionDocs[r.Function]; !ok {
			t.Errorf("route %s: function %q is not in FunctionDocs", r.Key(), r.Function)
		}
	}
	for k := range RouteQuery {
		if !keys[k] {
			t.Errorf("RouteQuery has %s, which is not a route", k)
		}
	}
	if len(FunctionDocs) != len(deploy.FunctionNames()) {
		t.Errorf("FunctionDocs describes %d functions, the routes table has %d", len(FunctionDocs), len(deploy.FunctionNames()))
	}
}

// TestParamLimitsAreEnforced checks that the handlers accept each parameter
// at its described limits and refuse it just outside them.
func TestParamLimitsAreEnforced(t *testing.T) {
	check := func(name, value string, ok bool) {
		t.Helper()
		var err error
		switch name {
		case "limit", "cursor", "year":
			_, err = listOptions(map[string]string{name: value})
		case TitleParam:
			_, err = movieKey(map[string]string{"year": "2013", TitleParam: value}, nil)
			if _, qerr := movieKey(map[string]string{"year": "2013"}, map[string]string{TitleParam: value}); (qerr == nil) != (err == nil) {
				t.Errorf("title of %d bytes: path form err = %v, query form err = %v", len(value), err, qerr)
			}
		default:
			t.Fatalf("no check for parameter %q", name)
		}
		if (err == nil) != ok {
			t.Errorf("%s of %d bytes (%.20q): err = %v, want ok %t", name, len(value), value, err, ok)
		}
	}
	for name, p := range Params {
		switch p.Type {
		case "integer":
			check(name, strconv.Itoa(p.Min), true)
			check(name, strconv.Itoa(p.Max), true)
			check(name, strconv.Itoa(p.Min-1), false)
			check(name, strconv.Itoa(p.Max+1), false)
		case "string":
			if name == "cursor" {
				check(name, movies.EncodeCursor(movies.Key{Year: 2013, Title: "Rush"}), true)
				check(name, strings.Repeat("A", p.Max+1), false)
				check(name, "", false)
				continue
			}
			check(name, strings.Repeat("é", p.Max/2), true)
			check(name, strings.Repeat("x", p.Max+1), false)
			check(name, "", false)
		default:
			t.Errorf("parameter %s: type %q", name, p.Type)
		}
	}
}
