package rietest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/loopback"
)

// RIE is one aws-lambda-rie process serving one function, started by a test.
// Unlike a riepool.Pool it is one bare process: a test can time its start,
// invoke it by URL and read its output.
type RIE struct {
	// URL is the emulator's base URL, e.g. http://127.0.0.1:PORT; the
	// function's invoke URL is URL + riepool.InvokePath.
	URL string

	cmd  *exec.Cmd
	addr string
	done chan struct{}
	out  *SyncBuffer // the emulator's and the bootstrap's output, for failure messages
	once sync.Once
}

// StartRIE starts riePath on free loopback ports with bootstrap as the
// runtime and handler as its argument, in env (a complete environment). It
// does not wait for the emulator to listen; use WaitReady. The emulator and
// the bootstrap it starts are killed when the test ends.
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
	addrs, err := loopback.FreeAddrs(2)
	if err != nil {
		tb.Fatal(err)
	}
	args := append([]string{
		"--runtime-interface-emulator-address", addrs[0],
		"--runtime-api-address", addrs[1],
		"--log-level", "error",
	}, command...)
	// Not CommandContext: the emulator outlives the call that starts it and is stopped in cleanup.
	cmd := exec.Command(riePath, args...) //nolint:noctx // see above
	cmd.Env = env
	out := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so that stopping the emulator also stops the
	// bootstrap it spawned.
	cmd.SysProcAttr = groupAttr()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start aws-lambda-rie: %v", err)
	}
	r := &RIE{URL: "http://" + addrs[0], cmd: cmd, addr: addrs[0], done: make(chan struct{}), out: out}
	go func() { _ = cmd.Wait(); close(r.done) }()
	tb.Cleanup(r.Stop)
	return r
}

// Stop kills the emulator and the bootstrap and waits for the emulator to
// exit. Calling it again does nothing.
func (r *RIE) Stop() {
	r.once.Do(func() {
		killGroup(r.cmd.Process)
		<-r.done
	})
}

// WaitReady waits until the emulator accepts connections.
func (r *RIE) WaitReady(ctx context.Context) error {
	if err := loopback.WaitListening(ctx, r.addr, r.done); err != nil {
		return fmt.Errorf("aws-lambda-rie: %w\n%s", err, r.out.String())
	}
	return nil
}

// Output returns what the emulator and the bootstrap have written to their
// stdout and stderr so far: the function's log lines among them.
func (r *RIE) Output() string { return r.out.String() }

// BootstrapPID returns the process id of the bootstrap that the emulator
// started, or 0. Any of its threads may have started it, so every thread's
// children are read (Linux only).
func (r *RIE) BootstrapPID() int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", r.cmd.Process.Pid))
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

// SyncBuffer is a bytes.Buffer safe for concurrent writes and reads: the
// output of a process, or the log of a server, that a test reads while it runs.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
