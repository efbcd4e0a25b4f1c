// Package proctest reads the processes of Linux's /proc for tests that check
// which processes a command started and whether they still run: every
// process (List), the ones below a process (Descendants), and whether one
// seen before still runs (Proc.Alive), whether a process id runs at all
// (Gone). It is the one place that parses /proc/PID/stat and
// /proc/PID/cmdline.
//
// It needs Linux; elsewhere there is no /proc, List fails and Descendants
// finds nothing, so the tests that use it run on Linux only.
package proctest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Proc is a process as /proc shows it at one moment.
type Proc struct {
	PID, PPID int
	Comm      string // name of the executable, cut to 15 bytes by the kernel
	State     string // "R", "S", "D", ...; "Z" for a zombie
	// Start is when the process started, in clock ticks after boot: with
	// PID it tells the process from a later one given the same id.
	Start string
	Argv  []string // command line; empty for a zombie or a kernel thread
}

// String returns the process id and name, as ps shows them.
func (p Proc) String() string { return fmt.Sprintf("%d (%s)", p.PID, p.Comm) }

// Alive reports whether p still runs: a process with its id and start time
// exists and is not a zombie.
func (p Proc) Alive() bool {
	now, ok := read(p.PID)
	return ok && now.Start == p.Start && now.State != "Z"
}

// Gone reports whether no process with the id pid runs: none exists, or it
// is a zombie that its parent has not reaped yet.
func Gone(pid int) bool {
	p, ok := read(pid)
	return !ok || p.State == "Z"
}

// List returns every process, zombies among them; a process that exits
// while it is read is left out.
func List() ([]Proc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var procs []Proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, ok := read(pid)
		if !ok {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && len(b) > 0 {
			p.Argv = strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		}
		procs = append(procs, p)
	}
	return procs, nil
}

// Descendants returns the processes below pid that are not zombies, its
// children first; nil when /proc cannot be read.
func Descendants(pid int) []Proc {
	procs, _ := List()
	children := map[int][]Proc{}
	for _, p := range procs {
		if p.State != "Z" {
			children[p.PPID] = append(children[p.PPID], p)
		}
	}
	var out []Proc
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c.PID)
		}
	}
	return out
}

// read reads /proc/PID/stat; ok is false when the process is gone.
func read(pid int) (Proc, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return Proc{}, false
	}
	return parseStat(string(b))
}

// parseStat parses a line of /proc/PID/stat: "pid (comm) state ppid ...",
// the start time 22nd (proc(5)). The name may hold spaces and parentheses,
// so it ends at the last ")".
func parseStat(line string) (Proc, bool) {
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return Proc{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return Proc{}, false
	}
	fields := strings.Fields(line[end+1:]) // from field 3, the state
	if len(fields) < 20 {
		return Proc{}, false
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return Proc{}, false
	}
	return Proc{PID: pid, PPID: ppid, Comm: line[open+1 : end], State: fields[0], Start: fields[19]}, true
}
