package devloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/movieskit/movies/gateway"
)

// The server's side of the loop: flags that give it the listening socket
// and the readiness pipe as inherited file descriptors.
const (
	// ListenFDFlag names the flag that gives the server the listening socket.
	ListenFDFlag = "listen-fd"
	// ReadyFDFlag names the flag that gives the server the readiness pipe:
	// it writes readyMessage there when it first accepts connections.
	ReadyFDFlag = "ready-fd"
	// BootstrapFlag names the server's flag for the Lambda bootstrap binary.
	BootstrapFlag = "bootstrap"
	readyMessage  = "ready\n"
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
	// StopTimeout bounds how long a stopped server may take to exit: its
	// in-flight requests get gateway.ShutdownTimeout, then it closes its
	// store and emulators. Past it the server's process group is killed.
	StopTimeout = gateway.ShutdownTimeout + 10*time.Second
)

// Inherit returns the listener that the loop passed to this process as
// file descriptor listenFD, wrapped so that its first Accept writes to the
// readiness pipe readyFD and closes it. It takes both descriptors out of
// reach of the processes this one starts (aws-lambda-rie): call it before
// starting any, so that none of them keeps the socket or the pipe open.
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
	return &readyListener{Listener: ln, ready: ready}, nil
}

// readyListener tells the loop that the server accepts connections.
type readyListener struct {
	net.Listener
	once  sync.Once
	ready *os.File
}

func (l *readyListener) Accept() (net.Conn, error) {
	l.once.Do(l.signal)
	return l.Listener.Accept()
}

func (l *readyListener) Close() error {
	l.once.Do(func() { _ = l.ready.Close() }) // never served: the loop sees the pipe close
	return l.Listener.Close()
}

func (l *readyListener) signal() {
	_, _ = io.WriteString(l.ready, readyMessage) // a loop that went away reads nothing
	_ = l.ready.Close()
}

// server is one running server process of a build.
type server struct {
	build   *build
	cmd     *exec.Cmd
	started time.Time
	exited  chan struct{} // closed once the process has exited
	err     error         // how it exited, once exited is closed
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
	defer r.Close()
	args = append(args, "--"+ListenFDFlag+"="+strconv.Itoa(listenFD), "--"+ReadyFDFlag+"="+strconv.Itoa(readyFD))
	if bootstrap, ok := b.bins[bootstrapTarget.name]; ok {
		args = append(args, "--"+BootstrapFlag+"="+bootstrap)
	}
	cmd := exec.Command(b.bins["server"], args...) //nolint:gosec // G204: the binary this loop just built from the module
	cmd.ExtraFiles = []*os.File{ln, w}             // fds 3 and 4
	cmd.Stderr = stderr                            // stdout (the banner) is the loop's own
	cmd.SysProcAttr = serverAttr()
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	_ = w.Close()
	if err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	s := &server{build: b, cmd: cmd, started: time.Now(), exited: make(chan struct{})}
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
	select {
	case <-s.exited:
		return nil, fmt.Errorf("the server exited before serving (%v)", s.err)
	default:
	}
	s.kill()
	<-s.exited
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("the server did not serve within %s", ReadyTimeout)
}

// stop asks the server to shut down (SIGTERM: it stops accepting and lets
// its in-flight requests finish) and waits until it has exited, killing it
// after StopTimeout.
func (s *server) stop() {
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
