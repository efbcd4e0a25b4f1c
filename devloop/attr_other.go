//go:build !unix

package devloop

import (
	"os"
	"syscall"
)

// supported is false: passing a listening socket to a child process as an
// inherited file descriptor needs Linux or another Unix.
const supported = false

func serverAttr() *syscall.SysProcAttr { return nil }

func killGroup(proc *os.Process) { _ = proc.Kill() }

func buildAttr() *syscall.SysProcAttr { return nil }

func interruptGroup(proc *os.Process) error { return proc.Kill() }

func alive(int) bool { return false }

func closeOnExec(int) {}

// drainSignal is nil: servers are not drained.
var drainSignal os.Signal
