package riepool

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// newProcessGroupAttr puts a process in a new process group, so that it can
// be killed with anything it starts in that group, and has the kernel kill it
// when this process dies, even by SIGKILL, when Close never runs. The runtime
// the emulator started then loses its runtime API and exits too.
//
// The kernel sends that signal when the thread that started the process
// exits. Go ends a thread only when a goroutine locked to it returns without
// unlocking, which this program does not do; if it ever happened, the pool
// would replace the killed process like any process that dies.
func newProcessGroupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killProcessGroup kills the process group led by proc. A group that is
// already gone is not an error.
func killProcessGroup(proc *os.Process) error {
	return ignoreESRCH(syscall.Kill(-proc.Pid, syscall.SIGKILL))
}

// killMarked kills every process whose environment contains the entry marker
// ("NAME=value"), with its process group. aws-lambda-rie starts the runtime in
// a process group of its own and passes its environment on, so this finds the
// runtime even after the emulator has died and the runtime was reparented.
func killMarked(marker string) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return fmt.Errorf("list processes: %w", err)
	}
	want := append([]byte(marker), 0)
	var errs []error
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(append(env, 0), want) {
			continue // gone, or not ours to read
		}
		errs = append(errs, ignoreESRCH(syscall.Kill(-pid, syscall.SIGKILL)), ignoreESRCH(syscall.Kill(pid, syscall.SIGKILL)))
	}
	return errors.Join(errs...)
}

func ignoreESRCH(err error) error {
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
