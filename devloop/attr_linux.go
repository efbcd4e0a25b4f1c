package devloop

import "syscall"

// serverAttr puts a server in a process group of its own (Ctrl-C in the
// terminal reaches the loop, which stops the server gracefully) and has the
// kernel send it SIGTERM should the loop die without stopping it.
func serverAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
