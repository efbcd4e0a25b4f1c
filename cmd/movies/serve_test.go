package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/internal/loopback"
)

// startServe runs `movies serve` on a free port with args and returns its base URL.
// The server is stopped, and its exit checked, when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d", code)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[3], "http://") {
		t.Fatalf("unexpected first line %q", line)
	}
	return fields[3]
}

func TestServeSeedsEmptyStore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "movies.db")
	base := startServe(t, "--store", "file:"+db)
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string // substring
	}{
		{"/list?limit=3", 200, `"next":"`},
		{"/get/2013/Rush", 200, `"title":"Rush"`},
		{"/get/1997/Face/Off", 200, `"title":"Face/Off"`},
		{"/get/1997/Face%2FOff", 200, `"title":"Face/Off"`},
		{"/get/1996/Romeo%20+%20Juliet", 200, `"title":"Romeo + Juliet"`},
		{"/get/2013/Nope", 404, `{"message":"movie not found"}`},
		{"/get/0/Rush", 400, `"message"`},
		{"/list?limit=abc", 400, `"message"`},
		{"/nope", 404, `{"message":"Not Found"}`},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("GET %s = %d %s, want %d containing %s", tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type = %q", ct)
			}
			if !json.Valid(body) {
				t.Errorf("body is not JSON: %s", body)
			}
		})
	}
}

