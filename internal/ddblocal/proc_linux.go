package ddblocal

import (
	"os/exec"
	"syscall"
)

// setProcAttrs makes the kernel kill DynamoDB Local if the test process dies first.
func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
