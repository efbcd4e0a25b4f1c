//go:build unix

package devloop

import (
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestInherit checks the server's side of the loop: the listener made from
// an inherited descriptor accepts on the same socket, its first Accept
// writes readyMessage to the pipe and closes it, and a listener closed
// before accepting closes the pipe without a word.
func TestInherit(t *testing.T) {
	for _, accept := range []bool{true, false} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lnFile, err := ln.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		inherited, err := Inherit(dup(t, lnFile), dup(t, w)) // Inherit owns what it is given
		if err != nil {
			t.Fatal(err)
		}
		_ = lnFile.Close()
		_ = w.Close()
		if accept {
			go func() {
				c, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
				if err == nil {
					_ = c.Close()
				}
			}()
			c, err := inherited.Accept()
			if err != nil {
				t.Fatalf("Accept on the inherited listener: %v", err)
			}
			_ = c.Close()
		}
		if err := inherited.Close(); err != nil {
			t.Fatal(err)
		}
		_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(r)
		want := map[bool]string{true: readyMessage, false: ""}[accept]
		if err != nil || string(got) != want {
			t.Errorf("accepted %v: the pipe said %q, %v; want %q and then end of file", accept, got, err, want)
		}
		_ = r.Close()
		_ = ln.Close()
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
