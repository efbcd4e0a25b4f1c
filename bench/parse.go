package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Result is one benchmark result line of `go test -bench`.
type Result struct {
	Pkg     string             `json:"pkg"`
	Name    string             `json:"name"` // without the -GOMAXPROCS suffix
	N       int64              `json:"n"`
	Metrics map[string]float64 `json:"metrics"` // unit → value, e.g. "ns/op", "req/s"
}

// Output is what Parse found in the output of one or more `go test -bench` runs.
type Output struct {
	Results []Result          `json:"results"`
	Skipped map[string]string `json:"skipped,omitempty"` // benchmark → skip message
	Failed  map[string]string `json:"failed,omitempty"`  // benchmark → failure message
}

var (
	// resultLine is "BenchmarkName-2   123   456 ns/op   7.8 req/s ...".
	resultLine = regexp.MustCompile(`^(Benchmark\S*)\s+(\d+)\s+(.*)$`)
	// statusLine is "--- SKIP: BenchmarkName" (indented for sub-benchmarks).
	statusLine = regexp.MustCompile(`^\s*--- (FAIL|SKIP|BENCH): (Benchmark\S*)`)
	// procsSuffix is the -GOMAXPROCS suffix the testing package appends.
	procsSuffix = regexp.MustCompile(`-\d+$`)
)

// Parse reads `go test -bench` output: result lines with all their metrics,
// and the skip and failure messages of benchmarks. Lines it does not know are
// ignored; a malformed result line is an error.
func Parse(r io.Reader) (*Output, error) {
	out := &Output{Skipped: map[string]string{}, Failed: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	pkg := ""
	var msgs map[string]string // where the current status block's messages go
	current := ""
	for sc.Scan() {
		line := sc.Text()
		if m := statusLine.FindStringSubmatch(line); m != nil {
			current, msgs = benchName(m[2]), statusMap(out, m[1])
			if msgs != nil {
				msgs[current] = msgs[current] // present even without a message
			}
			continue
		}
		if msgs != nil && strings.HasPrefix(line, "    ") {
			msgs[current] = joinMessage(msgs[current], strings.TrimSpace(line))
			continue
		}
		msgs = nil
		if rest, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(rest)
			continue
		}
		if m := resultLine.FindStringSubmatch(line); m != nil {
			res, err := parseResult(pkg, m[1], m[2], m[3])
			if err != nil {
				return nil, err
			}
			out.Results = append(out.Results, res)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	return out, nil
}

// statusMap returns the map a status block's messages go to; BENCH blocks
// (b.Log output of a passing benchmark) are dropped.
func statusMap(out *Output, status string) map[string]string {
	switch status {
	case "FAIL":
		return out.Failed
	case "SKIP":
		return out.Skipped
	}
	return nil
}

func joinMessage(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// benchName strips the -GOMAXPROCS suffix from a benchmark name.
func benchName(s string) string { return procsSuffix.ReplaceAllString(s, "") }

// parseResult parses the iteration count and the value-unit pairs of a result line.
func parseResult(pkg, name, n, rest string) (Result, error) {
	iters, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return Result{}, fmt.Errorf("benchmark %s: iterations %q: %w", name, n, err)
	}
	fields := strings.Fields(rest)
	if len(fields)%2 != 0 {
		return Result{}, fmt.Errorf("benchmark %s: metrics %q are not value-unit pairs", name, rest)
	}
	res := Result{Pkg: pkg, Name: benchName(name), N: iters, Metrics: make(map[string]float64, len(fields)/2)}
	for i := 0; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return Result{}, fmt.Errorf("benchmark %s: value %q of %s: %w", name, fields[i], fields[i+1], err)
		}
		res.Metrics[fields[i+1]] = v
	}
	return res, nil
}
