package proctest

import (
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"slices"
	"testing"
)

// tail is a real stat line after the state and the parent's id: the start
// time, 1323377, is its 16th field (the line's 22nd).
const tail = " 15475 13979 0 -1 4194304 103 0 0 0 0 0 0 0 20 0 1 0 1323377 3133440 415 18446744073709551615 0 0 0 17 0\n"

func TestProcParseStat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Proc
		ok   bool
	}{
		{"plain", "15477 (cat) R 15475" + tail, Proc{PID: 15477, PPID: 15475, Comm: "cat", State: "R", Start: "1323377"}, true},
		{"comm with spaces and parentheses", "7 (a (b) c) S) Z 1" + tail, Proc{PID: 7, PPID: 1, Comm: "a (b) c) S", State: "Z", Start: "1323377"}, true},
		{"empty comm", "8 () S 2" + tail, Proc{PID: 8, PPID: 2, Comm: "", State: "S", Start: "1323377"}, true},
		{"empty", "", Proc{}, false},
		{"cut after the name", "15477 (cat) R 15475 15475", Proc{}, false},
		{"no closing parenthesis", "15477 (cat R 15475" + tail, Proc{}, false},
		{"no opening parenthesis", "15477 cat) R 15475" + tail, Proc{}, false},
		{"pid not a number", "x (cat) R 15475" + tail, Proc{}, false},
		{"ppid not a number", "15477 (cat) R x" + tail, Proc{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseStat(tt.line)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseStat(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestProcDescendants starts a child and finds it below this process with
// its command line, alive until it is killed and reaped.
func TestProcDescendants(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc, which needs Linux")
	}
	cmd := exec.Command("sleep", "60") //nolint:noctx // killed by the test
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sleep: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var child Proc
	for _, p := range Descendants(os.Getpid()) {
		if p.PID == cmd.Process.Pid {
			child = p
		}
	}
	if child.PPID != os.Getpid() || child.Comm != "sleep" || !slices.Equal(child.Argv, []string{"sleep", "60"}) || !child.Alive() {
		t.Fatalf("child %d below %d: got %+v, alive %v", cmd.Process.Pid, os.Getpid(), child, child.Alive())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if child.Alive() {
		t.Errorf("%v alive after it was killed and reaped", child)
	}
}
