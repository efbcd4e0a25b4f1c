package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// RIE invocation endpoint and defaults.
const (
	// RIEInvokePath is the path of the Lambda Invoke API served by aws-lambda-rie.
	RIEInvokePath = "/2015-03-31/functions/function/invocations"
	// DefaultRIEStartTimeout bounds how long NewRIEPool waits for one process to listen.
	DefaultRIEStartTimeout = 30 * time.Second
	// rieRelPath is where the Makefile installs aws-lambda-rie, relative to the repo root.
	rieRelPath = ".cache/bin/aws-lambda-rie"
	// rieMaxStarts is how many times a process start is tried (ports can be taken
	// between choosing and binding them).
	rieMaxStarts = 3
	// rieRestartBackoff is the pause between failed background restarts.
	rieRestartBackoff = 500 * time.Millisecond
)

// ErrPoolClosed is returned by RIEPool.Invoke after Close.
var ErrPoolClosed = errors.New("rie pool closed")

// RIEConfig configures an RIEPool.
type RIEConfig struct {
	// RIE is the path to the aws-lambda-rie binary. Empty means DefaultRIEPath().
	RIE string
	// Bootstrap is the path to the Lambda bootstrap binary. Required.
	Bootstrap string
	// Functions are the handler names; each gets its own processes. Required.
	Functions []string
	// Size is the number of processes per function; zero means runtime.NumCPU().
	Size int
	// Env is extra environment for the function, e.g. "TABLE_NAME=Movies",
	// added to this process's environment.
	Env []string
	// Timeout is the function timeout: each invocation is cut off after it
	// (the function's own context gets the same deadline). Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Logger receives process starts, exits and restarts, and at debug level
	// the emulator's and the function's output. Nil discards them.
	Logger *slog.Logger
}

// withDefaults returns cfg with zero fields set to their defaults.
func (cfg RIEConfig) withDefaults() RIEConfig {
	if cfg.RIE == "" {
		cfg.RIE = DefaultRIEPath()
	}
	if cfg.Size <= 0 {
		cfg.Size = runtime.NumCPU()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// validate reports a missing binary or an empty function list.
func (cfg RIEConfig) validate() error {
	if len(cfg.Functions) == 0 {
		return errors.New("rie pool: no functions")
	}
	for _, f := range cfg.Functions {
		if f == "" {
			return errors.New("rie pool: empty function name")
		}
	}
	for _, bin := range []struct{ name, path string }{{"aws-lambda-rie", cfg.RIE}, {"bootstrap", cfg.Bootstrap}} {
		if bin.path == "" {
			return fmt.Errorf("rie pool: %s path is empty", bin.name)
		}
		fi, err := os.Stat(bin.path)
		if err != nil {
			return fmt.Errorf("rie pool: %s: %w", bin.name, err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("rie pool: %s %s is not an executable file", bin.name, bin.path)
		}
	}
	return nil
}

// DefaultRIEPath returns the aws-lambda-rie binary to use: $MOVIES_RIE when
// set, else .cache/bin/aws-lambda-rie in the nearest directory above the
// working directory that has one (where the Makefile installs it), else
// aws-lambda-rie from $PATH, else "".
func DefaultRIEPath() string {
	if p := os.Getenv("MOVIES_RIE"); p != "" {
		return p
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, rieRelPath)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	return ""
}

// RIEPool is an Invoker that runs each function in a pool of AWS Lambda
// Runtime Interface Emulator processes, `aws-lambda-rie BOOTSTRAP FUNCTION`,
// each listening on its own loopback port. A process serves one invocation at
// a time (the emulator crashes on concurrent ones), so invocations beyond the
// pool size wait for a free process. A process that fails, times out or dies
// is replaced in the background. RIEPool is safe for concurrent use.
type RIEPool struct {
	cfg    RIEConfig
	client *http.Client
	idle   map[string]chan *rieProc // idle processes of each function

	mu      sync.Mutex
	closed  bool
	live    map[*rieProc]struct{} // every started, not yet stopped process
	done    chan struct{}         // closed by Close
	restart sync.WaitGroup        // background restarts
}

var _ Invoker = (*RIEPool)(nil)

// NewRIEPool starts cfg.Size processes for each of cfg.Functions and waits
// until each accepts connections. ctx bounds the start only; the processes run
// until Close. On error every process started so far is stopped.
func NewRIEPool(ctx context.Context, cfg RIEConfig) (*RIEPool, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &RIEPool{
		cfg:    cfg,
		client: &http.Client{Transport: loopbackTransport(cfg.Size * len(cfg.Functions))},
		idle:   make(map[string]chan *rieProc, len(cfg.Functions)),
		live:   map[*rieProc]struct{}{},
		done:   make(chan struct{}),
	}
	for _, f := range cfg.Functions {
		if _, dup := p.idle[f]; dup {
			return nil, fmt.Errorf("rie pool: function %q listed twice", f)
		}
		p.idle[f] = make(chan *rieProc, cfg.Size)
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
func (p *RIEPool) startAll(ctx context.Context) error {
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
// *FunctionError when the function failed, crashed or could not be reached;
// an error wrapping context.DeadlineExceeded when the invocation ran past
// cfg.Timeout or ctx's deadline; ctx's error when ctx ended; ErrPoolClosed
// after Close.
func (p *RIEPool) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	idle, ok := p.idle[function]
	if !ok {
		return nil, &FunctionError{Function: function, Type: "Function.NotFound", Message: "no such function in the pool"}
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
func (p *RIEPool) acquire(ctx context.Context, function string, idle chan *rieProc) (*rieProc, error) {
	for {
		// Check ctx and Close first: select picks at random among ready cases.
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("invoke %s: waiting for a free process: %w", function, err)
		}
		select {
		case <-p.done:
			return nil, ErrPoolClosed
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
func (p *RIEPool) invokeProc(ctx context.Context, proc *rieProc, payload []byte) (out []byte, healthy bool, err error) {
	return postRIE(ctx, p.client, "http://"+proc.addr+RIEInvokePath, proc.function, payload)
}

// replace stops proc and starts a new process for its function in the
// background, retrying until it runs or the pool is closed. The new process
// takes proc's place among the idle ones, so the pool keeps its size.
func (p *RIEPool) replace(proc *rieProc) {
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
func (p *RIEPool) restartLoop(function string) {
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
		startCtx, stop := context.WithTimeout(ctx, DefaultRIEStartTimeout)
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
		case <-time.After(rieRestartBackoff):
		case <-ctx.Done():
			return
		}
	}
}

// Close stops every process, waits for background restarts to end and makes
// further invocations fail with ErrPoolClosed. It is safe to call more than once.
func (p *RIEPool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	procs := make([]*rieProc, 0, len(p.live))
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
