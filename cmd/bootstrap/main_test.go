package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
)

// env returns a getenv function over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestHandlerName(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"argument list", []string{"list"}, nil, "list", ""},
		{"argument get", []string{"get"}, nil, "get", ""},
		{"argument wins over _HANDLER", []string{"get"}, map[string]string{"_HANDLER": "list"}, "get", ""},
		{"_HANDLER", nil, map[string]string{"_HANDLER": "get"}, "get", ""},
		{"missing", nil, nil, "", "no handler name"},
		{"empty argument", []string{""}, map[string]string{"_HANDLER": "list"}, "", "no handler name"},
		{"unknown argument", []string{"delete"}, nil, "", `unknown handler "delete" (valid: list, get)`},
		{"unknown _HANDLER", nil, map[string]string{"_HANDLER": "main.Handler"}, "", `unknown handler "main.Handler"`},
		{"case matters", []string{"LIST"}, nil, "", "unknown handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handlerName(tt.args, env(tt.env))
			if tt.wantErr != "" {
				var u *usageError
				if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), strings.Join(deploy.FunctionNames(), ", ")) {
					t.Errorf("err = %v, want it to list the valid names", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("handlerName = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// fakeStore is a movies.Store with one movie.
type fakeStore struct{ movies.Store }

func (fakeStore) Get(_ context.Context, k movies.Key) (*movies.Movie, error) {
	if k == (movies.Key{Year: 2013, Title: "Rush"}) {
		return &movies.Movie{Year: 2013, Title: "Rush"}, nil
	}
	return nil, movies.Errorf(movies.ENOTFOUND, "movie not found")
}

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		storeErr  error
		wantTable string
		wantErr   string
	}{
		{"default table", []string{"get"}, nil, nil, "Movies", ""},
		{"TABLE_NAME", []string{"get"}, map[string]string{"TABLE_NAME": "Films"}, nil, "Films", ""},
		{"bad handler starts nothing", []string{"nope"}, nil, nil, "", "unknown handler"},
		{"store error", []string{"get"}, nil, errors.New("no region"), "Movies", "open table Movies: no region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var table string
			newStore := func(_ context.Context, _ func(string) string, name string) (movies.Store, error) {
				table = name
				if tt.storeErr != nil {
					return nil, tt.storeErr
				}
				return fakeStore{}, nil
			}
			var started any
			err := run(context.Background(), tt.args, env(tt.env), &bytes.Buffer{}, newStore, func(h any) { started = h })
			if table != tt.wantTable {
				t.Errorf("table = %q, want %q", table, tt.wantTable)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || started != nil {
					t.Fatalf("err = %v, started = %v; want error %q and nothing started", err, started != nil, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fn, ok := started.(deploy.Function)
			if !ok {
				t.Fatalf("started %T, want deploy.Function", started)
			}
			resp, err := fn(context.Background(), events.APIGatewayV2HTTPRequest{
				RouteKey:       "GET /get/{year}/{title+}",
				RawPath:        "/get/2013/Rush",
				PathParameters: map[string]string{"year": "2013", "title": "Rush"},
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/get/2013/Rush"}},
			})
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("get = %d %s, %v; want 200", resp.StatusCode, resp.Body, err)
			}
		})
	}
}
