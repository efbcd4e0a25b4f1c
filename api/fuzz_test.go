package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
)

// checkClientResponse fails unless resp is a JSON answer with one of the
// statuses a client can cause: 200, 400 or 404.
func checkClientResponse(t *testing.T, resp events.APIGatewayV2HTTPResponse, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("handler returned error %v", err)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
	default:
		t.Fatalf("status %d for client input: %s", resp.StatusCode, resp.Body)
	}
	if !json.Valid([]byte(resp.Body)) {
		t.Fatalf("body is not JSON: %q", resp.Body)
	}
}

// FuzzList checks that no query string makes List fail with anything but a 400.
func FuzzList(f *testing.F) {
	f.Add("100", "2013", movies.EncodeCursor(movies.Key{Year: 2013, Title: "Rush"}))
	f.Add("5,6", "", "")
	f.Add("1e3", "-1", "abc")
	f.Add(" 5", "0x7d0", "eyJ5IjowLCJ0IjoiIn0")
	h, _ := newTestServer(newSliceStore(generatedMovies(50)))
	f.Fuzz(func(t *testing.T, limit, year, cursor string) {
		resp, err := h.list(context.Background(), listRequest(map[string]string{"limit": limit, "year": year, "cursor": cursor}))
		checkClientResponse(t, resp, err)
	})
}

// FuzzGet checks that no path parameters make Get fail with anything but a 400 or 404.
func FuzzGet(f *testing.F) {
	f.Add("2013", "Rush")
	f.Add("1997", "Face/Off")
	f.Add("", "")
	f.Add("9999999999999999999", "\xff")
	h, _ := newTestServer(newSliceStore(generatedMovies(50)))
	f.Fuzz(func(t *testing.T, year, title string) {
		resp, err := h.get(context.Background(), getRequest(map[string]string{"year": year, "title": title}))
		checkClientResponse(t, resp, err)
	})
}
