//go:build linux

package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies/internal/proctest"
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
	procs := proctest.Descendants(cmd.Process.Pid)
	var emulators, runtimes int
	for _, p := range procs {
		if p.Comm == "aws-lambda-rie" {
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
		var alive []proctest.Proc
		for _, p := range procs {
			if p.Alive() {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range alive {
				_ = syscall.Kill(p.PID, syscall.SIGKILL)
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
