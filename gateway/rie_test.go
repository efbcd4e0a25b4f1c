package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies/internal/rietest"
)

// testBootstrapPkg is the tiny Lambda bootstrap the pool tests run.
const testBootstrapPkg = "./testdata/riebootstrap"

// NewTestRIEPool builds the bootstrap package pkg and starts an RIEPool of
// size processes for each function, with env added to the function's
// environment; the pool is closed when the test ends. It skips the test when
// aws-lambda-rie is not installed (see rietest.RIEPath). The gateway's HTTP
// tests run against the real bootstrap with:
//
//	inv := NewTestRIEPool(t, "../cmd/bootstrap", api.HandlerNames(), 2,
//		"TABLE_NAME=Movies", "AWS_ENDPOINT_URL_DYNAMODB="+endpoint, ...)
func NewTestRIEPool(tb testing.TB, pkg string, functions []string, size int, env ...string) *RIEPool {
	tb.Helper()
	rie := rietest.RIEPath(tb)
	bootstrap := rietest.BuildPackage(tb, pkg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := NewRIEPool(ctx, RIEConfig{RIE: rie, Bootstrap: bootstrap, Functions: functions, Size: size, Env: env})
	if err != nil {
		tb.Fatalf("NewRIEPool: %v", err)
	}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil {
			tb.Errorf("RIEPool.Close: %v", err)
		}
	})
	return p
}

// echoResponse is what the test bootstrap answers.
type echoResponse struct {
	Function string          `json:"function"`
	PID      int             `json:"pid"`
	In       json.RawMessage `json:"in"`
}

// invokeEcho invokes function with event and decodes the test bootstrap's answer.
func invokeEcho(ctx context.Context, p *RIEPool, function, event string) (echoResponse, error) {
	out, err := p.Invoke(ctx, function, []byte(event))
	if err != nil {
		return echoResponse{}, err
	}
	var r echoResponse
	if err := json.Unmarshal(out, &r); err != nil {
		return echoResponse{}, fmt.Errorf("decode %s: %w", out, err)
	}
	return r, nil
}

// mustEcho invokes function with an echo event and fails the test on error.
func mustEcho(t *testing.T, p *RIEPool, function string) echoResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := invokeEcho(ctx, p, function, `{"action":"echo"}`)
	if err != nil {
		t.Fatalf("Invoke(%s) echo: %v", function, err)
	}
	return r
}

// holdAll takes every process of function out of the pool, waiting for
// restarts, checks that each is running, and returns a func that gives them back.
func holdAll(t *testing.T, p *RIEPool, function string) (release func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var held []*rieProc
	release = func() {
		for _, proc := range held {
			p.idle[function] <- proc
		}
		held = nil
	}
	for range p.cfg.Size {
		select {
		case proc := <-p.idle[function]:
			held = append(held, proc)
			if proc.exitedNow() {
				release()
				t.Fatalf("pool of %s holds an exited process", function)
			}
		case <-ctx.Done():
			release()
			t.Fatalf("pool of %s did not get back to %d processes", function, p.cfg.Size)
		}
	}
	return release
}

