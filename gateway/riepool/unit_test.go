package riepool

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/movieskit/movies/gateway"
)

// The tests in this file need no aws-lambda-rie; pool_test.go runs real ones.

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "exe")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no functions", Config{RIE: exe, Bootstrap: exe}, "no functions"},
		{"empty function", Config{RIE: exe, Bootstrap: exe, Functions: []string{""}}, "empty function name"},
		{"missing bootstrap", Config{RIE: exe, Bootstrap: filepath.Join(dir, "none"), Functions: []string{"a"}}, "bootstrap"},
		{"bootstrap not executable", Config{RIE: exe, Bootstrap: plain, Functions: []string{"a"}}, "not an executable"},
		{"rie is a directory", Config{RIE: dir, Bootstrap: exe, Functions: []string{"a"}}, "not an executable"},
		{"function twice", Config{RIE: exe, Bootstrap: exe, Functions: []string{"a", "a"}}, "listed twice"},
		{"emulator exits at once", Config{RIE: exe, Bootstrap: exe, Functions: []string{"a"}, Size: 1}, "exited before listening"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			p, err := New(ctx, tt.cfg)
			if err == nil {
				_ = p.Close()
				t.Fatal("New succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestClassifyResponse(t *testing.T) {
	withFnErr := http.Header{"X-Amz-Function-Error": {"Unhandled"}}
	tests := []struct {
		name        string
		status      int
		header      http.Header
		body        string
		wantOut     string
		wantHealthy bool
		wantType    string // "" when no *gateway.FunctionError is expected
		wantTimeout bool
	}{
		{"response", 200, nil, `{"statusCode":200,"body":"hi"}`, `{"statusCode":200,"body":"hi"}`, true, "", false},
		{"plain JSON", 200, nil, `[1,2]`, `[1,2]`, true, "", false},
		{"not JSON", 200, nil, `hello`, `hello`, true, "", false},
		{"response with error-like fields", 200, nil, `{"statusCode":500,"errorMessage":"x","errorType":"y"}`, `{"statusCode":500,"errorMessage":"x","errorType":"y"}`, true, "", false},
		{"only errorMessage", 200, nil, `{"errorMessage":"x"}`, `{"errorMessage":"x"}`, true, "", false},
		{"handled error", 200, nil, `{"errorMessage":"boom","errorType":"errorString"}`, "", true, "errorString", false},
		{"error header", 200, withFnErr, `oops`, "", true, "Unhandled", false},
		{"runtime crash", 502, nil, `{"errorType":"Runtime.ExitError","errorMessage":"exit status 2"}`, "", true, "Runtime.ExitError", false},
		{"emulator failure", 502, nil, ``, "", false, "Runtime.EmulatorError", false},
		{"already reserved", 400, nil, ``, "", false, "Runtime.EmulatorError", false},
		{"emulator timeout", 200, nil, `Task timed out after 30.00 seconds`, "", false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, healthy, err := classifyResponse("f", tt.status, tt.header, []byte(tt.body))
			if string(out) != tt.wantOut || healthy != tt.wantHealthy {
				t.Errorf("got (%q, healthy %v), want (%q, healthy %v)", out, healthy, tt.wantOut, tt.wantHealthy)
			}
			var fe *gateway.FunctionError
			switch {
			case tt.wantType != "":
				if !errors.As(err, &fe) || fe.Type != tt.wantType || fe.Function != "f" {
					t.Errorf("err = %v, want *gateway.FunctionError of type %q for f", err, tt.wantType)
				}
			case tt.wantTimeout:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want context.DeadlineExceeded", err)
				}
			case err != nil:
				t.Errorf("err = %v, want nil", err)
			}
		})
	}
}

func TestDefaultPathPrefersEnv(t *testing.T) {
	t.Setenv("MOVIES_RIE", "/some/where/aws-lambda-rie")
	if got := DefaultPath(); got != "/some/where/aws-lambda-rie" {
		t.Errorf("DefaultPath() = %q, want $MOVIES_RIE", got)
	}
}

func TestInvoke(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != InvokePath {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = io.Copy(w, r.Body)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name     string
		url      string
		wantOut  string
		wantType string // of the *gateway.FunctionError, or "" for none
		wantErr  string // substring of another error
	}{
		{"base URL", srv.URL, `{"x":1}`, "", ""},
		{"base URL with slash", srv.URL + "/", `{"x":1}`, "", ""},
		{"full invoke URL", srv.URL + InvokePath, `{"x":1}`, "", ""},
		{"wrong path", srv.URL + "/other", "", "Runtime.EmulatorError", ""},
		{"no scheme", strings.TrimPrefix(srv.URL, "http://"), "", "", "must be like"},
		{"not a URL", "http://%zz", "", "", "must be like"},
		{"nothing listening", "http://127.0.0.1:1", "", "Runtime.Unreachable", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			out, err := Invoke(ctx, tt.url, "f", []byte(`{"x":1}`))
			var fe *gateway.FunctionError
			switch {
			case tt.wantType != "":
				if !errors.As(err, &fe) || fe.Type != tt.wantType {
					t.Errorf("Invoke = %v, want a *gateway.FunctionError of type %s", err, tt.wantType)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Invoke = %v, want an error containing %q", err, tt.wantErr)
				}
			case err != nil || string(out) != tt.wantOut:
				t.Errorf("Invoke = %s, %v; want %s", out, err, tt.wantOut)
			}
		})
	}
}