// TestServeCORS checks that --cors makes the gateway answer a preflight from
// an allowed origin itself, as the deployed HTTP API with the same setting
// does, and that it takes a maxAge of -1, as API Gateway does (it exited 2).
func TestServeCORS(t *testing.T) {
	tests := []struct {
		name, cors string
		want       map[string]string // preflight answer headers
	}{
		{"origin", `{"allowOrigins":["http://localhost:3000"],"allowMethods":["GET"],"maxAge":300}`, map[string]string{
			"Access-Control-Allow-Origin": "http://localhost:3000", "Access-Control-Allow-Methods": "GET", "Access-Control-Max-Age": "300",
		}},
		{"max age off", `{"allowOrigins":["*"],"allowMethods":["GET"],"maxAge":-1}`, map[string]string{
			"Access-Control-Max-Age": "-1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "movies.db")
			base := startServe(t, "--store", "file:"+db, "--cors", tt.cors)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, base+"/list", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", "http://localhost:3000")
			req.Header.Set("Access-Control-Request-Method", "GET")
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("preflight: %d %v, want 204", resp.StatusCode, resp.Header)
			}
			for name, want := range tt.want {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("preflight %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// TestServeThrottleAndHeaderQuota checks the flags that set the deployed
// stage's limits: with --throttle-burst 2 and a rate of one request in 1,000
// seconds, the third request within the test gets 429; without --throttle
// nothing does; a request over the header quota gets 431 unless
// --header-quota raises it.
func TestServeThrottleAndHeaderQuota(t *testing.T) {
	get := func(base string, header http.Header) int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/list?limit=1", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	dir := t.TempDir()
	throttled := startServe(t, "--store", "file:"+filepath.Join(dir, "a.db"), "--throttle-burst", "2", "--throttle-rate", "0.001")
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests} {
		if got := get(throttled, nil); got != want {
			t.Errorf("throttled, request %d: status %d, want %d", i+1, got, want)
		}
	}
	open := startServe(t, "--store", "file:"+filepath.Join(dir, "b.db"))
	for i := range 150 {
		if got := get(open, nil); got != http.StatusOK {
			t.Fatalf("not throttled, request %d: status %d", i+1, got)
		}
	}
	big := http.Header{"X-Big": {strings.Repeat("b", 12<<10)}}
	if got := get(open, big); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 12 KB header: status %d, want 431", got)
	}
	raised := startServe(t, "--store", "file:"+filepath.Join(dir, "c.db"), "--header-quota", "65536")
	if got := get(raised, big); got != http.StatusOK {
		t.Errorf("a 12 KB header, --header-quota 65536: status %d, want 200", got)
	}
}

func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad store", []string{"serve", "--store", "mysql:x"}, "invalid store"},
		{"bad invoke", []string{"serve", "--invoke", "docker"}, "--invoke must be"},
		{"rie on file store", []string{"serve", "--invoke", "rie", "--store", "file:x.db"}, "needs --store dynamodb"},
		{"bad cors", []string{"serve", "--cors", `{"allowOrigins":["example.com"]}`}, "--cors: CORS configuration: origin"},
		{"cors maxAge under -1", []string{"serve", "--cors", `{"allowOrigins":["*"],"maxAge":-2}`}, "maxAge -2"},
		{"header quota under the cloud's", []string{"serve", "--header-quota", "10239"}, "--header-quota 10239: must be from 10240"},
		{"header quota over net/http's bound", []string{"serve", "--header-quota", "1048577"}, "--header-quota 1048577"},
		{"throttle rate zero", []string{"serve", "--throttle-rate", "0"}, "--throttle-rate 0: must be more than 0"},
		{"throttle burst zero", []string{"serve", "--throttle", "--throttle-burst", "0"}, "--throttle-burst 0: must be from 1"},
		{"watch with a bootstrap", []string{"serve", "--watch", "--bootstrap", "x"}, "drop --bootstrap"},
		{"listen fd alone", []string{"serve", "--listen-fd", "3"}, "--listen-fd and --ready-fd go together"},
		{"watch in a server of the loop", []string{"serve", "--watch", "--listen-fd", "3", "--ready-fd", "4"}, "do not go together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := run(context.Background(), tt.args, strings.NewReader(""), io.Discard, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}

// TestServeWatchNeedsTheSource checks that --watch outside the module's
// source is a usage error that says where to run it.
func TestServeWatchNeedsTheSource(t *testing.T) {
	t.Chdir(t.TempDir())
	var stderr strings.Builder
	code := run(context.Background(), []string{"serve", "--watch", "--store", "file:x.db"}, strings.NewReader(""), io.Discard, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "run it inside the movies module") {
		t.Fatalf("exit %d, stderr %q; want 2 and a hint to run it inside the module", code, stderr.String())
	}
}

// TestServeHelpNamesWatch checks that serve --help offers --watch and hides
// the flags only the loop passes to its servers.
func TestServeHelpNamesWatch(t *testing.T) {
	var stdout strings.Builder
	if code := run(context.Background(), []string{"serve", "--help"}, strings.NewReader(""), &stdout, io.Discard); code != 0 {
		t.Fatalf("serve --help exited %d", code)
	}
	if !strings.Contains(stdout.String(), "--watch") || !strings.Contains(stdout.String(), "make dev") {
		t.Errorf("serve --help does not offer --watch (make dev):\n%s", stdout.String())
	}
	for _, hidden := range hiddenDevFlags {
		if strings.Contains(stdout.String(), "--"+hidden) {
			t.Errorf("serve --help shows --%s, which only the loop passes", hidden)
		}
	}
}

func TestParseStoreSpec(t *testing.T) {
	tests := []struct {
		spec     string
		wantKind string
		wantArg  string
		wantErr  bool
	}{
		{"file:movies.db", "file", "movies.db", false},
		{"file:/tmp/a:b.db", "file", "/tmp/a:b.db", false},
		{"dynamodb:Movies", "dynamodb", "Movies", false},
		{"dynamodb:", "", "", true},
		{"movies.db", "", "", true},
		{"s3:bucket", "", "", true},
	}
	for _, tt := range tests {
		got, err := parseStoreSpec(tt.spec)
		if (err != nil) != tt.wantErr || got.kind != tt.wantKind || got.arg != tt.wantArg {
			t.Errorf("parseStoreSpec(%q) = %+v, %v", tt.spec, got, err)
		}
	}
}

// TestServeListenErrors checks that an address in use is an error of the
// environment (exit 1), not a usage error, and that the ends of the
// --timeout range are accepted.
func TestServeListenErrors(t *testing.T) {
	ln, err := loopback.Listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr strings.Builder
	db := "file:" + filepath.Join(t.TempDir(), "movies.db")
	code := run(t.Context(), []string{"serve", "--no-seed", "--store", db, "--addr", ln.Addr().String()}, strings.NewReader(""), io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("serve on a port in use: exit %d, stderr %q; want 1", code, stderr.String())
	}
	for _, timeout := range []string{"50ms", "30s"} {
		base := startServe(t, "--no-seed", "--store", "file:"+filepath.Join(t.TempDir(), "movies.db"), "--timeout", timeout)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/nope", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("--timeout %s: GET /nope = %d, want 404", timeout, resp.StatusCode)
		}
	}
}

// TestServeHelpStatesLimits checks that serve --help states the server's
// bounds from the constants that set them.
func TestServeHelpStatesLimits(t *testing.T) {
	var stdout strings.Builder
	if code := run(t.Context(), []string{"serve", "--help"}, strings.NewReader(""), &stdout, io.Discard); code != 0 {
		t.Fatalf("serve --help: exit %d", code)
	}
	help := strings.Join(strings.Fields(stdout.String()), " ")
	for _, want := range []string{
		fmt.Sprintf("at most %d connections served at once, plus one accepted that waits for a slot", gateway.MaxConns),
		fmt.Sprintf("an event of at most Lambda's %d MB (else 413)", gateway.MaxPayloadBytes>>20),
		fmt.Sprintf("At most %d MB of responses in flight across all connections", gateway.MaxBytesInFlight>>20),
		fmt.Sprintf("integration timeout, from %s to %s", gateway.MinTimeout, gateway.MaxTimeout),
	} {
		if !strings.Contains(help, want) {
			t.Errorf("serve --help does not say %q:\n%s", want, stdout.String())
		}
	}
}
