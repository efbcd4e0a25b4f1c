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
	// nameLine is the bare "BenchmarkName" that -v prints when a benchmark starts.
	nameLine = regexp.MustCompile(`^(Benchmark\S*)$`)
	// statusLine is "--- SKIP: BenchmarkName" (indented for sub-benchmarks without -v).
	statusLine = regexp.MustCompile(`^\s*--- (FAIL|SKIP|BENCH): (Benchmark\S*)`)
	// procsSuffix is the -GOMAXPROCS suffix the testing package appends.
	procsSuffix = regexp.MustCompile(`-\d+$`)
)

// parser holds the state of Parse. A benchmark's log lines (indented) come
// before its status line with -v, and after it without -v.
type parser struct {
	out     *Output
	pkg     string
	name    string   // benchmark whose log lines are pending (-v)
	pending []string // its log lines so far
	after   map[string]string
	afterOf string // status block that indented lines after a status line belong to (no -v)
}

// Parse reads `go test -bench` output, with or without -v: result lines with
// all their metrics, and the skip and failure messages of benchmarks. Lines
// it does not know are ignored; a malformed result line is an error.
func Parse(r io.Reader) (*Output, error) {
	p := &parser{out: &Output{Skipped: map[string]string{}, Failed: map[string]string{}}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := p.line(sc.Text()); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	return p.out, nil
}

// line handles one line of output.
func (p *parser) line(line string) error {
	if m := statusLine.FindStringSubmatch(line); m != nil {
		p.status(m[1], benchName(m[2]))
		return nil
	}
	if strings.HasPrefix(line, "    ") {
		msg := strings.TrimSpace(line)
		if p.after != nil {
			p.after[p.afterOf] = joinMessage(p.after[p.afterOf], msg)
		} else if p.name != "" {
			p.pending = append(p.pending, msg)
		}
		return nil
	}
	p.after = nil
	switch m := nameLine.FindStringSubmatch(line); {
	case m != nil:
		p.name, p.pending = benchName(m[1]), nil
	case strings.HasPrefix(line, "pkg: "):
		p.pkg = strings.TrimSpace(strings.TrimPrefix(line, "pkg: "))
	default:
		m := resultLine.FindStringSubmatch(line)
		if m == nil {
			return nil
		}
		res, err := parseResult(p.pkg, m[1], m[2], m[3])
		if err != nil {
			return err
		}
		p.out.Results = append(p.out.Results, res)
		p.name, p.pending = "", nil
	}
	return nil
}

// status records a SKIP or FAIL of name with its pending log lines (-v), and
// makes the indented lines that follow (no -v) part of its message.
func (p *parser) status(kind, name string) {
	msgs := statusMap(p.out, kind)
	p.after, p.afterOf = msgs, name
	if msgs == nil {
		return
	}
	msg := ""
	if p.name == name {
		msg = strings.Join(p.pending, "; ")
		p.name, p.pending = "", nil
	}
	msgs[name] = joinMessage(msgs[name], msg)
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
