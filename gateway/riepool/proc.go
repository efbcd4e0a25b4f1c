package riepool

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/movieskit/movies/internal/loopback"
)

// Process is one running aws-lambda-rie process, started by Start: the
// emulator, listening on its own loopback port, and the runtime it starts on
// the first invocation. A pool runs many; a test may start one bare process
// to time its start, invoke it by URL and read its output.
type Process struct {
	addr     string // host:port of its Invoke API
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited and been reaped
	waitErr  error         // set before exited is closed
	stopOnce sync.Once
}

// processOutput is an output of Start that wants to know the process: it is
// told the pid once the process runs, and that it exited once it has
// (lineLogger).
type processOutput interface {
	started(pid int)
	exited()
}

// Start runs `aws-lambda-rie ARGS...` (args are the emulator's flags, then
// the runtime's command line, e.g. BOOTSTRAP FUNCTION) on free loopback ports,
// in env (a complete environment), its output and its runtime's to out, and
// waits until it accepts connections. It tries other ports when the process
// exits before listening, as it does when a port was taken meanwhile. ctx
// bounds the start only; the process runs until Stop, or until this process
// dies (the kernel then kills it, on Linux).
func Start(ctx context.Context, rie string, args, env []string, out io.Writer) (*Process, error) {
	var err error
	for range maxStarts {
		var p *Process
		if p, err = startOnce(ctx, rie, args, env, out); err == nil {
			return p, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

// startOnce makes one attempt of Start.
func startOnce(ctx context.Context, rie string, args, env []string, out io.Writer) (*Process, error) {
	addrs, err := loopback.FreeAddrs(2)
	if err != nil {
		return nil, err
	}
	// Not CommandContext: the process outlives the call that started it; Stop ends it.
	cmd := exec.Command(rie, append([]string{ //nolint:gosec,noctx // G204: the configured RIE binary
		"--runtime-interface-emulator-address", addrs[0],
		"--runtime-api-address", addrs[1], // the default, 9001, would be shared by every process
	}, args...)...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = processAttr()
	cmd.WaitDelay = time.Second // do not wait forever for output of orphaned children
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", rie, err)
	}
	p := &Process{addr: addrs[0], cmd: cmd, exited: make(chan struct{})}
	po, _ := out.(processOutput)
	if po != nil {
		po.started(p.PID())
	}
	go func() {
		p.waitErr = cmd.Wait()
		if po != nil {
			po.exited()
		}
		close(p.exited)
	}()
	if err := loopback.WaitListening(ctx, p.addr, p.exited); err != nil {
		p.Stop()
		return nil, fmt.Errorf("aws-lambda-rie %d on %s: %w", p.PID(), p.addr, err)
	}
	return p, nil
}

// Addr returns the host:port address of the process's Invoke API.
func (p *Process) Addr() string { return p.addr }

// PID returns the emulator's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// stopTimeout bounds how long Stop waits for the emulator to shut down
// before it kills it.
const stopTimeout = time.Second

// Stop stops the emulator and its runtime and waits until the emulator has
// exited. The emulator is asked to shut down (SIGTERM), which kills its
// runtime, busy or not, as Lambda ends an execution environment; one still
// running after stopTimeout is killed. A runtime whose emulator died before
// Stop exits by itself once its invocation ends. Calling Stop again only
// waits.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		if p.cmd.Process.Signal(syscall.SIGTERM) == nil {
			select {
			case <-p.exited:
				return
			case <-time.After(stopTimeout):
			}
		}
		_ = p.cmd.Process.Kill() // an error means it has exited meanwhile
	})
	<-p.exited
}

// exitedNow reports whether the process has exited.
func (p *Process) exitedNow() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}
