//go:build linux

package rietest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/internal/ddblocal"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

// seed are the movies put in the test table.
var seed = []movies.Movie{
	{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"genres":["Action","Biography"]}`)},
	{Year: 2013, Title: "Prisoners", Info: json.RawMessage(`{"rating":8.2}`)},
	{Year: 1998, Title: "Rush Hour", Info: json.RawMessage(`{"rating":6.9}`)},
}

var table struct {
	sync.Once
	name string
	err  error
}

// seededTable creates one table in DynamoDB Local for the test binary, puts
// the seed movies in it and returns its name.
func seededTable(tb testing.TB, srv *ddblocal.Server) string {
	tb.Helper()
	table.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		table.name = fmt.Sprintf("rietest_%d", time.Now().UnixNano())
		store := dynamodb.NewFromConfig(srv.Config(), table.name)
		if err := dynamodb.CreateTable(ctx, store.Client(), dynamodb.TableSpec{Name: table.name}, true); err != nil {
			table.err = fmt.Errorf("create table: %w", err)
			return
		}
		if err := store.Put(ctx, seed); err != nil {
			table.err = fmt.Errorf("put movies: %w", err)
		}
	})
	if table.err != nil {
		tb.Fatal(table.err)
	}
	return table.name
}

// functionEnv is the whole environment of RIE and the bootstrap, as Lambda
// would set it, pointed at DynamoDB Local. Nothing else of the host leaks in.
func functionEnv(srv *ddblocal.Server, tableName, handler string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"TABLE_NAME=" + tableName,
		"AWS_REGION=" + ddblocal.Region,
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL_DYNAMODB=" + srv.Endpoint,
		"AWS_LAMBDA_FUNCTION_NAME=movies-" + handler,
	}
}

// startFunction starts RIE serving handler from the image's bootstrap and waits until it listens.
func startFunction(tb testing.TB, handler string) *RIE {
	tb.Helper()
	rp := RIEPath(tb)
	srv := ddblocal.Shared(tb)
	name := seededTable(tb, srv)
	bin := imageBootstrap(tb)
	return StartRIE(tb, rp, bin, handler, functionEnv(srv, name, handler))
}

// startArm64Function starts RIE serving handler from the arm64 image's
// entrypoint, which RIE runs through qemu-aarch64-static: the binary the CDK
// stack deploys, executed on this machine.
func startArm64Function(tb testing.TB, handler string) *RIE {
	tb.Helper()
	qemu := qemuAarch64(tb)
	rp := RIEPath(tb)
	srv := ddblocal.Shared(tb)
	name := seededTable(tb, srv)
	bin := imageBootstrapFor(tb, "arm64")
	return StartRIECommand(tb, rp, []string{qemu, bin, handler}, functionEnv(srv, name, handler))
}

// event returns the API Gateway payload-2.0 event for GET target, as the
// local gateway builds it from the routes table.
func event(tb testing.TB, target string) []byte {
	tb.Helper()
	req := httptest.NewRequest("GET", target, nil)
	ev, err := gateway.NewEvent(req, nil, gateway.Config{})
	if err != nil {
		tb.Fatalf("event for %s: %v", target, err)
	}
	payload, err := gateway.MarshalEvent(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return payload
}

// call invokes the function with the event for target and decodes its API Gateway response.
func call(tb testing.TB, r *RIE, target string) events.APIGatewayV2HTTPResponse {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, body, err := r.Invoke(ctx, event(tb, target))
	if err != nil {
		tb.Fatalf("%v\nRIE output:\n%s", err, r.Output())
	}
	var resp events.APIGatewayV2HTTPResponse
	if status != 200 || json.Unmarshal(body, &resp) != nil || resp.StatusCode == 0 {
		tb.Fatalf("invoke %s: RIE status %d, body %s\nRIE output:\n%s", target, status, body, r.Output())
	}
	return resp
}

// functionCases are the invocations both images must answer.
var functionCases = []struct {
	handler    string
	target     string
	wantStatus int
	wantTitles []string // the titles of the movies in the body, in any order (nil: not checked)
	wantCount  int      // the number of movies in the body
	wantInBody string
}{
	{"list", "/list", 200, []string{"Prisoners", "Rush", "Rush Hour"}, 3, ""},
	{"list", "/list?year=2013", 200, []string{"Prisoners", "Rush"}, 2, ""},
	{"list", "/list?limit=1", 200, nil, 1, `"next":`},
	{"list", "/list?limit=lots", 400, nil, 0, "limit"},
	{"get", "/get/2013/Rush", 200, []string{"Rush"}, 1, `"rating":8.3`},
	{"get", "/get/1998/Rush%20Hour", 200, []string{"Rush Hour"}, 1, ""},
	{"get", "/get/2013/Gravity", 404, nil, 0, ""},
	{"get", "/get/twenty/Rush", 400, nil, 0, "year"},
}

func TestFunctionsUnderRIE(t *testing.T) {
	checkFunctions(t, startFunction)
}

// TestArm64FunctionsUnderRIE runs the bootstrap of the arm64 image, the one
// the CDK stack deploys, under RIE through qemu-aarch64-static against
// DynamoDB Local, with the same cases as the amd64 image.
func TestArm64FunctionsUnderRIE(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the emulated arm64 image in -short mode")
	}
	qemuAarch64(t) // skip (or fail under CI=true) once, before any build
	checkFunctions(t, startArm64Function)
}

// checkFunctions runs functionCases against each handler started by start.
func checkFunctions(t *testing.T, start func(testing.TB, string) *RIE) {
	for _, handler := range deploy.FunctionNames() {
		t.Run(handler, func(t *testing.T) {
			r := start(t, handler)
			for _, tt := range functionCases {
				if tt.handler != handler {
					continue
				}
				t.Run(tt.target, func(t *testing.T) {
					resp := call(t, r, tt.target)
					if resp.StatusCode != tt.wantStatus {
						t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.wantStatus, resp.Body)
					}
					if ct := resp.Headers["Content-Type"] + resp.Headers["content-type"]; !strings.HasPrefix(ct, "application/json") {
						t.Errorf("content type %q, want application/json", ct)
					}
					got := titles(t, handler, resp.Body, tt.wantStatus)
					slices.Sort(got)
					if len(got) != tt.wantCount || (tt.wantTitles != nil && !slices.Equal(got, tt.wantTitles)) {
						t.Errorf("titles %q, want %d: %q", got, tt.wantCount, tt.wantTitles)
					}
					if !strings.Contains(resp.Body, tt.wantInBody) {
						t.Errorf("body %s does not contain %q", resp.Body, tt.wantInBody)
					}
				})
			}
		})
	}
}

// titles returns the titles of the movies in a 200 list or get body.
func titles(t *testing.T, handler, body string, status int) []string {
	t.Helper()
	if status != 200 {
		return nil
	}
	var ms []movies.Movie
	if handler == deploy.FunctionList {
		var p movies.Page
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("list body %s: %v", body, err)
		}
		ms = p.Movies
	} else {
		var m movies.Movie
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("get body %s: %v", body, err)
		}
		ms = []movies.Movie{m}
	}
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Title)
	}
	return out
}

func TestUnknownHandlerFailsInit(t *testing.T) {
	r := startFunction(t, "delete")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, body, err := r.Invoke(ctx, event(t, "/list"))
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if json.Unmarshal(body, &resp) == nil && resp.StatusCode == 200 {
		t.Fatalf("unknown handler served a 200: %s", body)
	}
	if out := r.Output(); !strings.Contains(out, `unknown handler "delete" (valid: list, get)`) {
		t.Errorf("output does not name the valid handlers:\n%s", out)
	}
}
