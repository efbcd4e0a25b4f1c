//go:build linux

package devloop_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies/internal/loopback"
)

// Sizes of BenchmarkReportDevLoop.
const (
	benchEdits = 10 // edit → served rounds of each kind, and swaps under load
	benchLoad  = 8  // steady keep-alive clients through the swaps
	benchFresh = 2  // and clients with a new connection per request
)

// rebuiltLine is the loop's line after a swap; it gives go build's time.
var rebuiltLine = regexp.MustCompile(`rebuilt after ` + regexp.QuoteMeta(handlerFile) +
	` changed: build (\d+\.\d+) s, new code serving (\d+\.\d+) s later`)

// BenchmarkReportDevLoop measures the edit loop for `make bench` on a copy
// of the module, on the embedded store: from writing a changed handler
// message (api/get.go) to the first response that carries it, median of
// benchEdits, with `movies serve --watch` (make dev), and by hand: the same
// edit, then Ctrl-C to make run and make run again (the person's own time to
// type is not counted). The two alternate round by round, on two copies, so
// that the load of a shared machine falls on both. It also reports go
// build's time as the loop printed it, what the loop adds to it, and the
// requests that failed while benchLoad steady keep-alive clients and
// benchFresh clients with a new connection per request went through
// benchEdits swaps, and how many requests Go's client sent again after a
// keep-alive connection closed under them (see load).
func BenchmarkReportDevLoop(b *testing.B) {
	loopDir, handDir := copyModule(b), copyModule(b)
	bin := buildMovies(b, loopDir)
	dev := startDev(b, bin, loopDir, os.Environ(), "--store", "file:"+filepath.Join(b.TempDir(), "loop.db"))
	ports, err := loopback.FreePorts(1)
	if err != nil {
		b.Fatal(err)
	}
	handAddr := loopback.Addr(ports[0])
	handDB := filepath.Join(b.TempDir(), "hand.db")
	client := &http.Client{}
	defer client.CloseIdleConnections()
	hand := startMakeRun(b, handDir, handAddr, handDB)
	defer func() { stopMakeRun(b, hand) }()
	// Warm up: each copy builds once as it will in the rounds.
	waitMessage(b, client, dev.URL, "movie not found")
	setMessage(b, loopDir, "warm-up")
	waitMessage(b, client, dev.URL, "warm-up")
	waitMessage(b, client, "http://"+handAddr, "movie not found")

	var loopTimes, handTimes, builds, overheads []float64
	for b.Loop() {
		for i := range benchEdits {
			offset := dev.stderr.Len()
			msg := fmt.Sprintf("loop edit %d", i)
			start := setMessage(b, loopDir, msg)
			served := waitMessage(b, client, dev.URL, msg)
			loopTimes = append(loopTimes, ms(served.Sub(start)))
			dev.waitStderr(b, offset, "new code serving")
			m := rebuiltLine.FindStringSubmatch(dev.stderr.String()[offset:])
			if m == nil {
				b.Fatalf("no rebuild line after the edit:\n%s", dev.stderr.String()[offset:])
			}
			build, _ := strconv.ParseFloat(m[1], 64) // the pattern matched digits
			builds = append(builds, build*1000)
			overheads = append(overheads, ms(served.Sub(start))-build*1000)

			msg = fmt.Sprintf("by hand edit %d", i)
			start = setMessage(b, handDir, msg)
			stopMakeRun(b, hand)
			hand = startMakeRun(b, handDir, handAddr, handDB)
			served = waitMessage(b, client, "http://"+handAddr, msg)
			handTimes = append(handTimes, ms(served.Sub(start)))
		}
	}
	b.StopTimer()
	l := startLoad(benchLoad, benchFresh, dev.URL+"/list?limit=1")
	for i := range benchEdits {
		msg := fmt.Sprintf("swap %d", i)
		setMessage(b, loopDir, msg)
		waitMessage(b, client, dev.URL, msg)
		time.Sleep(200 * time.Millisecond) // load on the new server while the old one drains
	}
	res := l.finish()
	if res.failed > 0 {
		b.Logf("first failures: %q", res.failures)
	}
	b.Logf("edit → served, ms: loop %v; by hand %v; go build in the loop %v", loopTimes, handTimes, builds)
	b.ReportMetric(median(loopTimes), "served-ms-median")
	b.ReportMetric(median(handTimes), "byhand-ms-median")
	b.ReportMetric(median(builds), "build-ms-median")
	b.ReportMetric(median(overheads), "overhead-ms-median")
	b.ReportMetric(float64(benchEdits), "swaps")
	b.ReportMetric(float64(res.ok+res.failed), "requests")
	b.ReportMetric(float64(res.failed), "failed-requests")
	b.ReportMetric(float64(res.retried), "retried-requests")
}

// makeRun is `make run` running in its own process group, as in a terminal.
type makeRun struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// startMakeRun runs make run in dir on addr with the embedded store db.
func startMakeRun(b *testing.B, dir, addr, db string) *makeRun {
	b.Helper()
	cmd := exec.Command("make", "run", "ADDR="+addr, "STORE=file:"+db) //nolint:noctx // stopped by SIGINT, as by hand
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatalf("make run: %v", err)
	}
	m := &makeRun{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // make exits non-zero after an interrupt
		close(m.exited)
	}()
	return m
}

// stopMakeRun stops make run as Ctrl-C does, and waits until it has exited.
func stopMakeRun(b *testing.B, m *makeRun) {
	b.Helper()
	_ = interrupt(m.cmd.Process.Pid)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case <-m.exited:
	case <-ctx.Done():
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-m.exited
		b.Fatal("make run did not stop after SIGINT")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// median returns the median of xs.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
