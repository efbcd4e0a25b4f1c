// Package riepool runs Lambda functions in pools of AWS Lambda Runtime
// Interface Emulator processes (aws-lambda-rie), one process per invocation
// at a time, restarting the ones that fail: the invoker behind
// `movies serve --invoke rie`. Invoke calls a single emulator that runs
// elsewhere, as `movies invoke --rie` does. Both return the function's
// failures as *invoke.FunctionError.
package riepool

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/movieskit/movies/gateway/invoke"
)

// Pool is an invoke.Invoker that runs each function in a pool of AWS Lambda
// Runtime Interface Emulator processes, `aws-lambda-rie BOOTSTRAP FUNCTION`,
// each listening on its own loopback port. A process serves one invocation at
// a time (the emulator crashes on concurrent ones), so invocations beyond the
// pool size wait for a free process. A process that fails, times out or dies
// is replaced in the background. Pool is safe for concurrent use.
type Pool struct {
	cfg    Config
	client *http.Client
	idle   map[string]chan *process // idle processes of each function

	mu      sync.Mutex
	closed  bool
	live    map[*process]struct{} // every started, not yet stopped process
	done    chan struct{}         // closed by Close
	restart sync.WaitGroup        // background restarts
}

var _ invoke.Invoker = (*Pool)(nil)

// New starts cfg.Size processes for each of cfg.Functions and waits
// until each accepts connections. ctx bounds the start only; the processes run
// until Close. On error every process started so far is stopped.
func New(ctx context.Context, cfg Config) (*Pool, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Pool{
		cfg:    cfg,
		client: &http.Client{Transport: loopbackTransport(cfg.Size * len(cfg.Functions))},
		idle:   make(map[string]chan *process, len(cfg.Functions)),
		live:   map[*process]struct{}{},
		done:   make(chan struct{}),
	}
	for _, f := range cfg.Functions {
		if _, dup := p.idle[f]; dup {
			return nil, fmt.Errorf("rie pool: function %q listed twice", f)
		}
		p.idle[f] = make(chan *process, cfg.Size)
	}
	if err := p.startAll(ctx); err != nil {
		_ = p.Close()
		return nil, err
	}
	return p, nil
}

// loopbackTransport is an HTTP transport for the local emulators: no proxy
// (the environment may set one), kept-alive connections to every process.
func loopbackTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     90 * time.Second,
	}
}

// startAll starts every process concurrently and returns the first error.
func (p *Pool) startAll(ctx context.Context) error {
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	for _, f := range p.cfg.Functions {
		for range p.cfg.Size {
			wg.Go(func() {
				proc, err := p.startProc(ctx, f)
				if err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
					return
				}
				p.idle[f] <- proc
			})
		}
	}
	wg.Wait()
	return first
}

// Invoke runs function on payload in an idle process of that function,
// waiting for one to be free. It returns the function's response payload; a
// *invoke.FunctionError when the function failed, crashed or could not be reached;
// an error wrapping context.DeadlineExceeded when the invocation ran past
// cfg.Timeout or ctx's deadline; ctx's error when ctx ended; ErrClosed
// after Close.
func (p *Pool) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	idle, ok := p.idle[function]
	if !ok {
		return nil, &invoke.FunctionError{Function: function, Type: "Function.NotFound", Message: "no such function in the pool"}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	proc, err := p.acquire(ctx, function, idle)
	if err != nil {
		return nil, err
	}
	out, healthy, err := p.invokeProc(ctx, proc, payload)
	if healthy {
		idle <- proc
	} else {
		p.replace(proc)
	}
	return out, err
}

// acquire takes an idle, running process of function, replacing dead ones.
func (p *Pool) acquire(ctx context.Context, function string, idle chan *process) (*process, error) {
	for {
		// Check ctx and Close first: select picks at random among ready cases.
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("invoke %s: waiting for a free process: %w", function, err)
		}
		select {
		case <-p.done:
			return nil, ErrClosed
		default:
		}
		select {
		case proc := <-idle:
			if !proc.exitedNow() {
				return proc, nil
			}
			p.cfg.Logger.Warn("rie process exited while idle", "function", function, "pid", proc.pid(), "err", proc.waitErr)
			p.replace(proc)
		case <-ctx.Done():
		case <-p.done:
		}
	}
}

// invokeProc POSTs payload to proc. healthy reports whether proc may serve
// another invocation; when false the caller must replace it.
func (p *Pool) invokeProc(ctx context.Context, proc *process, payload []byte) (out []byte, healthy bool, err error) {
	return post(ctx, p.client, "http://"+proc.addr+InvokePath, proc.function, payload)
}

// replace stops proc and starts a new process for its function in the
// background, retrying until it runs or the pool is closed. The new process
// takes proc's place among the idle ones, so the pool keeps its size.
func (p *Pool) replace(proc *process) {
	p.stopProc(proc)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.restart.Add(1)
	go func() {
		defer p.restart.Done()
		p.restartLoop(proc.function)
	}()
}

// restartLoop starts a process for function until one runs or the pool closes.
func (p *Pool) restartLoop(function string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		startCtx, stop := context.WithTimeout(ctx, DefaultStartTimeout)
		proc, err := p.startProc(startCtx, function)
		stop()
		if err == nil {
			p.cfg.Logger.Info("rie process restarted", "function", function, "pid", proc.pid(), "addr", proc.addr)
			p.idle[function] <- proc // never blocks: proc takes a freed slot
			return
		}
		if ctx.Err() != nil {
			return
		}
		p.cfg.Logger.Error("rie process restart failed", "function", function, "err", err)
		select {
		case <-time.After(restartBackoff):
		case <-ctx.Done():
			return
		}
	}
}

// Close stops every process, waits for background restarts to end and makes
// further invocations fail with ErrClosed. It is safe to call more than once.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	procs := make([]*process, 0, len(p.live))
	for proc := range p.live {
		procs = append(procs, proc)
	}
	p.mu.Unlock()
	for _, proc := range procs {
		p.stopProc(proc)
	}
	p.restart.Wait()
	p.client.CloseIdleConnections()
	return nil
}

// WaitIdle waits until every process of every function is idle and no
// restart runs, or ctx ends. With no invocation in flight this is the quiet
// state a pool returns to after a failure: tests that count goroutines or
// processes start from it.
func (p *Pool) WaitIdle(ctx context.Context) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for _, f := range p.cfg.Functions {
		for len(p.idle[f]) < p.cfg.Size {
			select {
			case <-ctx.Done():
				return fmt.Errorf("pool of %s did not get back to %d idle processes: %w", f, p.cfg.Size, ctx.Err())
			case <-p.done:
				return ErrClosed
			case <-tick.C:
			}
		}
	}
	p.restart.Wait() // every process is back, so no restart is pending
	return nil
}

// CloseIdleConnections closes the pool's kept-alive connections to its
// processes that are not in use; later invocations open new ones.
func (p *Pool) CloseIdleConnections() { p.client.CloseIdleConnections() }
