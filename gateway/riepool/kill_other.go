//go:build !linux

package riepool

import (
	"errors"
	"os"
	"syscall"
)

// newProcessGroupAttr returns nil: the pool relies on Linux process handling.
func newProcessGroupAttr() *syscall.SysProcAttr { return nil }

// killProcessGroup kills proc only; aws-lambda-rie targets Linux.
func killProcessGroup(proc *os.Process) error {
	err := proc.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// killMarked does nothing outside Linux, where no /proc lists environments.
func killMarked(string) error { return nil }
