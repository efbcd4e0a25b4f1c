//go:build unix && !linux

package devloop

import "syscall"

// serverAttr puts a server in a process group of its own, so that Ctrl-C in
// the terminal reaches the loop, which stops the server gracefully.
func serverAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
