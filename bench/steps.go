package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Step is one `go test -bench` invocation: the benchmarks of one package that
// share a -benchtime. Each runs in its own test binary, with its own DynamoDB
// Local when it needs one.
type Step struct {
	Pkg       string        `json:"pkg"`
	Benches   []string      `json:"benches"` // top-level benchmark names
	Benchtime string        `json:"benchtime"`
	Timeout   time.Duration `json:"timeout_ns"`
}

// runs reports whether the step runs the top-level benchmark name.
func (s Step) runs(name string) bool { return slices.Contains(s.Benches, name) }

// Args are the go test arguments of the step. -json makes go test report
// each benchmark's output, skip and failure as events (Parse reads them), with
// the messages of skipped benchmarks, which the rows give as the reason.
func (s Step) Args() []string {
	return []string{"test", "-run", "^$", "-bench", "^(" + strings.Join(s.Benches, "|") + ")$",
		"-benchtime", s.Benchtime, "-benchmem", "-count", "1", "-json", "-timeout", s.Timeout.String(), s.Pkg}
}

// Steps are the invocations of one `make bench`, in order. Benchtimes are
// small on purpose: the whole run stays within a few minutes on 2 cores.
var Steps = []Step{
	{"./loader", []string{"BenchmarkLoadSample"}, "3x", 4 * time.Minute},
	{"./e2e", []string{"BenchmarkReportGet", "BenchmarkReportThroughput", "BenchmarkReportWarmInvoke"}, "2s", 3 * time.Minute},
	{"./e2e", []string{"BenchmarkReportListWalk"}, "5x", 3 * time.Minute},
	{"./e2e", []string{"BenchmarkReportImage", "BenchmarkReportServeRSS"}, "1x", 5 * time.Minute},
	{"./internal/rietest", []string{"BenchmarkColdStart", "BenchmarkServingRSS"}, "1x", 4 * time.Minute},
	{"./devloop", []string{"BenchmarkReportDevLoop"}, "1x", 10 * time.Minute},
}

// StepRun is the outcome of running a Step.
type StepRun struct {
	Step     Step    `json:"step"`
	Command  string  `json:"command"`
	Seconds  float64 `json:"seconds"`
	ExitCode int     `json:"exit_code"`
	Err      string  `json:"error,omitempty"` // why the step failed, for the rows it should have filled
	output   []byte  // the go test -json events
}

// RunStep runs step with the go command goBin in dir, copying the text of its
// output to progress as it comes. A failed step is reported in the StepRun,
// not as an error.
func RunStep(ctx context.Context, goBin, dir string, step Step, progress io.Writer) StepRun {
	// go test's own -timeout stops a hung benchmark with a stack dump; the
	// context is the backstop should the go command itself hang.
	ctx, cancel := context.WithTimeout(ctx, step.Timeout+time.Minute)
	defer cancel()
	args := step.Args()
	run := StepRun{Step: step, Command: goBin + " " + shellJoin(args)}
	fmt.Fprintf(progress, "\n$ %s\n", run.Command)
	var events, text bytes.Buffer
	tw := &textWriter{w: io.MultiWriter(&text, progress)}
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Stdout = io.MultiWriter(&events, tw)
	cmd.Stderr = cmd.Stdout
	setProcessGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err := cmd.Run()
	tw.flush()
	run.Seconds = time.Since(start).Seconds()
	run.output = events.Bytes()
	if err != nil {
		run.ExitCode = exitCode(err)
		run.Err = fmt.Sprintf("FAILED: go test %s exited %d: %s", step.Pkg, run.ExitCode, firstError(text.String()))
	}
	return run
}

// textWriter writes to w the text that go test -json events carry (what go
// test prints without -json, less the "=== RUN" lines), and any line that is
// not an event, such as an error of the go command, as it is.
type textWriter struct {
	w       io.Writer
	partial []byte
}

func (t *textWriter) Write(p []byte) (int, error) {
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		t.line(t.partial[:i+1])
		t.partial = t.partial[i+1:]
	}
}

// flush writes a last line that did not end in a newline.
func (t *textWriter) flush() {
	if len(t.partial) > 0 {
		t.line(t.partial)
		t.partial = nil
	}
}

func (t *textWriter) line(l []byte) {
	var e event
	if json.Unmarshal(l, &e) != nil || e.Action == "" {
		_, _ = t.w.Write(l) // progress and a buffer: nothing to do on error
		return
	}
	if (e.Action == "output" || e.Action == "build-output") && !strings.HasPrefix(e.Output, "=== ") {
		_, _ = io.WriteString(t.w, e.Output)
	}
}

func exitCode(err error) int {
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return ee.ExitCode()
	}
	return -1
}

// firstError picks the most telling line of failed go test output: a
// benchmark's failure message, a panic, a build error, else the last line.
func firstError(out string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "--- FAIL") {
			continue
		}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    ") { // message after the status
			return strings.TrimSpace(lines[i+1])
		}
		if i > 0 && strings.HasPrefix(lines[i-1], "    ") { // -v: message before the status
			return strings.TrimSpace(lines[i-1])
		}
	}
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "panic:"):
			return l
		case strings.HasPrefix(l, "# ") && i+1 < len(lines): // go build's package header
			return strings.TrimSpace(lines[i+1])
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if t := strings.TrimSpace(lines[i]); t != "" {
			return t
		}
	}
	return "no output"
}

// shellJoin quotes args for display.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " ^$|()*?[]'\"\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
