//go:build unix

package devloop

import (
	"errors"
	"os"
	"syscall"
)

// supported reports whether the loop runs here: it passes the listening
// socket to its servers as an inherited file descriptor.
const supported = true

// killGroup kills the process group that proc leads.
func killGroup(proc *os.Process) {
	_ = syscall.Kill(-proc.Pid, syscall.SIGKILL)
}

// buildAttr puts a go build in a process group of its own, so that
// interruptGroup reaches the compiler and linker it runs.
func buildAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// interruptGroup sends SIGINT to the process group that proc leads: the
// compiler and linker stop, and go build removes its work directory and
// exits (SIGKILL to go alone would leave both running and the directory
// behind).
func interruptGroup(proc *os.Process) error {
	return syscall.Kill(-proc.Pid, syscall.SIGINT)
}

// alive reports whether a process with the id pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// closeOnExec keeps fd from the processes this one starts.
func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

// drainSignal asks a server to stop accepting (see Inherit).
var drainSignal os.Signal = syscall.SIGUSR1
