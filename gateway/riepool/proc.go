package riepool

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/movieskit/movies/internal/loopback"
)

// process is one running `aws-lambda-rie BOOTSTRAP FUNCTION` process.
type process struct {
	function string
	addr     string // host:port of its Invoke API
	marker   string // environment entry unique to it, inherited by its runtime
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited and been reaped
	waitErr  error         // set before exited is closed
	stopOnce sync.Once
}

func (r *process) pid() int { return r.cmd.Process.Pid }

// exitedNow reports whether the process has exited.
func (r *process) exitedNow() bool {
	select {
	case <-r.exited:
		return true
	default:
		return false
	}
}

// startProc starts a process for function on fresh loopback ports and waits
// until it accepts connections. It retries with other ports when the process
// exits early, as it does when a port was taken meanwhile.
func (p *Pool) startProc(ctx context.Context, function string) (*process, error) {
	var err error
	for range maxStarts {
		var proc *process
		proc, err = p.startProcOnce(ctx, function)
		if err == nil {
			return proc, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("rie pool: start %s: %w", function, err)
}

// startProcOnce makes one attempt of startProc.
func (p *Pool) startProcOnce(ctx context.Context, function string) (*process, error) {
	addrs, err := loopback.FreeAddrs(2)
	if err != nil {
		return nil, err
	}
	addr, apiAddr := addrs[0], addrs[1]
	// Not CommandContext: the process outlives the request that started it; Close stops it.
	cmd := exec.Command(p.cfg.RIE, //nolint:gosec,noctx // G204: the configured RIE binary
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr, // the default, 9001, would be shared by every process
		p.cfg.Bootstrap, function)
	marker := newProcMarker()
	cmd.Env = append(p.procEnv(function), marker)
	out := &lineLogger{log: p.cfg.Logger.With("function", function)}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = newProcessGroupAttr()
	cmd.WaitDelay = time.Second // do not wait forever for output of orphaned children
	proc := &process{function: function, addr: addr, marker: marker, cmd: cmd, exited: make(chan struct{})}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		return nil, fmt.Errorf("run %s: %w", p.cfg.RIE, err)
	}
	p.live[proc] = struct{}{}
	p.mu.Unlock()
	out.with("pid", proc.pid())
	go func() {
		proc.waitErr = cmd.Wait()
		out.flush()
		close(proc.exited)
	}()

	if err := loopback.WaitListening(ctx, addr, proc.exited); err != nil {
		p.stopProc(proc)
		return nil, fmt.Errorf("process %d on %s: %w", proc.pid(), addr, err)
	}
	p.cfg.Logger.Debug("rie process started", "function", function, "pid", proc.pid(), "addr", addr)
	return proc, nil
}

// procEnv is the environment of a process: ours, cfg.Env, and the function's
// name and timeout, which the emulator passes on to the function.
func (p *Pool) procEnv(function string) []string {
	env := append(os.Environ(), p.cfg.Env...)
	secs := int(math.Ceil(p.cfg.Timeout.Seconds()))
	return append(env,
		"AWS_LAMBDA_FUNCTION_NAME="+function,
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(max(secs, 1)),
	)
}

// stopProc kills proc's process group, waits until it has exited, then kills
// the runtime it started, which runs in a process group of its own.
func (p *Pool) stopProc(proc *process) {
	proc.stopOnce.Do(func() {
		if err := killProcessGroup(proc.cmd.Process); err != nil && !proc.exitedNow() {
			p.cfg.Logger.Warn("rie process: kill", "pid", proc.pid(), "err", err)
		}
		<-proc.exited
		if err := killMarked(proc.marker); err != nil {
			p.cfg.Logger.Warn("rie process: kill runtime", "pid", proc.pid(), "err", err)
		}
		p.mu.Lock()
		delete(p.live, proc)
		p.mu.Unlock()
	})
}

// procMarkerVar names the environment entry that marks a process's runtime.
const procMarkerVar = "MOVIES_RIE_PROCESS"

// newProcMarker returns a new, unique procMarkerVar entry.
func newProcMarker() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return procMarkerVar + "=" + hex.EncodeToString(b[:])
}
