//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies/internal/rietest"
	"github.com/movieskit/movies/internal/syncbuf"
)

// TestServeRIEKilledLeavesNoProcess runs `movies serve --invoke rie` as a
// process of its own, makes each function run once, kills the command with
// SIGKILL, which it cannot handle, and checks that neither the aws-lambda-rie
// processes it started nor the runtimes they started outlive it. The test
// bootstrap stands in for the Lambda one, so no table is read (--no-seed).
func TestServeRIEKilledLeavesNoProcess(t *testing.T) {
	rie := rietest.RIEPath(t)
	bootstrap := rietest.BuildPackage(t, rietest.TestBootstrap)
	bin := rietest.BuildPackage(t, "github.com/movieskit/movies/cmd/movies")
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--store", "dynamodb:Movies", "--no-seed", //nolint:noctx // killed by the test
		"--invoke", "rie", "--pool", "1", "--bootstrap", bootstrap, "--rie", rie)
	cmd.Env = append(os.Environ(), "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local")
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := firstURL(t, stdout, &stderr)

	for _, target := range []string{"/list", "/get/2013/Rush"} {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+target, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatalf("GET %s: %v\n%s", target, err, stderr.String())
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		cancel()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d\n%s", target, resp.StatusCode, stderr.String())
		}
	}
	procs := descendants(cmd.Process.Pid)
	var emulators, runtimes int
	for _, p := range procs {
		if p.comm == "aws-lambda-rie" {
			emulators++
		} else {
			runtimes++
		}
	}
	if emulators == 0 || runtimes == 0 {
		t.Fatalf("want emulators and runtimes below the server, got %v", procs)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(20 * time.Second) // bounds a hang only
	for {
		var alive []proc
		for _, p := range procs {
			if p.alive() {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range alive {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
			t.Fatalf("%d of %d processes outlived `movies serve` by 20 s: %v", len(alive), len(procs), alive)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// firstURL reads the first line `movies serve` prints and returns the base
// URL in it; the rest of stdout is discarded.
func firstURL(t *testing.T, stdout io.Reader, stderr *syncbuf.Buffer) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[3], "http://") {
			t.Fatalf("unexpected first line %q\n%s", line, stderr.String())
		}
		return fields[3]
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not start within 2 minutes\n%s", stderr.String())
		return ""
	}
}

// proc is a process seen in /proc: its id, name and start time, which tell
// it from a later process with the same id.
type proc struct {
	pid   int
	comm  string
	start string
}

func (p proc) String() string { return fmt.Sprintf("%d (%s)", p.pid, p.comm) }

// alive reports whether p still runs: it exists and is not a zombie.
func (p proc) alive() bool {
	st, ok := readStat(p.pid)
	return ok && st.start == p.start && st.state != "Z"
}

// stat is what the test reads of /proc/PID/stat.
type stat struct {
	comm, state, start string
	ppid               int
}

// readStat reads /proc/PID/stat; ok is false when the process is gone.
func readStat(pid int) (stat, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return stat{}, false
	}
	fields := strings.Fields(s[end+1:]) // state, ppid, ..., starttime is field 22 of the line
	if len(fields) < 20 {
		return stat{}, false
	}
	ppid, _ := strconv.Atoi(fields[1])
	return stat{comm: s[open+1 : end], state: fields[0], ppid: ppid, start: fields[19]}, true
}

// descendants returns every process below pid.
func descendants(pid int) []proc {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]proc{}
	for _, e := range entries {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(id); ok && st.state != "Z" {
			children[st.ppid] = append(children[st.ppid], proc{pid: id, comm: st.comm, start: st.start})
		}
	}
	var out []proc
	queue := []int{pid}
	for len(queue) > 0 {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
		queue = queue[1:]
	}
	return out
}
