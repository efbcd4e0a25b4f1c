package devloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/movieskit/movies/gateway"
)

// The server's side of the loop: flags that give it the listening socket
// and the loop's pipe as inherited file descriptors.
const (
	// ListenFDFlag names the flag that gives the server the listening socket.
	ListenFDFlag = "listen-fd"
	// ReadyFDFlag names the flag that gives the server the loop's pipe: it
	// writes readyMessage there when it first accepts connections, and
	// drainedMessage once it has drained (see Inherit).
	ReadyFDFlag = "ready-fd"
	// BootstrapFlag names the server's flag for the Lambda bootstrap binary.
	BootstrapFlag  = "bootstrap"
	readyMessage   = "ready\n"
	drainedMessage = "drained\n"
	// listenFD and readyFD are where ExtraFiles puts them in the server.
	listenFD = 3
	readyFD  = 4
)

// Bounds of the servers' lifecycle.
const (
	// ReadyTimeout bounds how long a new server may take to serve, after
	// which it is stopped and the last good one keeps serving. Starting a
	// pool of aws-lambda-rie processes on a busy machine is the slow case.
	ReadyTimeout = time.Minute
	// DrainTimeout bounds how long a server that stopped accepting waits for
	// the requests of the connections it accepted (see Inherit). Clients send
	// a request as soon as they connect; meanwhile the old server still
	// answers on its keep-alive connections, so the wait is kept short.
	DrainTimeout = time.Second
	// exitReapWait bounds how long a server whose readiness pipe ended is
	// waited for to be reaped, so that the error says how it exited.
	exitReapWait = 2 * time.Second
	// StopTimeout bounds how long a stopped server may take to exit: its
	// in-flight requests get gateway.ShutdownTimeout, then it closes its
	// store and emulators. Past it the server's process group is killed.
	StopTimeout = gateway.ShutdownTimeout + 10*time.Second
)

// Inherit returns the listener that the loop passed to this process as
// file descriptor listenFD; readyFD is the loop's pipe. It takes both out of
// reach of the processes this one starts (aws-lambda-rie): call it before
// starting any, so that none of them keeps the socket or the pipe open.
//
// The listener's first Accept tells the loop that the server serves. When
// the loop is about to stop the server it sends drainSignal first: the
// listener stops accepting (it closes this process's copy of the socket; the
// socket stays open, and the new server accepts what comes next), waits up
// to DrainTimeout until net/http has read a request from every connection
// it accepted, and tells the loop. Then the loop's SIGTERM makes the server
// shut down. Without that step a connection accepted just before the
// shutdown would be closed unanswered: net/http drops a first request it
// reads once its shutdown has begun, and a client retries only requests it
// sent on a connection it reused.
func Inherit(listenFD, readyFD int) (net.Listener, error) {
	closeOnExec(readyFD)
	ready := os.NewFile(uintptr(readyFD), "ready")
	if ready == nil {
		return nil, fmt.Errorf("--%s %d: not a file descriptor", ReadyFDFlag, readyFD)
	}
	f := os.NewFile(uintptr(listenFD), "listener")
	if f == nil {
		_ = ready.Close()
		return nil, fmt.Errorf("--%s %d: not a file descriptor", ListenFDFlag, listenFD)
	}
	ln, err := net.FileListener(f) // a duplicate, close-on-exec
	_ = f.Close()
	if err != nil {
		_ = ready.Close()
		return nil, fmt.Errorf("--%s %d: not a listening socket: %w", ListenFDFlag, listenFD, err)
	}
	l := &drainListener{Listener: ln, pipe: ready, fresh: map[*freshConn]struct{}{}, closed: make(chan struct{})}
	if drainSignal != nil {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, drainSignal)
		go func() {
			defer signal.Stop(sig)
			select {
			case <-sig:
				l.drain()
			case <-l.closed:
			}
		}()
	}
	return l, nil
}

// drainListener tells the loop when the server serves, and drains on the
// loop's signal (see Inherit).
type drainListener struct {
	net.Listener
	pipe      *os.File
	readyOnce sync.Once
	mu        sync.Mutex
	served    bool                    // readyMessage was written
	draining  bool                    // no more accepting
	accepting int                     // Accept calls between the socket and fresh
	fresh     map[*freshConn]struct{} // accepted, no request read yet
	closeOnce sync.Once
	closed    chan struct{} // closed by Close
}

func (l *drainListener) Accept() (net.Conn, error) {
	l.readyOnce.Do(func() {
		_, _ = io.WriteString(l.pipe, readyMessage) // a loop that went away reads nothing
		l.mu.Lock()
		l.served = true
		l.mu.Unlock()
	})
	l.mu.Lock()
	if l.draining {
		l.mu.Unlock()
		<-l.closed
		return nil, net.ErrClosed
	}
	l.accepting++
	l.mu.Unlock()
	c, err := l.Listener.Accept()
	l.mu.Lock()
	l.accepting--
	draining := l.draining
	var fc *freshConn
	if err == nil {
		fc = &freshConn{Conn: c, l: l}
		l.fresh[fc] = struct{}{}
	}
	l.mu.Unlock()
	switch {
	case err != nil && draining: // this process's copy of the socket closed: wait for the shutdown
		<-l.closed
		return nil, net.ErrClosed
	case err != nil:
		return nil, err
	}
	return fc, nil
}

