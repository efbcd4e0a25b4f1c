package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
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

// InvokeRIE invokes the function served by the aws-lambda-rie process at
// baseURL (e.g. "http://127.0.0.1:9000") once, with the same error mapping as
// RIEPool.Invoke: the response payload, a *FunctionError when the function
// failed or the emulator could not be reached, or an error wrapping ctx's
// error. function only names the function in errors. client nil means a
// client without proxy.
func InvokeRIE(ctx context.Context, client *http.Client, baseURL, function string, payload []byte) ([]byte, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invoke %s: emulator URL %q must be like http://127.0.0.1:9000", function, baseURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = RIEInvokePath
	}
	if client == nil {
		client = &http.Client{Transport: loopbackTransport(1)}
		defer client.CloseIdleConnections()
	}
	out, _, err := postRIE(ctx, client, u.String(), function, payload)
	return out, err
}

// postRIE POSTs payload to an emulator's invoke URL. healthy reports whether
// the emulator may serve another invocation.
func postRIE(ctx context.Context, client *http.Client, invokeURL, function string, payload []byte) (out []byte, healthy bool, err error) {
	// invokeURL is a loopback emulator this pool started, or the URL the user gave `movies invoke --rie`.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, invokeURL, bytes.NewReader(payload))
	if err != nil {
		return nil, true, fmt.Errorf("invoke %s: build request: %w", function, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, transportError(ctx, function, invokeURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, false, transportError(ctx, function, invokeURL, err)
	}
	if len(body) > MaxResponseBytes {
		return nil, true, &FunctionError{Function: function, Type: "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("response payload is larger than %d bytes", MaxResponseBytes)}
	}
	return classifyRIEResponse(function, resp.StatusCode, resp.Header, body)
}

// transportError maps a failed request: ctx's error when ctx ended (the
// invocation may still be running), else a *FunctionError saying the
// emulator could not be reached.
func transportError(ctx context.Context, function, invokeURL string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("invoke %s: %w", function, ctxErr)
	}
	return &FunctionError{Function: function, Type: "Runtime.Unreachable",
		Message: fmt.Sprintf("aws-lambda-rie at %s: %v", invokeURL, err)}
}

// classifyRIEResponse turns the emulator's answer into the payload or an error.
//
// The emulator answers a handled function error with 200 and the runtime's
// {"errorMessage","errorType"} payload (it drops the X-Amz-Function-Error
// header, which is honoured when present), a crashed runtime with 502 and the
// same shape (it restarts the runtime itself), its own function timeout with
// 200 "Task timed out after N.00 seconds", and its internal failures with
// other statuses and usually no body.
func classifyRIEResponse(fn string, status int, h http.Header, body []byte) (out []byte, healthy bool, err error) {
	if bytes.HasPrefix(body, []byte("Task timed out after")) {
		return nil, false, fmt.Errorf("invoke %s: %s: %w", fn, body, context.DeadlineExceeded)
	}
	fe, isErrPayload := parseErrorPayload(body)
	switch {
	case status == http.StatusOK && h.Get("X-Amz-Function-Error") == "" && !isErrPayload:
		return body, true, nil
	case status == http.StatusOK || (status == http.StatusBadGateway && isErrPayload):
		if !isErrPayload {
			fe = FunctionError{Type: h.Get("X-Amz-Function-Error"), Message: truncate(string(body), 512)}
		}
		fe.Function = fn
		return nil, true, &fe
	default:
		return nil, false, &FunctionError{Function: fn, Type: "Runtime.EmulatorError",
			Message: fmt.Sprintf("aws-lambda-rie answered %d: %s", status, truncate(string(body), 512))}
	}
}

// parseErrorPayload reports whether body is a Lambda error payload: a JSON
// object with string errorMessage and errorType and no statusCode (a function
// response with a statusCode is an HTTP response, whatever else it holds).
func parseErrorPayload(body []byte) (FunctionError, bool) {
	var v struct {
		ErrorMessage *string         `json:"errorMessage"`
		ErrorType    *string         `json:"errorType"`
		StatusCode   json.RawMessage `json:"statusCode"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.ErrorMessage == nil || v.ErrorType == nil || v.StatusCode != nil {
		return FunctionError{}, false
	}
	return FunctionError{Type: *v.ErrorType, Message: *v.ErrorMessage}, true
}

// truncate shortens s to at most n bytes for a log message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
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

// lineLogger logs each line written to it at debug level.
type lineLogger struct {
	mu  sync.Mutex
	log *slog.Logger
	buf []byte
}

// Write implements io.Writer.
func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > bufio.MaxScanTokenSize { // a very long line: log it in pieces
		l.emit(l.buf)
		l.buf = nil
	}
	return len(b), nil
}

// with adds attributes to the lines logged from now on.
func (l *lineLogger) with(args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log = l.log.With(args...)
}

// flush logs a final unterminated line.
func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = nil
	}
}

func (l *lineLogger) emit(line []byte) {
	if s := strings.TrimRight(string(line), "\r"); s != "" {
		l.log.Debug(s)
	}
}
