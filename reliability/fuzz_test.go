package reliability_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/internal/bolttest"
)

// checkHandlerResponse fails unless resp is what a client may cause: 200, 400
// or 404, content-type application/json, and an error body of exactly
// {"message": string}.
func checkHandlerResponse(t *testing.T, resp events.APIGatewayV2HTTPResponse, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	if ct := resp.Headers["content-type"]; ct != "application/json" {
		t.Fatalf("content-type %q", ct)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if !json.Valid([]byte(resp.Body)) {
			t.Fatalf("200 body is not JSON: %q", resp.Body)
		}
	case http.StatusBadRequest, http.StatusNotFound:
		if _, ok := errorMessage([]byte(resp.Body)); !ok {
			t.Fatalf("%d body is not {\"message\": string}: %q", resp.StatusCode, resp.Body)
		}
	default:
		t.Fatalf("status %d for client input: %s", resp.StatusCode, resp.Body)
	}
}

// FuzzListParams calls the list function on the embedded store with arbitrary
// query parameters; a present flag bit says whether each is sent at all.
func FuzzListParams(f *testing.F) {
	cur := movies.EncodeCursor(movies.Key{Year: 2013, Title: "Prisoners"})
	f.Add(uint8(7), "2", "2013", cur)
	f.Add(uint8(1), "1000", "", "")
	f.Add(uint8(1), "0", "", "")
	f.Add(uint8(3), "5,6", "-1", "")
	f.Add(uint8(4), "", "", "")
	f.Add(uint8(6), "", "1999", cur)
	f.Add(uint8(7), "007", "0002013", "eyJ5IjoyMDEzLCJ0IjoiIn0")
	f.Add(uint8(3), "１", "２０１３", "")
	list := api.Functions(bolttest.Open(f, fixtures()...), quietLogger)[deploy.FunctionList]
	f.Fuzz(func(t *testing.T, present uint8, limit, year, cursor string) {
		q := map[string]string{}
		for i, kv := range [][2]string{{"limit", limit}, {"year", year}, {"cursor", cursor}} {
			if present&(1<<i) != 0 {
				q[kv[0]] = kv[1]
			}
		}
		req := events.APIGatewayV2HTTPRequest{RouteKey: "GET /list", RawPath: "/list", QueryStringParameters: q}
		resp, err := list(context.Background(), req)
		checkHandlerResponse(t, resp, err)
		if resp.StatusCode == http.StatusOK {
			var page movies.Page
			if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
				t.Fatalf("200 body is not a page: %v", err)
			}
		}
	})
}

// FuzzGetParams calls the get function on the embedded store with arbitrary
// path parameters.
func FuzzGetParams(f *testing.F) {
	f.Add(true, "2013", true, "Rush")
	f.Add(true, "2001", true, "Amélie / Le Fabuleux Destin? #1 & 100% +")
	f.Add(true, "1999", true, "Nope")
	f.Add(false, "", true, "Rush")
	f.Add(true, "2013", false, "")
	f.Add(true, "99999999999", true, "\xff")
	f.Add(true, "+2013", true, strings.Repeat("a", movies.MaxTitleBytes+1))
	get := api.Functions(bolttest.Open(f, fixtures()...), quietLogger)[deploy.FunctionGet]
	f.Fuzz(func(t *testing.T, hasYear bool, year string, hasTitle bool, title string) {
		p := map[string]string{}
		if hasYear {
			p["year"] = year
		}
		if hasTitle {
			p["title"] = title
		}
		req := events.APIGatewayV2HTTPRequest{RouteKey: "GET /get/{year}/{title+}", PathParameters: p}
		resp, err := get(context.Background(), req)
		checkHandlerResponse(t, resp, err)
	})
}

// FuzzServe sends arbitrary request targets through the gateway to both
// handlers on the embedded store: whatever the path and query, the answer is
// never a 5xx, and every error body is {"message": string} as JSON.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		"/list", "/list?limit=2&year=2013", "/list?limit=2&limit=3", "/list?cursor=", "/list?cursor=%zz",
		"/list?year=2013&cursor=" + movies.EncodeCursor(movies.Key{Year: 1999, Title: "Fight Club"}),
		"/get/2013/Rush", "/get/2001/%E5%8D%83%E3%81%A8", "/get/1999/Nope", "/get/0/x", "/get/2013/%FF",
		"/get/2013/a/b/c?x=1", "/nothing", "/get/2013",
	} {
		f.Add(s)
	}
	h := gateway.New(gateway.Config{
		Invoker: gateway.InProcess(api.Functions(bolttest.Open(f, fixtures()...), quietLogger)),
		Logger:  quietLogger,
	})
	f.Fuzz(func(t *testing.T, target string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\x00#") {
			return // not an origin-form request target a client can send
		}
		req := httptest.NewRequest(http.MethodGet, "http://api.example.com/", nil)
		req.RequestURI = target
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %q: status %d: %s", target, w.Code, w.Body.String())
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("GET %q: content-type %q", target, ct)
		}
		if w.Code != http.StatusOK {
			if _, ok := errorMessage(w.Body.Bytes()); !ok {
				t.Fatalf("GET %q: %d body is not {\"message\": string}: %q", target, w.Code, w.Body.String())
			}
		}
	})
}
