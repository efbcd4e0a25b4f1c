package rietest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/syncbuf"
)

// RIE is one aws-lambda-rie process serving one function, started by a test
// with riepool.Start. Unlike a riepool.Pool it is one bare process: a test
// can time its start, invoke it by URL and read its output.
type RIE struct {
	// URL is the emulator's base URL, e.g. http://127.0.0.1:PORT; the
	// function's invoke URL is URL + riepool.InvokePath.
	URL string

	proc *riepool.Process
	out  *syncbuf.Buffer // the emulator's and the bootstrap's output, for failure messages
}

// StartRIE starts riePath on free loopback ports with bootstrap as the
// runtime and handler as its argument, in env (a complete environment), and
// waits until it listens. The emulator and the bootstrap it starts are
// stopped when the test ends.
func StartRIE(tb testing.TB, riePath, bootstrap, handler string, env []string) *RIE {
	tb.Helper()
	return StartRIECommand(tb, riePath, []string{bootstrap, handler}, env)
}

// StartRIECommand is StartRIE with the runtime's whole command line: the
// emulator execs command[0] with the rest as its arguments and takes the last
// one as the handler name, so a runtime can be started through an emulator
// such as qemu-aarch64-static.
func StartRIECommand(tb testing.TB, riePath string, command, env []string) *RIE {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // bounds a hang only
	defer cancel()
	out := &syncbuf.Buffer{}
	proc, err := riepool.Start(ctx, riePath, append([]string{"--log-level", "error"}, command...), env, out)
	if err != nil {
		tb.Fatalf("start aws-lambda-rie: %v\n%s", err, out)
	}
	tb.Cleanup(proc.Stop)
	return &RIE{URL: "http://" + proc.Addr(), proc: proc, out: out}
}

// Stop stops the emulator and the bootstrap and waits for the emulator to
// exit. Calling it again does nothing.
func (r *RIE) Stop() { r.proc.Stop() }

// Output returns what the emulator and the bootstrap have written to their
// stdout and stderr so far: the function's log lines among them.
func (r *RIE) Output() string { return r.out.String() }

// BootstrapPID returns the process id of the bootstrap that the emulator
// started, or 0. Any of its threads may have started it, so every thread's
// children are read (Linux only).
func (r *RIE) BootstrapPID() int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", r.proc.PID()))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			if pid, err := strconv.Atoi(f[0]); err == nil {
				return pid
			}
		}
	}
	return 0
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// Invoke posts payload to the function and returns the emulator's status
// and body as they are (riepool.Invoke classifies them instead).
func (r *RIE) Invoke(ctx context.Context, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL+riepool.InvokePath, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, fmt.Errorf("invoke request: %w", err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("read invoke response: %w", err)
	}
	return resp.StatusCode, body, nil
}
