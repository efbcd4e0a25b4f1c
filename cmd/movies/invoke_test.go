package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/bolt"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/rietest"
)

func TestReadEvent(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"version":"2.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version":`), 0o644); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat(" ", gateway.MaxPayloadBytes) + "{}"
	tests := []struct {
		name    string
		file    string
		stdin   string
		want    string // substring of the event
		wantErr string
	}{
		{"default event", "", "", `"routeKey":"GET /get/{year}/{title+}"`, ""},
		{"file", good, "", `{"version":"2.0"}`, ""},
		{"stdin", "-", `{"from":"stdin"}`, `{"from":"stdin"}`, ""},
		{"invalid JSON", bad, "", "", "not valid JSON"},
		{"empty stdin", "-", "", "", "not valid JSON"},
		{"too large", "-", big, "", "payload limit"},
		{"missing file", filepath.Join(dir, "none.json"), "", "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := readEvent("get", invokeOptions{file: tt.file}, strings.NewReader(tt.stdin), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("readEvent error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.Contains(string(b), tt.want) {
				t.Errorf("readEvent = %s, %v; want an event containing %s", b, err, tt.want)
			}
		})
	}
}

// fakeRIE answers invocations like aws-lambda-rie with status and body, and
// records the last event it got.
func fakeRIE(t *testing.T, status int, body string) (url string, got *[]byte) {
	t.Helper()
	var last []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != riepool.InvokePath {
			http.NotFound(w, r)
			return
		}
		last, _ = io.ReadAll(r.Body)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &last
}

func TestInvokeRIE(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantOut   string
		wantErrFE bool // want a *gateway.FunctionError
	}{
		{"response", 200, `{"statusCode":200,"body":"{}"}`, `"statusCode": 200`, false},
		{"handled error", 200, `{"errorMessage":"boom","errorType":"errorString"}`, `"errorType": "errorString"`, true},
		{"crash", 502, `{"errorType":"Runtime.ExitError","errorMessage":"exit status 2"}`, `"Runtime.ExitError"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, got := fakeRIE(t, tt.status, tt.body)
			var out bytes.Buffer
			o := invokeOptions{rie: url, timeout: 10 * time.Second, event: eventOptions{query: "limit=2"}}
			err := runInvoke(t.Context(), "list", o, strings.NewReader(""), &out, io.Discard)
			var fe *gateway.FunctionError
			if errors.As(err, &fe) != tt.wantErrFE || (err != nil && !tt.wantErrFE) {
				t.Errorf("invoke error = %v, want a function error: %v", err, tt.wantErrFE)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output %q, want it to contain %q", out.String(), tt.wantOut)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(*got, &ev); err != nil || ev.RouteKey != "GET /list" || ev.RawQueryString != "limit=2" {
				t.Errorf("emulator got event %s (%v), want the list event with query limit=2", *got, err)
			}
		})
	}
}

func TestInvokeUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		o        invokeOptions
		wantCode int
		want     string
	}{
		{"bad store", invokeOptions{store: "s3:x", timeout: time.Second}, 2, "invalid store"},
		{"bad timeout", invokeOptions{store: "file:x"}, 2, "--timeout"},
		{"bad header", invokeOptions{store: "file:x", timeout: time.Second, event: eventOptions{headers: []string{"x"}}}, 2, "--header"},
		{"bad rie URL", invokeOptions{rie: "127.0.0.1:9000", timeout: time.Second}, 1, "emulator URL"},
		{"rie down", invokeOptions{rie: "http://127.0.0.1:1", timeout: 5 * time.Second}, 1, "Runtime.Unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runInvoke(t.Context(), "get", tt.o, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || exitCode(err) != tt.wantCode || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("invoke error = %v (exit %d), want exit %d and %q", err, exitCode(err), tt.wantCode, tt.want)
			}
		})
	}
}

func TestInvokeInProcess(t *testing.T) {
	db := filepath.Join(t.TempDir(), "movies.db")
	st, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ms := []movies.Movie{
		{Year: 1997, Title: "Face/Off", Info: json.RawMessage(`{"rating":7.3}`)},
		{Year: 2013, Title: "Rush"},
	}
	if err := st.Put(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		function   string
		event      eventOptions
		wantStatus int
		wantBody   string
	}{
		{"get with slash", "get", eventOptions{year: 1997, title: "Face/Off"}, 200, `"rating":7.3`},
		{"get missing", "get", eventOptions{year: 1997, title: "Nope"}, 404, ``},
		{"list", "list", eventOptions{query: "limit=1"}, 200, `"next":`},
		{"list bad limit", "list", eventOptions{query: "limit=0"}, 400, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			o := invokeOptions{store: "file:" + db, timeout: 10 * time.Second, event: tt.event}
			if err := runInvoke(t.Context(), tt.function, o, strings.NewReader(""), &out, io.Discard); err != nil {
				t.Fatalf("invoke: %v", err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
				t.Fatalf("decode %s: %v", out.String(), err)
			}
			if resp.StatusCode != tt.wantStatus || !strings.Contains(resp.Body, tt.wantBody) {
				t.Errorf("response %d %s, want %d containing %s", resp.StatusCode, resp.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestInvokeRealRIE sends the default event to a real aws-lambda-rie running
// the gateway's echo bootstrap, which answers with the event it received.
func TestInvokeRealRIE(t *testing.T) {
	rie := rietest.RIEPath(t)
	bootstrap := rietest.BuildPackage(t, rietest.TestBootstrap)
	r := rietest.StartRIE(t, rie, bootstrap, "get", os.Environ())
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	o := invokeOptions{rie: r.URL, timeout: 30 * time.Second, event: eventOptions{year: 1997, title: "Face/Off"}}
	if err := runInvoke(ctx, "get", o, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var echo struct {
		Function string                         `json:"function"`
		In       events.APIGatewayV2HTTPRequest `json:"in"`
	}
	if err := json.Unmarshal(out.Bytes(), &echo); err != nil {
		t.Fatalf("decode %s: %v", out.String(), err)
	}
	if echo.Function != "get" || echo.In.PathParameters["title"] != "Face/Off" {
		t.Errorf("bootstrap got %+v, want the get event for Face/Off", echo)
	}
}
