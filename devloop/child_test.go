//go:build unix

package devloop

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// inherited is a listener made by Inherit from duplicates of a test
// listener's socket and of a pipe's write end, with the pipe's read end and
// the original listener, which still accepts on the same socket.
type inherited struct {
	ln       net.Listener // Inherit's
	original net.Listener
	pipe     *os.File
}

func inherit(t *testing.T) *inherited {
	t.Helper()
	original, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = original.Close() })
	lnFile, err := original.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	ln, err := Inherit(dup(t, lnFile), dup(t, w)) // Inherit owns what it is given
	if err != nil {
		t.Fatal(err)
	}
	_ = lnFile.Close()
	_ = w.Close()
	t.Cleanup(func() { _ = ln.Close() })
	return &inherited{ln: ln, original: original, pipe: r}
}

// dial connects to the socket.
func (in *inherited) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", in.original.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// read reads n bytes of the pipe, or what is there until end of file.
func (in *inherited) read(t *testing.T, n int) string {
	t.Helper()
	got, err := readPipe(in.pipe, n)
	if err != nil {
		t.Fatalf("read the pipe: %v", err)
	}
	return got
}

// readPipe reads n bytes of f, or what is there until end of file, within
// ten seconds.
func readPipe(f *os.File, n int) (string, error) {
	_ = f.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, n)
	got, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", err
	}
	return string(buf[:got]), nil
}

// TestInheritReady checks that the first Accept on the inherited listener
// tells the loop, on the same socket, and that a listener closed before it
// accepted closes the pipe without a word.
func TestInheritReady(t *testing.T) {
	in := inherit(t)
	in.dial(t)
	c, err := in.ln.Accept()
	if err != nil {
		t.Fatalf("Accept on the inherited listener: %v", err)
	}
	_ = c.Close()
	if got := in.read(t, len(readyMessage)); got != readyMessage {
		t.Errorf("the pipe said %q, want %q", got, readyMessage)
	}

	never := inherit(t)
	_ = never.ln.Close()
	if got := never.read(t, 1); got != "" {
		t.Errorf("a listener closed before it served wrote %q to the pipe, want end of file", got)
	}
}

// TestInheritDrain checks the drain: on drainSignal the listener stops
// accepting, waits until net/http has read the request of the connection it
// accepted (net/http sets the write deadline then), tells the loop, and
// blocks in Accept until it is closed, while the socket stays open for the
// next server.
func TestInheritDrain(t *testing.T) {
	in := inherit(t)
	in.dial(t)
	c, err := in.ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	in.read(t, len(readyMessage))
	accepted := make(chan error, 1)
	go func() { // the server's accept loop, as net/http runs it
		_, err := in.ln.Accept()
		accepted <- err
	}()
	if err := syscall.Kill(os.Getpid(), drainSignal.(syscall.Signal)); err != nil {
		t.Fatal(err)
	}
	drained := make(chan string, 1)
	go func() {
		got, err := readPipe(in.pipe, len(drainedMessage))
		if err != nil {
			got = err.Error()
		}
		drained <- got
	}()
	select {
	case got := <-drained:
		t.Fatalf("drained (%q) before the accepted connection's request was read", got)
	case <-time.After(DrainTimeout / 2):
	}
	_ = c.SetWriteDeadline(time.Now().Add(time.Minute)) // net/http has read a request
	select {
	case got := <-drained:
		if got != drainedMessage {
			t.Errorf("the pipe said %q, want %q", got, drainedMessage)
		}
	case <-time.After(DrainTimeout + 10*time.Second):
		t.Fatal("not drained")
	}
	// The next server accepts what comes now.
	in.dial(t)
	if err := in.original.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if next, err := in.original.Accept(); err != nil {
		t.Fatalf("the socket no longer accepts after the drain: %v", err)
	} else {
		_ = next.Close()
	}
	select {
	case err := <-accepted:
		t.Fatalf("Accept returned %v while draining, want it to wait for Close", err)
	default:
	}
	if err := in.ln.Close(); err != nil {
		t.Errorf("Close after the drain: %v, want nil (net/http's shutdown takes an error as a failure)", err)
	}
	select {
	case err := <-accepted:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not return after Close")
	}
}

func TestInheritRefusesWhatIsNotASocket(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if ln, err := Inherit(dup(t, r), dup(t, w)); err == nil {
		_ = ln.Close()
		t.Fatal("Inherit of a pipe as the listener succeeded, want an error")
	}
}

// dup returns a duplicate of f's descriptor, for Inherit to own.
func dup(t *testing.T, f *os.File) int {
	t.Helper()
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	return fd
}
