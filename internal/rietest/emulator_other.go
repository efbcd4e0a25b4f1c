//go:build unix && !linux

package rietest

import (
	"os"
	"syscall"
)

// groupAttr starts a process in a process group of its own.
func groupAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills the process group led by proc.
func killGroup(proc *os.Process) { _ = syscall.Kill(-proc.Pid, syscall.SIGKILL) }
