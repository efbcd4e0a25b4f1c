package rietest

import (
	"os"
	"syscall"
)

// groupAttr starts a process in a process group of its own that dies with
// the test process.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process group led by proc.
func killGroup(proc *os.Process) { _ = syscall.Kill(-proc.Pid, syscall.SIGKILL) }
