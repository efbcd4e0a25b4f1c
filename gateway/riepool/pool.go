// Package riepool runs Lambda functions in pools of AWS Lambda Runtime
// Interface Emulator processes (aws-lambda-rie), one process per invocation
// at a time, restarting the ones that fail: the invoker behind
// `movies serve --invoke rie`. Invoke calls a single emulator that runs
// elsewhere, as `movies invoke --rie` does. Both return the function's
// failures as *gateway.FunctionError. Start starts one emulator process, for
// the pool and for tests.
package riepool

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/movieskit/movies/gateway"
)

// Pool is a gateway.Invoker that runs each function in a pool of AWS Lambda
// Runtime Interface Emulator processes, `aws-lambda-rie BOOTSTRAP FUNCTION`,
// each listening on its own loopback port. A process serves one invocation at
// a time (the emulator crashes on concurrent ones), so invocations beyond the
// pool size wait for a free process. A process that fails, times out or dies
// is replaced in the background. Pool is safe for concurrent use.
type Pool struct {
	cfg    Config
	client *http.Client
	idle   map[string]chan *Process // idle processes of each function

	// closing ends with Close, and with it waits for a free process and
	// background restarts.
	closing context.Context
	close   context.CancelFunc

	mu      sync.Mutex            // guards live and the end of closing
	live    map[*Process]struct{} // every started, not yet stopped process
	restart sync.WaitGroup        // background restarts
}

var _ gateway.Invoker = (*Pool)(nil)

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
		idle:   make(map[string]chan *Process, len(cfg.Functions)),
		live:   map[*Process]struct{}{},
	}
	for _, f := range cfg.Functions {
		if _, dup := p.idle[f]; dup {
			return nil, fmt.Errorf("rie pool: function %q listed twice", f)
		}
		p.idle[f] = make(chan *Process, cfg.Size)
	}
	p.closing, p.close = context.WithCancel(context.Background())
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
	var g errgroup.Group
	for _, f := range p.cfg.Functions {
		for range p.cfg.Size {
			g.Go(func() error {
				proc, err := p.startProc(ctx, f)
				if err == nil {
					p.idle[f] <- proc
				}
				return err
			})
		}
	}
	return g.Wait()
}

// startProc starts a process for function (Start) and adds it to the live
// ones, which Close stops.
func (p *Pool) startProc(ctx context.Context, function string) (*Process, error) {
	out := &lineLogger{log: p.cfg.Logger.With("function", function)}
	proc, err := Start(ctx, p.cfg.RIE, []string{p.cfg.Bootstrap, function}, p.procEnv(function), out)
	if err != nil {
		return nil, fmt.Errorf("rie pool: start %s: %w", function, err)
	}
	p.mu.Lock()
	if p.closed() {
		p.mu.Unlock()
		proc.Stop()
		return nil, ErrClosed
	}
	p.live[proc] = struct{}{}
	p.mu.Unlock()
	p.cfg.Logger.Debug("rie process started", "function", function, "pid", proc.PID(), "addr", proc.Addr())
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

// stopProc stops proc and drops it from the live processes.
func (p *Pool) stopProc(proc *Process) {
	proc.Stop()
	p.mu.Lock()
	delete(p.live, proc)
	p.mu.Unlock()
}

// Invoke runs function on payload in an idle process of that function,
// waiting for one to be free. It returns the function's response payload; a
// *gateway.FunctionError when the function failed, crashed or could not be reached;
// an error wrapping context.DeadlineExceeded when the invocation ran past
// cfg.Timeout or ctx's deadline; ctx's error when ctx ended; ErrClosed
// after Close.
func (p *Pool) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	idle, ok := p.idle[function]
	if !ok {
		return nil, &gateway.FunctionError{Function: function, Type: "Function.NotFound", Message: "no such function in the pool"}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	proc, err := p.acquire(ctx, function, idle)
	if err != nil {
		return nil, err
	}
	out, healthy, err := post(ctx, p.client, "http://"+proc.Addr()+InvokePath, function, payload)
	if healthy {
		idle <- proc
	} else {
		p.replace(function, proc)
	}
	return out, err
}

// acquire takes an idle, running process of function, replacing dead ones.
func (p *Pool) acquire(ctx context.Context, function string, idle chan *Process) (*Process, error) {
	for {
		// Check ctx and Close first: select picks at random among ready cases.
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("invoke %s: waiting for a free process: %w", function, err)
		}
		if p.closed() {
			return nil, ErrClosed
		}
		select {
		case proc := <-idle:
			if !proc.exitedNow() {
				return proc, nil
			}
			p.cfg.Logger.Warn("rie process exited while idle", "function", function, "pid", proc.PID(), "err", proc.waitErr)
			p.replace(function, proc)
		case <-ctx.Done():
		case <-p.closing.Done():
		}
	}
}

// replace stops proc and starts a new process for function in the
// background, retrying until it runs or the pool is closed. The new process
// takes proc's place among the idle ones, so the pool keeps its size.
func (p *Pool) replace(function string, proc *Process) {
	p.stopProc(proc)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed() {
		return
	}
	p.restart.Add(1)
	go func() {
		defer p.restart.Done()
		p.restartLoop(function)
	}()
}

// restartLoop starts a process for function until one runs or the pool closes.
func (p *Pool) restartLoop(function string) {
	for {
		ctx, cancel := context.WithTimeout(p.closing, restartTimeout)
		proc, err := p.startProc(ctx, function)
		cancel()
		if err == nil {
			p.cfg.Logger.Info("rie process restarted", "function", function, "pid", proc.PID(), "addr", proc.Addr())
			p.idle[function] <- proc // never blocks: proc takes a freed slot
			return
		}
		if p.closed() {
			return
		}
		p.cfg.Logger.Error("rie process restart failed", "function", function, "err", err)
		select {
		case <-time.After(restartBackoff):
		case <-p.closing.Done():
			return
		}
	}
}

// Close stops every process, waits for background restarts to end and makes
// further invocations fail with ErrClosed. It is safe to call more than once.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed() {
		p.mu.Unlock()
		return nil
	}
	p.close()
	procs := make([]*Process, 0, len(p.live))
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

// closed reports whether Close has been called.
func (p *Pool) closed() bool { return p.closing.Err() != nil }