// processGone reports whether pid no longer runs (a zombie counts as gone).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return os.IsNotExist(err)
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// waitGone waits until every pid is gone, failing the test after a while.
func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still runs", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestRIEPool(t *testing.T) {
	const size = 2
	p := NewTestRIEPool(t, testBootstrapPkg, []string{"a", "b"}, size)

	t.Run("echo", func(t *testing.T) {
		for _, fn := range []string{"a", "b"} {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			r, err := invokeEcho(ctx, p, fn, `{"action":"echo","x":[1,2]}`)
			cancel()
			if err != nil {
				t.Fatalf("Invoke(%s): %v", fn, err)
			}
			if r.Function != fn || string(r.In) != `{"action":"echo","x":[1,2]}` {
				t.Errorf("Invoke(%s) = %+v, want the function's name and the event back", fn, r)
			}
		}
	})

	t.Run("more concurrent invocations than processes queue", func(t *testing.T) {
		const n = 6 * size
		var wg sync.WaitGroup
		errs := make(chan error, n)
		pids := make(chan int, n)
		for range n {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				r, err := invokeEcho(ctx, p, "a", `{"action":"sleep","ms":50}`)
				errs <- err
				pids <- r.PID
			})
		}
		wg.Wait()
		close(errs)
		close(pids)
		for err := range errs {
			if err != nil {
				// aws-lambda-rie crashes when it gets two invocations at once.
				t.Errorf("Invoke: %v", err)
			}
		}
		distinct := map[int]bool{}
		for pid := range pids {
			distinct[pid] = true
		}
		if len(distinct) > size {
			t.Errorf("%d runtimes served function a, want at most %d", len(distinct), size)
		}
	})

	t.Run("function errors", func(t *testing.T) {
		tests := []struct {
			action, wantType, wantMessage string
		}{
			{"error", "errorString", "handled failure"},
			{"panic", "string", "unhandled failure"},
			{"exit", "Runtime.ExitError", "exit status 3"},
			{"killparent", "Runtime.Unreachable", "aws-lambda-rie at"},
		}
		for _, tt := range tests {
			t.Run(tt.action, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				_, err := p.Invoke(ctx, "b", []byte(`{"action":"`+tt.action+`"}`))
				var fe *FunctionError
				if !errors.As(err, &fe) {
					t.Fatalf("Invoke = %v, want a *FunctionError", err)
				}
				if fe.Function != "b" || fe.Type != tt.wantType || !strings.Contains(fe.Message, tt.wantMessage) {
					t.Errorf("FunctionError = %+v, want function b, type %q, message containing %q", fe, tt.wantType, tt.wantMessage)
				}
				holdAll(t, p, "b")()
				for range size + 1 { // every process serves again
					mustEcho(t, p, "b")
				}
			})
		}
	})

	t.Run("timeout restarts the busy process", func(t *testing.T) {
		before := map[int]bool{}
		for range size {
			before[mustEcho(t, p, "a").PID] = true
		}
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		_, err := p.Invoke(ctx, "a", []byte(`{"action":"sleep","ms":60000}`))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Invoke = %v, want context.DeadlineExceeded", err)
		}
		var fe *FunctionError
		if errors.As(err, &fe) {
			t.Errorf("Invoke = %v, a timeout must not be a *FunctionError", err)
		}
		holdAll(t, p, "a")()
		after := map[int]bool{}
		for range 2 * size {
			after[mustEcho(t, p, "a").PID] = true
		}
		var killed int
		for pid := range before {
			if !after[pid] {
				killed++
				waitGone(t, pid)
			}
		}
		if killed != 1 {
			t.Errorf("%d of the runtimes that served before the timeout are gone, want exactly 1", killed)
		}
	})

	t.Run("waiting for a free process ends with the context", func(t *testing.T) {
		release := holdAll(t, p, "a")
		defer release()
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := p.Invoke(ctx, "a", []byte(`{}`))
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for a free process") {
			t.Errorf("Invoke = %v, want a wait that ends with context.DeadlineExceeded", err)
		}
	})

	t.Run("unknown function", func(t *testing.T) {
		_, err := p.Invoke(t.Context(), "nope", []byte(`{}`))
		var fe *FunctionError
		if !errors.As(err, &fe) || fe.Function != "nope" {
			t.Errorf("Invoke(nope) = %v, want a *FunctionError for nope", err)
		}
	})
}

func TestRIEPoolCloseStopsEveryProcess(t *testing.T) {
	rie := rietest.RIEPath(t)
	bootstrap := rietest.BuildPackage(t, testBootstrapPkg)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	p, err := NewRIEPool(ctx, RIEConfig{RIE: rie, Bootstrap: bootstrap, Functions: []string{"a"}, Size: 2})
	if err != nil {
		t.Fatalf("NewRIEPool: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })

	// Two concurrent invocations start a runtime in each process.
	var pids []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			r, err := invokeEcho(ctx, p, "a", `{"action":"sleep","ms":200}`)
			if err != nil {
				t.Errorf("Invoke: %v", err)
				return
			}
			mu.Lock()
			pids = append(pids, r.PID)
			mu.Unlock()
		})
	}
	wg.Wait()
	p.mu.Lock()
	for proc := range p.live {
		pids = append(pids, proc.pid())
	}
	p.mu.Unlock()
	if len(pids) != 4 {
		t.Fatalf("got pids %v, want 2 emulators and 2 runtimes", pids)
	}

	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	waitGone(t, pids...)
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := p.Invoke(ctx, "a", []byte(`{}`)); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Invoke after Close = %v, want ErrPoolClosed", err)
	}
}

