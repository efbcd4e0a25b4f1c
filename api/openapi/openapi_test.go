package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/api/openapi"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/internal/openapitest"
	"github.com/movieskit/movies/storetest"
)

// regenerate is the command that rewrites the checked-in document.
const regenerate = "go run ./cmd/movies openapi > docs/openapi.json"

func validator(t *testing.T) *openapitest.Validator {
	t.Helper()
	v, err := openapitest.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDocumentIsValid loads the document with kin-openapi and validates it
// as OpenAPI 3.1.
func TestDocumentIsValid(t *testing.T) {
	doc := validator(t).Doc()
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != openapi.Version {
		t.Errorf("openapi = %q, want %s", doc.OpenAPI, openapi.Version)
	}
}

// TestCheckedInDocumentIsCurrent fails when docs/openapi.json differs from
// what the code generates.
func TestCheckedInDocumentIsCurrent(t *testing.T) {
	want, err := openapi.JSON(deploy.CORS{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.json"))
	if err != nil {
		t.Fatalf("read the checked-in document: %v; create it with: %s", err, regenerate)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/openapi.json is stale: the routes, parameters or types changed. Regenerate it with:\n\t%s", regenerate)
	}
}

// TestEveryRouteIsDocumented checks the document against the description in
// package api: every route with its path and query parameters and their
// limits, and every status its handler and API Gateway answer.
func TestEveryRouteIsDocumented(t *testing.T) {
	doc := validator(t).Doc()
	for _, r := range deploy.Routes {
		item := doc.Paths.Find(openapi.Path(r.Path))
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s is not in the document", r.Key())
			continue
		}
		op := item.GetOperation(r.Method)
		var want []string
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				want = append(want, "path "+strings.Trim(seg, "{}+"))
			}
		}
		for _, q := range api.RouteQuery[r.Key()] {
			want = append(want, "query "+q.Name)
		}
		var got []string
		for _, p := range op.Parameters {
			got = append(got, p.Value.In+" "+p.Value.Name)
			spec := api.Params[p.Value.Name]
			s := p.Value.Schema.Value
			switch spec.Type {
			case "integer":
				if s.Min == nil || *s.Min != float64(spec.Min) || s.Max == nil || *s.Max != float64(spec.Max) {
					t.Errorf("route %s: %s limits %v–%v, want %d–%d", r.Key(), p.Value.Name, s.Min, s.Max, spec.Min, spec.Max)
				}
			case "string":
				if s.MinLength != uint64(spec.Min) || s.MaxLength == nil || *s.MaxLength != uint64(spec.Max) {
					t.Errorf("route %s: %s length %d–%v, want %d–%d", r.Key(), p.Value.Name, s.MinLength, s.MaxLength, spec.Min, spec.Max)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("route %s: parameters %q, want %q", r.Key(), got, want)
		}
		statuses := []int{http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests,
			http.StatusRequestHeaderFieldsTooLarge, http.StatusInternalServerError, http.StatusServiceUnavailable}
		for _, code := range api.FunctionDocs[r.Function].Errors {
			statuses = append(statuses, api.StatusCode(code))
		}
		for _, s := range statuses {
			resp := op.Responses.Status(s)
			if resp == nil {
				t.Errorf("route %s: status %d is not documented", r.Key(), s)
				continue
			}
			if h := resp.Value.Headers["apigw-requestid"]; h == nil || !h.Value.Required {
				t.Errorf("route %s: status %d does not declare the apigw-requestid header", r.Key(), s)
			}
		}
		if item.Options != nil {
			t.Errorf("route %s: an OPTIONS operation without CORS", r.Key())
		}
	}
	for name, want := range map[string]int{"year": movies.MaxYear, "limit": movies.MaxLimit, "title": movies.MaxTitleBytes, "cursor": movies.MaxCursorBytes} {
		if api.Params[name].Max != want {
			t.Errorf("parameter %s: max %d, want %d", name, api.Params[name].Max, want)
		}
	}
}

// TestNewRouteAppears checks that a route added to the table appears in the
// document with its query parameters.
func TestNewRouteAppears(t *testing.T) {
	routes, query := deploy.Routes, api.RouteQuery
	t.Cleanup(func() { deploy.Routes, api.RouteQuery = routes, query })
	r := deploy.Route{Method: "GET", Path: "/years/{year}", Function: deploy.FunctionList}
	deploy.Routes = append(append([]deploy.Route(nil), routes...), r)
	api.RouteQuery = map[string][]api.QueryParam{r.Key(): {{Name: "limit", Required: true}}}
	for k, v := range query {
		api.RouteQuery[k] = v
	}
	b, err := openapi.JSON(deploy.CORS{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapitest.Load(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	item := doc.Paths.Find("/years/{year}")
	if item == nil || item.Get == nil {
		t.Fatalf("route %s is not in the document", r.Key())
	}
	if p := item.Get.Parameters.GetByInAndName("query", "limit"); p == nil || !p.Required {
		t.Errorf("query parameter limit of %s: %+v, want a required parameter", r.Key(), p)
	}
	if p := item.Get.Parameters.GetByInAndName("path", "year"); p == nil || !p.Required {
		t.Errorf("path parameter year of %s: %+v, want a required parameter", r.Key(), p)
	}
}

// TestTitleQueryRoute checks the query form of get: GET /get/{year} with a
// required title of at most MaxTitleBytes.
func TestTitleQueryRoute(t *testing.T) {
	doc := validator(t).Doc()
	item := doc.Paths.Find("/get/{year}")
	if item == nil || item.Get == nil {
		t.Fatal("GET /get/{year} is not in the document")
	}
	p := item.Get.Parameters.GetByInAndName("query", api.TitleParam)
	if p == nil || !p.Required || p.Schema.Value.MaxLength == nil || *p.Schema.Value.MaxLength != movies.MaxTitleBytes {
		t.Errorf("query parameter title: %+v, want required, at most %d", p, movies.MaxTitleBytes)
	}
}

// apiGolden is a handler golden of api/testdata: an event and its response.
type apiGolden struct {
	name  string
	event events.APIGatewayV2HTTPRequest
	resp  events.APIGatewayV2HTTPResponse
}

// TestHandlerGoldensMatchTheDocument validates every handler golden of
// api/testdata against the operation of its event's route.
func TestHandlerGoldensMatchTheDocument(t *testing.T) {
	v := validator(t)
	events, err := filepath.Glob(filepath.Join("..", "testdata", "*.event.json"))
	if err != nil || len(events) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	for _, ev := range events {
		g := apiGolden{name: strings.TrimSuffix(filepath.Base(ev), ".event.json")}
		t.Run(g.name, func(t *testing.T) {
			storetest.ReadJSON(t, ev, &g.event)
			storetest.ReadJSON(t, strings.TrimSuffix(ev, ".event.json")+".response.json", &g.resp)
			r, ok := routeByKey(g.event.RouteKey)
			if !ok {
				t.Fatalf("route %q is not in the routes table", g.event.RouteKey)
			}
			query, err := url.ParseQuery(g.event.RawQueryString)
			if err != nil {
				t.Fatal(err)
			}
			header := http.Header{"Apigw-Requestid": {"LV7fzho-PHcEJPw="}} // the gateway adds it to the function's answer
			for k, val := range g.resp.Headers {
				header.Set(k, val)
			}
			if err := v.Response(t.Context(), r, g.event.PathParameters, query, g.resp.StatusCode, header, []byte(g.resp.Body)); err != nil {
				t.Error(err)
			}
		})
	}
}

// gatewayGolden is the golden form of an HTTP response of the local gateway.
type gatewayGolden struct {
	Status int                 `json:"status"`
	Header map[string][]string `json:"headers"`
	Body   string              `json:"body"`
}

// TestGatewayGoldensMatchTheDocument validates the gateway's own answers in
// gateway/testdata/responses (every error status) against the document: a
// 404 there answers a request that matched no route, so it must match the
// NotFound response; any other error must be a valid answer of every route
// that declares its status. The 2xx goldens echo the gateway tests'
// stand-in functions, not the API, and are not checked.
func TestGatewayGoldensMatchTheDocument(t *testing.T) {
	v := validator(t)
	files, err := filepath.Glob(filepath.Join("..", "..", "gateway", "testdata", "responses", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	checked := 0
	for _, f := range files {
		var g gatewayGolden
		storetest.ReadJSON(t, f, &g)
		if g.Status < 400 {
			continue
		}
		checked++
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			header := http.Header(g.Header)
			if g.Status == http.StatusNotFound {
				if err := v.NotFound(header, []byte(g.Body)); err != nil {
					t.Error(err)
				}
				return
			}
			routes := v.Routes(g.Status)
			if len(routes) == 0 {
				t.Fatalf("no route declares status %d", g.Status)
			}
			for _, r := range routes {
				if err := v.Response(context.Background(), r, nil, nil, g.Status, header, []byte(g.Body)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	t.Logf("%d gateway goldens checked", checked)
}

// TestBadResponsesAreRefused checks that the validator catches responses
// that break the contract.
func TestBadResponsesAreRefused(t *testing.T) {
	v := validator(t)
	list, _ := routeByKey("GET /list")
	jsonHeader := http.Header{"Content-Type": {"application/json"}, "Apigw-Requestid": {"LV7fzho-PHcEJPw="}}
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
	}{
		{"undeclared status", http.StatusTeapot, jsonHeader, `{"message":"x"}`},
		{"movie without title", 200, jsonHeader, `{"movies":[{"year":2013}]}`},
		{"year out of range", 200, jsonHeader, `{"movies":[{"year":10000,"title":"x"}]}`},
		{"unknown field", 200, jsonHeader, `{"movies":[],"extra":1}`},
		{"info not an object", 200, jsonHeader, `{"movies":[{"year":2013,"title":"x","info":[1]}]}`},
		{"empty next", 200, jsonHeader, `{"movies":[],"next":""}`},
		{"internal detail in a 500", 500, jsonHeader, `{"message":"dial tcp 10.0.0.1: refused"}`},
		{"text body", 400, http.Header{"Content-Type": {"text/plain"}, "Apigw-Requestid": {"LV7fzho-PHcEJPw="}}, `bad`},
		{"no apigw-requestid", 200, http.Header{"Content-Type": {"application/json"}}, `{"movies":[]}`},
		{"apigw-requestid of another alphabet", 200, http.Header{"Content-Type": {"application/json"}, "Apigw-Requestid": {"y1/NPIvbNJFfkaw="}}, `{"movies":[]}`},
		{"429 with another message", 429, jsonHeader, `{"message":"slow down"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := v.Response(t.Context(), list, nil, nil, tc.status, tc.header, []byte(tc.body)); err == nil {
				t.Errorf("%d %s: no error", tc.status, tc.body)
			}
		})
	}
	if err := v.NotFound(jsonHeader, []byte(`{"error":"Not Found"}`)); err == nil {
		t.Error("NotFound accepted a body without message")
	}
	if err := v.Response(t.Context(), list, nil, nil, 200, jsonHeader, []byte(`{"movies":[{"year":2013,"title":"Rush","info":{"rating":8.3}}],"next":"eyJ5IjoyMDEzfQ"}`)); err != nil {
		t.Errorf("a valid page: %v", err)
	}
}

func routeByKey(key string) (deploy.Route, bool) {
	for _, r := range deploy.Routes {
		if r.Key() == key {
			return r, true
		}
	}
	return deploy.Route{}, false
}

// TestCORSDocument checks the document for a CORS configuration (movies
// openapi --cors): every path has the preflight API Gateway answers, with
// the configured headers, and every answer declares the CORS headers.
func TestCORSDocument(t *testing.T) {
	cors, err := deploy.ParseCORS(`{"allowOrigins":["https://app.example"],"allowMethods":["GET"],"allowHeaders":["content-type"],` +
		`"exposeHeaders":["apigw-requestid"],"maxAge":-1,"allowCredentials":true}`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := openapi.JSON(cors)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapitest.Load(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range deploy.Routes {
		item := doc.Paths.Find(openapi.Path(r.Path))
		if item.Options == nil {
			t.Fatalf("route %s: no preflight", r.Key())
		}
		pre := item.Options.Responses.Status(http.StatusNoContent)
		if pre == nil {
			t.Fatalf("route %s: the preflight has no 204", r.Key())
		}
		for name, want := range map[string]string{"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "content-type",
			"Access-Control-Max-Age": "-1", "Access-Control-Allow-Credentials": "true"} {
			h := pre.Value.Headers[name]
			if h == nil || h.Value.Schema.Value.Const != want {
				t.Errorf("route %s: preflight header %s %+v, want const %q", r.Key(), name, h, want)
			}
		}
		for _, name := range []string{"Access-Control-Allow-Origin", "Vary", "apigw-requestid"} {
			if pre.Value.Headers[name] == nil {
				t.Errorf("route %s: the preflight does not declare %s", r.Key(), name)
			}
		}
		for code, resp := range item.Get.Responses.Map() {
			if resp.Ref != "" {
				resp = doc.Components.Responses[strings.TrimPrefix(resp.Ref, "#/components/responses/")]
			}
			for _, name := range []string{"Access-Control-Allow-Origin", "Vary", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers"} {
				if resp.Value.Headers[name] == nil {
					t.Errorf("route %s: %s does not declare %s", r.Key(), code, name)
				}
			}
			if resp.Value.Headers["Access-Control-Allow-Methods"] != nil {
				t.Errorf("route %s: %s declares a preflight header", r.Key(), code)
			}
		}
	}
}

// TestREADMEErrorTableMatchesTheDocument checks that the README's table of
// error answers lists exactly the error statuses the document describes, so
// that the two cannot drift.
func TestREADMEErrorTableMatchesTheDocument(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| ([45][0-9][0-9]) \\| `\\{\"message\":")
	inREADME := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		inREADME[m[1]] = true
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	b, err := openapi.JSON(deploy.CORS{})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	inDoc := map[string]bool{}
	for _, ops := range doc.Paths {
		for _, op := range ops {
			for status := range op.Responses {
				if status >= "400" {
					inDoc[status] = true
				}
			}
		}
	}
	if !maps.Equal(inREADME, inDoc) {
		t.Errorf("README's error table lists %v, the document %v", slices.Sorted(maps.Keys(inREADME)), slices.Sorted(maps.Keys(inDoc)))
	}
}
