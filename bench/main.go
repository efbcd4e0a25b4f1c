// Command bench is `make bench`: it runs the project's benchmarks in one go,
// one `go test -json -bench` per package group, reads their events (results
// with standard and custom metrics, skips, failures), and prints a markdown
// table that puts each measurement beside its baseline with the ratio and the
// target, then writes the table, the raw results and the machine it ran on to
// bench/results.json.
//
// Ratios of two things measured in the same run are what to track: absolute
// numbers on a shared machine are noisy. A benchmark that cannot run (no
// DynamoDB Local, no RIE, no full sample) leaves its row "not run" with the
// reason; the command exits non-zero only when a benchmark or a build fails.
//
// Usage, from the repository root:
//
//	go run ./bench [-go go] [-o bench/results.json] [-md file]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/movieskit/movies/internal/repo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Report is what bench/results.json holds.
type Report struct {
	Machine    Machine   `json:"machine"`
	Seconds    float64   `json:"seconds"`
	Steps      []StepRun `json:"steps"`
	Rows       []Row     `json:"rows"`
	Benchmarks *Output   `json:"benchmarks"`
	Table      string    `json:"table"`
}

// run is the command: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	goBin := fs.String("go", "go", "the go command")
	jsonPath := fs.String("o", filepath.Join("bench", "results.json"), "where to write the JSON results (relative to the module root)")
	mdPath := fs.String("md", "", "also write the markdown table to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	root, err := repo.Root(".")
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	rep, failed := measure(ctx, *goBin, root, stderr)
	var table bytes.Buffer
	if err := writeMarkdown(&table, rep); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	rep.Table = table.String()
	fmt.Fprintln(stdout)
	_, _ = stdout.Write(table.Bytes())
	if err := writeOutputs(root, *jsonPath, *mdPath, rep); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if failed {
		fmt.Fprintln(stderr, "bench: some benchmarks failed (see the rows marked FAILED)")
		return 1
	}
	return 0
}

// measure runs every step and builds the report. failed is true when a step
// failed or a benchmark reported FAIL.
func measure(ctx context.Context, goBin, root string, progress io.Writer) (rep *Report, failed bool) {
	start := time.Now()
	rep = &Report{Machine: describeMachine(ctx, goBin, root)}
	all := &Output{Skipped: map[string]string{}, Failed: map[string]string{}}
	for _, step := range Steps {
		sr := RunStep(ctx, goBin, root, step, progress)
		out, err := Parse(bytes.NewReader(sr.output))
		if err != nil {
			sr.Err = fmt.Sprintf("FAILED: parse output of go test %s: %v", step.Pkg, err)
			out = &Output{}
		}
		merge(all, out)
		failed = failed || sr.Err != "" || len(out.Failed) > 0
		rep.Steps = append(rep.Steps, sr)
		if ctx.Err() != nil {
			break
		}
	}
	rep.Benchmarks = all
	rep.Rows = Rows(NewSet(rep.Steps, all))
	rep.Seconds = time.Since(start).Seconds()
	return rep, failed
}

// merge adds the results and messages of b to a.
func merge(a, b *Output) {
	a.Results = append(a.Results, b.Results...)
	for k, v := range b.Skipped {
		a.Skipped[k] = v
	}
	for k, v := range b.Failed {
		a.Failed[k] = v
	}
}

// writeMarkdown writes the heading, the machine, the table and the notes.
func writeMarkdown(w io.Writer, rep *Report) error {
	m := rep.Machine
	if _, err := fmt.Fprintf(w, "Benchmarks of %s, %s, in %.0f s on %d CPUs (%s), %s %s/%s, load average %s at start.\n\n",
		m.Commit, m.Date, rep.Seconds, m.CPUs, m.CPUModel, m.GoVersion, m.GOOS, m.GOARCH, m.LoadAvg); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return WriteTable(w, rep.Rows)
}

// writeOutputs writes the JSON report and, if asked, the markdown table.
func writeOutputs(root, jsonPath, mdPath string, rep *Report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := writeFile(root, jsonPath, append(data, '\n')); err != nil {
		return err
	}
	if mdPath != "" {
		return writeFile(root, mdPath, []byte(rep.Table))
	}
	return nil
}

func writeFile(root, path string, data []byte) error {
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