func TestNewRIEPoolErrors(t *testing.T) {
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
		cfg  RIEConfig
		want string
	}{
		{"no functions", RIEConfig{RIE: exe, Bootstrap: exe}, "no functions"},
		{"empty function", RIEConfig{RIE: exe, Bootstrap: exe, Functions: []string{""}}, "empty function name"},
		{"missing bootstrap", RIEConfig{RIE: exe, Bootstrap: filepath.Join(dir, "none"), Functions: []string{"a"}}, "bootstrap"},
		{"bootstrap not executable", RIEConfig{RIE: exe, Bootstrap: plain, Functions: []string{"a"}}, "not an executable"},
		{"rie is a directory", RIEConfig{RIE: dir, Bootstrap: exe, Functions: []string{"a"}}, "not an executable"},
		{"function twice", RIEConfig{RIE: exe, Bootstrap: exe, Functions: []string{"a", "a"}}, "listed twice"},
		{"emulator exits at once", RIEConfig{RIE: exe, Bootstrap: exe, Functions: []string{"a"}, Size: 1}, "exited before listening"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			p, err := NewRIEPool(ctx, tt.cfg)
			if err == nil {
				_ = p.Close()
				t.Fatal("NewRIEPool succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewRIEPool error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestClassifyRIEResponse(t *testing.T) {
	withFnErr := http.Header{"X-Amz-Function-Error": {"Unhandled"}}
	tests := []struct {
		name        string
		status      int
		header      http.Header
		body        string
		wantOut     string
		wantHealthy bool
		wantType    string // "" when no *FunctionError is expected
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
			out, healthy, err := classifyRIEResponse("f", tt.status, tt.header, []byte(tt.body))
			if string(out) != tt.wantOut || healthy != tt.wantHealthy {
				t.Errorf("got (%q, healthy %v), want (%q, healthy %v)", out, healthy, tt.wantOut, tt.wantHealthy)
			}
			var fe *FunctionError
			switch {
			case tt.wantType != "":
				if !errors.As(err, &fe) || fe.Type != tt.wantType || fe.Function != "f" {
					t.Errorf("err = %v, want *FunctionError of type %q for f", err, tt.wantType)
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

func TestDefaultRIEPathPrefersEnv(t *testing.T) {
	t.Setenv("MOVIES_RIE", "/some/where/aws-lambda-rie")
	if got := DefaultRIEPath(); got != "/some/where/aws-lambda-rie" {
		t.Errorf("DefaultRIEPath() = %q, want $MOVIES_RIE", got)
	}
}

func BenchmarkRIEPoolInvoke(b *testing.B) {
	p := NewTestRIEPool(b, testBootstrapPkg, []string{"a"}, 0)
	event := []byte(`{"action":"echo"}`)
	ctx := context.Background()
	if _, err := p.Invoke(ctx, "a", event); err != nil { // start the runtimes
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Invoke(ctx, "a", event); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestInvokeRIE(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != RIEInvokePath {
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
		wantType string // of the *FunctionError, or "" for none
		wantErr  string // substring of another error
	}{
		{"base URL", srv.URL, `{"x":1}`, "", ""},
		{"base URL with slash", srv.URL + "/", `{"x":1}`, "", ""},
		{"full invoke URL", srv.URL + RIEInvokePath, `{"x":1}`, "", ""},
		{"wrong path", srv.URL + "/other", "", "Runtime.EmulatorError", ""},
		{"no scheme", strings.TrimPrefix(srv.URL, "http://"), "", "", "must be like"},
		{"not a URL", "http://%zz", "", "", "must be like"},
		{"nothing listening", "http://127.0.0.1:1", "", "Runtime.Unreachable", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			out, err := InvokeRIE(ctx, nil, tt.url, "f", []byte(`{"x":1}`))
			var fe *FunctionError
			switch {
			case tt.wantType != "":
				if !errors.As(err, &fe) || fe.Type != tt.wantType {
					t.Errorf("InvokeRIE = %v, want a *FunctionError of type %s", err, tt.wantType)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("InvokeRIE = %v, want an error containing %q", err, tt.wantErr)
				}
			case err != nil || string(out) != tt.wantOut:
				t.Errorf("InvokeRIE = %s, %v; want %s", out, err, tt.wantOut)
			}
		})
	}
}

func TestRIEPoolPassesEnv(t *testing.T) {
	answer := filepath.Join(t.TempDir(), "answer.json")
	want := `{"statusCode":201,"body":"made"}`
	if err := os.WriteFile(answer, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	p := NewTestRIEPool(t, testBootstrapPkg, []string{"list"}, 1, "RIEBOOTSTRAP_ANSWER="+answer)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := p.Invoke(ctx, "list", []byte(`{"version":"2.0","routeKey":"GET /list"}`))
	if err != nil || string(out) != want {
		t.Errorf("Invoke = %s, %v; want the answer file %s", out, err, want)
	}
}
