package riepool_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/proctest"
	"github.com/movieskit/movies/internal/rietest"
)

// echoResponse is what the test bootstrap answers.
type echoResponse struct {
	Function string          `json:"function"`
	PID      int             `json:"pid"`
	In       json.RawMessage `json:"in"`
}

// invokeEcho invokes function with event and decodes the test bootstrap's answer.
func invokeEcho(ctx context.Context, p *riepool.Pool, function, event string) (echoResponse, error) {
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
func mustEcho(t *testing.T, p *riepool.Pool, function string) echoResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := invokeEcho(ctx, p, function, `{"action":"echo"}`)
	if err != nil {
		t.Fatalf("Invoke(%s) echo: %v", function, err)
	}
	return r
}

// waitGone waits until every pid is gone, failing the test after a while.
func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for !proctest.Gone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still runs", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestPool(t *testing.T) {
	const size = 2
	p := rietest.NewPool(t, rietest.TestBootstrap, []string{"a", "b"}, size)

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
				var fe *gateway.FunctionError
				if !errors.As(err, &fe) {
					t.Fatalf("Invoke = %v, want a *gateway.FunctionError", err)
				}
				if fe.Function != "b" || fe.Type != tt.wantType || !strings.Contains(fe.Message, tt.wantMessage) {
					t.Errorf("gateway.FunctionError = %+v, want function b, type %q, message containing %q", fe, tt.wantType, tt.wantMessage)
				}
				riepool.HoldAll(t, p, "b")()
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
		var fe *gateway.FunctionError
		if errors.As(err, &fe) {
			t.Errorf("Invoke = %v, a timeout must not be a *gateway.FunctionError", err)
		}
		riepool.HoldAll(t, p, "a")()
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
		release := riepool.HoldAll(t, p, "a")
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
		var fe *gateway.FunctionError
		if !errors.As(err, &fe) || fe.Function != "nope" {
			t.Errorf("Invoke(nope) = %v, want a *gateway.FunctionError for nope", err)
		}
	})
}

func TestCloseStopsEveryProcess(t *testing.T) {
	p := rietest.NewPool(t, rietest.TestBootstrap, []string{"a"}, 2)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

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
	pids = append(pids, riepool.EmulatorPIDs(p)...)
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
	if _, err := p.Invoke(ctx, "a", []byte(`{}`)); !errors.Is(err, riepool.ErrClosed) {
		t.Errorf("Invoke after Close = %v, want riepool.ErrClosed", err)
	}
}

func BenchmarkPoolInvoke(b *testing.B) {
	p := rietest.NewPool(b, rietest.TestBootstrap, []string{"a"}, 0)
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

func TestPoolPassesEnv(t *testing.T) {
	answer := filepath.Join(t.TempDir(), "answer.json")
	want := `{"statusCode":201,"body":"made"}`
	if err := os.WriteFile(answer, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	p := rietest.NewPool(t, rietest.TestBootstrap, []string{"list"}, 1, "RIEBOOTSTRAP_ANSWER="+answer)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := p.Invoke(ctx, "list", []byte(`{"version":"2.0","routeKey":"GET /list"}`))
	if err != nil || string(out) != want {
		t.Errorf("Invoke = %s, %v; want the answer file %s", out, err, want)
	}
}
