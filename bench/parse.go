package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
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

// Output is what Parse found in the events of one or more `go test -json -bench` runs.
type Output struct {
	Results []Result          `json:"results"`
	Skipped map[string]string `json:"skipped,omitempty"` // benchmark → skip message
	Failed  map[string]string `json:"failed,omitempty"`  // benchmark → failure message
}

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string // run, output, skip, fail, pass, …
	Package string
	Test    string // the benchmark, with its sub-benchmark path; empty for package output
	Output  string // with Action output: a piece of the output, usually one line
}

// benchOutput is the output of one benchmark so far.
type benchOutput struct {
	partial string   // a line not yet ended
	logs    []string // its log lines (b.Log, b.Skip, b.Fatal: indented), trimmed
}

// Parse reads the events of `go test -json -bench`: the result lines of each
// benchmark with all their metrics, and the log lines of the benchmarks that
// were skipped or failed, as their messages. Lines that are not events (the
// go command's own errors) are ignored; a malformed result line is an error.
func Parse(r io.Reader) (*Output, error) {
	out := &Output{Skipped: map[string]string{}, Failed: map[string]string{}}
	benches := map[[2]string]*benchOutput{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		b := benches[[2]string{e.Package, e.Test}]
		if b == nil {
			b = &benchOutput{}
			benches[[2]string{e.Package, e.Test}] = b
		}
		switch e.Action {
		case "output":
			// A result line may come in pieces: the name, then the figures.
			lines := strings.Split(b.partial+e.Output, "\n")
			b.partial = lines[len(lines)-1]
			for _, line := range lines[:len(lines)-1] {
				if strings.HasPrefix(line, "    ") {
					b.logs = append(b.logs, strings.TrimSpace(line))
					continue
				}
				res, ok, err := parseResult(e.Package, e.Test, line)
				if err != nil {
					return nil, err
				}
				if ok {
					out.Results = append(out.Results, res)
				}
			}
		case "skip":
			out.Skipped[e.Test] = strings.Join(b.logs, "; ")
		case "fail":
			out.Failed[e.Test] = strings.Join(b.logs, "; ")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read go test -json output: %w", err)
	}
	return out, nil
}

// parseResult parses line if it is the result line of benchmark name:
// "name[-GOMAXPROCS]  iterations  value unit  value unit ...".
func parseResult(pkg, name, line string) (Result, bool, error) {
	fields := strings.Fields(line)
	if len(fields) < 2 || (fields[0] != name && !strings.HasPrefix(fields[0], name+"-")) ||
		strings.Trim(fields[1], "0123456789") != "" {
		return Result{}, false, nil // not a result line: "=== RUN", the bare name, …
	}
	iters, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return Result{}, false, fmt.Errorf("benchmark %s: iterations %q: %w", name, fields[1], err)
	}
	if len(fields)%2 != 0 {
		return Result{}, false, fmt.Errorf("benchmark %s: metrics %q are not value-unit pairs", name, strings.Join(fields[2:], " "))
	}
	res := Result{Pkg: pkg, Name: name, N: iters, Metrics: make(map[string]float64, len(fields)/2-1)}
	for i := 2; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return Result{}, false, fmt.Errorf("benchmark %s: value %q of %s: %w", name, fields[i], fields[i+1], err)
		}
		res.Metrics[fields[i+1]] = v
	}
	return res, true, nil
}
