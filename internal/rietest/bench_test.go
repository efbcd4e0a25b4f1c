//go:build linux

package rietest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/movieskit/movies/image"
	"github.com/movieskit/movies/internal/ddblocal"
)

// minColdStarts is the fewest cold starts the median is taken over.
const minColdStarts = 20

// BenchmarkColdStart measures a cold start under RIE: from starting the RIE
// process to the first 200 response of the get function (process start, RIE
// init, bootstrap init and store setup, one DynamoDB GetItem). It reports the
// median and the 90th percentile over at least 20 starts.
func BenchmarkColdStart(b *testing.B) {
	rp := RIEPath(b)
	srv := ddblocal.Shared(b)
	env := functionEnv(srv, seededTable(b, srv), "get")
	bin := imageBootstrap(b)
	ev := event(b, "/get/2013/Rush")
	n := max(b.N, minColdStarts)
	durations := make([]time.Duration, 0, n)
	b.ResetTimer()
	for range n {
		d, err := coldStart(b, rp, bin, env, ev)
		if err != nil {
			b.Fatal(err)
		}
		durations = append(durations, d)
	}
	b.StopTimer()
	var total time.Duration
	for _, d := range durations {
		total += d
	}
	slices.Sort(durations)
	b.ReportMetric(float64(total.Nanoseconds())/float64(n), "ns/op") // per start, not per b.N
	b.ReportMetric(ms(durations[len(durations)/2]), "ms-median")
	b.ReportMetric(ms(durations[len(durations)*9/10]), "ms-p90")
	b.ReportMetric(float64(n), "starts")
}

// coldStart starts RIE, invokes until the first 200 and stops RIE.
func coldStart(b *testing.B, rp, bin string, env []string, ev []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	r := StartRIE(b, rp, bin, "get", env)
	defer r.Stop()
	status, body, err := r.Invoke(ctx, ev)
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if status != 200 || !strings.Contains(string(body), `"statusCode":200`) {
		return 0, fmt.Errorf("cold start: RIE status %d, body %s\n%s", status, body, r.Output())
	}
	return d, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkWarmInvoke measures one warm invocation of get through RIE:
// HTTP to RIE, the runtime API round trip, the handler and a DynamoDB Local GetItem.
func BenchmarkWarmInvoke(b *testing.B) {
	r := startFunction(b, "get")
	ev := event(b, "/get/2013/Rush")
	ctx := context.Background()
	if _, _, err := r.Invoke(ctx, ev); err != nil { // cold start, not measured
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		status, _, err := r.Invoke(ctx, ev)
		if err != nil || status != 200 {
			b.Fatalf("invoke: status %d, %v", status, err)
		}
	}
}

// rssInvokes is how many list invocations run before the bootstrap's RSS is read.
const rssInvokes = 200

// BenchmarkServingRSS reports the resident memory of a bootstrap that has
// served at least 200 list invocations, read from /proc/PID/status (VmRSS),
// and its peak (VmHWM).
func BenchmarkServingRSS(b *testing.B) {
	r := startFunction(b, "list")
	ev := event(b, "/list?limit=100")
	ctx := context.Background()
	for b.Loop() {
		for range rssInvokes {
			if status, _, err := r.Invoke(ctx, ev); err != nil || status != 200 {
				b.Fatalf("invoke: status %d, %v", status, err)
			}
		}
	}
	pid := r.BootstrapPID()
	if pid == 0 {
		b.Fatal("bootstrap process not found under RIE")
	}
	rss, hwm, err := memoryKB(pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rss), "KB-VmRSS")
	b.ReportMetric(float64(hwm), "KB-VmHWM")
}

// memoryKB reads VmRSS and VmHWM, in kB, from /proc/PID/status.
func memoryKB(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read process status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "VmRSS:":
			rss, err = strconv.ParseInt(fields[1], 10, 64)
		case "VmHWM:":
			hwm, err = strconv.ParseInt(fields[1], 10, 64)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", fields[0], err)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read process status: %w", err)
	}
	return rss, hwm, nil
}

// BenchmarkImage measures building the amd64 image from a compiled bootstrap
// (layer, gzip, digest) and reports its compressed and uncompressed size.
func BenchmarkImage(b *testing.B) {
	bin := imageBootstrap(b)
	var size image.Size
	for b.Loop() {
		img, err := image.Build(image.Options{Arch: "amd64", Bootstrap: bin})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := img.Digest(); err != nil {
			b.Fatal(err)
		}
		if size, err = image.SizeOf(img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size.Uncompressed), "bytes-uncompressed")
	b.ReportMetric(float64(size.Compressed), "bytes-compressed")
}
