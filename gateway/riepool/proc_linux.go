package riepool

import "syscall"

// processAttr puts the emulator in a process group of its own, out of reach
// of the terminal's signals (the pool stops it), and has the kernel kill it
// when this process dies, even by SIGKILL, when Stop never runs. Its
// runtime, which it starts in a group of its own, then loses its runtime API
// and exits once idle.
//
// The kernel sends that signal when the thread that started the process
// exits. Go ends a thread only when a goroutine locked to it returns without
// unlocking, which this program does not do; if it ever happened, the pool
// would replace the killed process like any process that dies.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
