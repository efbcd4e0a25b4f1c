package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// rieProc is one running `aws-lambda-rie BOOTSTRAP FUNCTION` process.
type rieProc struct {
	function string
	addr     string // host:port of its Invoke API
	marker   string // environment entry unique to it, inherited by its runtime
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited and been reaped
	waitErr  error         // set before exited is closed
	stopOnce sync.Once
}

func (r *rieProc) pid() int { return r.cmd.Process.Pid }

// exitedNow reports whether the process has exited.
func (r *rieProc) exitedNow() bool {
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
func (p *RIEPool) startProc(ctx context.Context, function string) (*rieProc, error) {
	var err error
	for range rieMaxStarts {
		var proc *rieProc
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
func (p *RIEPool) startProcOnce(ctx context.Context, function string) (*rieProc, error) {
	ports, err := freeLoopbackPorts(2)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	apiAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
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
	proc := &rieProc{function: function, addr: addr, marker: marker, cmd: cmd, exited: make(chan struct{})}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrPoolClosed
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

	if err := waitListening(ctx, addr, proc.exited); err != nil {
		p.stopProc(proc)
		return nil, fmt.Errorf("process %d on %s: %w", proc.pid(), addr, err)
	}
	p.cfg.Logger.Debug("rie process started", "function", function, "pid", proc.pid(), "addr", addr)
	return proc, nil
}

// procEnv is the environment of a process: ours, cfg.Env, and the function's
// name and timeout, which the emulator passes on to the function.
func (p *RIEPool) procEnv(function string) []string {
	env := append(os.Environ(), p.cfg.Env...)
	secs := int(math.Ceil(p.cfg.Timeout.Seconds()))
	return append(env,
		"AWS_LAMBDA_FUNCTION_NAME="+function,
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(max(secs, 1)),
	)
}

// stopProc kills proc's process group, waits until it has exited, then kills
// the runtime it started, which runs in a process group of its own.
func (p *RIEPool) stopProc(proc *rieProc) {
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

// freeLoopbackPorts returns n distinct TCP ports that were free on 127.0.0.1.
func freeLoopbackPorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		var lc net.ListenConfig
		l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		// Hold every port until all are chosen, so they differ.
		defer func() { _ = l.Close() }()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port) //nolint:errcheck // a TCP listener's Addr is a *net.TCPAddr
	}
	return ports, nil
}

// waitListening polls addr until it accepts a connection, the process exits
// or ctx ends.
func waitListening(ctx context.Context, addr string, exited <-chan struct{}) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var d net.Dialer
	for {
		dialCtx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(dialCtx, "tcp", addr)
		cancel()
		if err == nil {
			return conn.Close()
		}
		select {
		case <-exited:
			return errors.New("exited before listening")
		case <-ctx.Done():
			return fmt.Errorf("not listening: %w", ctx.Err())
		case <-tick.C:
		}
	}
}