// Close closes the listener; a server that never served closes the pipe,
// so that the loop hears it at once. After a drain, which closed the socket
// already, it reports no error: net/http's shutdown takes one as a failure.
func (l *drainListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	l.mu.Lock()
	served, draining := l.served, l.draining
	l.mu.Unlock()
	if !served {
		_ = l.pipe.Close()
	}
	err := l.Listener.Close()
	if draining && errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// drain stops accepting and waits, up to DrainTimeout, until every accepted
// connection has had a request read, then tells the loop.
func (l *drainListener) drain() {
	l.mu.Lock()
	l.draining = true
	l.mu.Unlock()
	_ = l.Listener.Close() // this process's copy: an Accept in progress returns
	deadline := time.Now().Add(DrainTimeout)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		done := l.accepting == 0 && len(l.fresh) == 0
		l.mu.Unlock()
		if done {
			break
		}
		time.Sleep(time.Millisecond)
	}
	_, _ = io.WriteString(l.pipe, drainedMessage)
}

// started forgets c as fresh.
func (l *drainListener) started(c *freshConn) {
	l.mu.Lock()
	delete(l.fresh, c)
	l.mu.Unlock()
}

// freshConn is an accepted connection that knows when net/http has read its
// first request: net/http sets the write deadline of a request as it
// returns from reading one (gateway.Serve has a write timeout).
type freshConn struct {
	net.Conn
	l    *drainListener
	once sync.Once
}

func (c *freshConn) SetWriteDeadline(t time.Time) error {
	c.once.Do(func() { c.l.started(c) })
	return c.Conn.SetWriteDeadline(t)
}

func (c *freshConn) Close() error {
	c.once.Do(func() { c.l.started(c) })
	return c.Conn.Close()
}

// server is one running server process of a build.
type server struct {
	build  *build
	cmd    *exec.Cmd
	pipe   *os.File      // the read end of the server's pipe
	exited chan struct{} // closed once the process has exited
	err    error         // how it exited, once exited is closed
}

// startServer runs the server binary of b with args, the listening socket
// ln and, when b has a bootstrap, --bootstrap; it returns once the server
// accepts connections. A server that exits first or does not serve within
// ReadyTimeout (it is then killed) is an error; its own messages went to
// stderr.
func startServer(ctx context.Context, b *build, args []string, ln *os.File, stderr io.Writer) (*server, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start the server: readiness pipe: %w", err)
	}
	args = append(slices.Clone(args), "--"+ListenFDFlag+"="+strconv.Itoa(listenFD), "--"+ReadyFDFlag+"="+strconv.Itoa(readyFD))
	if bootstrap, ok := b.bins[bootstrapTarget.name]; ok {
		args = append(args, "--"+BootstrapFlag+"="+bootstrap)
	}
	cmd := exec.Command(b.bins["server"], args...) //nolint:gosec,noctx // G204: the binary this loop built; it outlives ctx, and stop ends it with signals
	cmd.ExtraFiles = []*os.File{ln, w}             // fds 3 and 4
	cmd.Stderr = stderr                            // stdout (the banner) is the loop's own
	cmd.SysProcAttr = serverAttr()
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	_ = w.Close()
	if err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("start the server: %w", err)
	}
	s := &server{build: b, cmd: cmd, pipe: r, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	_ = r.SetReadDeadline(time.Now().Add(ReadyTimeout))
	stop := context.AfterFunc(ctx, func() { _ = r.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, len(readyMessage))
	_, err = io.ReadFull(r, buf)
	if err == nil && string(buf) == readyMessage {
		return s, nil
	}
	defer func() { _ = r.Close() }()
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		// The pipe ended: the kernel closes it when the server exits, a
		// moment before the process can be reaped; wait for that moment
		// so that the error says why.
		select {
		case <-s.exited:
		case <-time.After(exitReapWait):
		}
	}
	select {
	case <-s.exited:
		status := s.err
		if status == nil {
			status = errors.New("exit status 0")
		}
		return nil, fmt.Errorf("the server exited before serving (%w)", status)
	default:
	}
	s.kill()
	<-s.exited
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("the server did not serve within %s", ReadyTimeout)
}

// drain makes the server stop accepting and waits until it has read the
// requests of the connections it accepted (see Inherit), or DrainTimeout.
func (s *server) drain() {
	if drainSignal == nil || s.cmd.Process.Signal(drainSignal) != nil {
		return
	}
	_ = s.pipe.SetReadDeadline(time.Now().Add(DrainTimeout + time.Second))
	buf := make([]byte, len(drainedMessage))
	_, _ = io.ReadFull(s.pipe, buf) // an error: it exited, or is stopped anyway
}

// stop asks the server to shut down (SIGTERM: it stops accepting and lets
// its in-flight requests finish) and waits until it has exited, killing it
// after StopTimeout.
func (s *server) stop() {
	defer func() { _ = s.pipe.Close() }()
	select {
	case <-s.exited:
		return
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.kill()
	}
	select {
	case <-s.exited:
	case <-time.After(StopTimeout):
		s.kill()
		<-s.exited
	}
}

// kill kills the server with its process group.
func (s *server) kill() { killGroup(s.cmd.Process) }
