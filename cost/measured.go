package cost

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/movieskit/movies/deploy"
)

// Functions are the names of the two functions, in the order a bill lists them.
var Functions = []string{deploy.FunctionGet, deploy.FunctionList}

// Measurements are the profiles measured in Lambda (or RIE) logs, by function.
type Measurements map[string]Profile

// ReadLogFiles reads the REPORT lines of log files and summarizes them by
// function. Each spec is FILE (the logs of both functions) or get=FILE or
// list=FILE (the logs of one).
func ReadLogFiles(specs []string) (Measurements, error) {
	reports := map[string][]Report{}
	for _, spec := range specs {
		fns, path := Functions, spec
		if fn, rest, ok := strings.Cut(spec, "="); ok && slices.Contains(Functions, fn) {
			fns, path = []string{fn}, rest
		}
		rs, err := readReportFile(path)
		if err != nil {
			return nil, err
		}
		for _, fn := range fns {
			reports[fn] = append(reports[fn], rs...)
		}
	}
	m := Measurements{}
	for fn, rs := range reports {
		prof, err := Summarize(rs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		m[fn] = prof
	}
	return m, nil
}

// readReportFile returns the REPORT records of the log file at path.
func readReportFile(path string) ([]Report, error) {
	if path == "" {
		return nil, errors.New("empty file name")
	}
	f, err := os.Open(path) //nolint:gosec // G304: the user names the log file
	if err != nil {
		return nil, fmt.Errorf("open log file: %w", err)
	}
	defer func() { _ = f.Close() }() // opened read-only: Close loses nothing
	rs, err := ParseReports(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%s: no REPORT lines", path)
	}
	return rs, nil
}

// Explicit says which timings of a Workload were given explicitly and so
// win over the measured ones.
type Explicit struct {
	InitMs, ColdStartShare bool
}

// Apply replaces the assumed timings of each function of w that has
// measurements with the measured ones. An explicit init or cold-start share
// in w still wins (a local run starts cold far more often than production,
// and the RIE does not measure a real init); logs without a cold start take
// w's init.
func (m Measurements) Apply(w *Workload, explicit Explicit) {
	for _, f := range []struct {
		name string
		fn   *Function
	}{{deploy.FunctionGet, &w.Get}, {deploy.FunctionList, &w.List}} {
		prof, ok := m[f.name]
		if !ok {
			continue
		}
		measured := prof.Function()
		if explicit.InitMs || prof.ColdStarts == 0 {
			measured = measured.WithInit(f.fn.InitMs)
		}
		if explicit.ColdStartShare {
			measured.ColdStartShare = f.fn.ColdStartShare
		}
		*f.fn = measured
	}
}

// MemoryNotes warns when logs were measured at another memory size than the
// one priced: durations change with memory (CPU grows with it).
func (m Measurements) MemoryNotes(memoryMB int) []string {
	var notes []string
	for _, fn := range Functions {
		if prof, ok := m[fn]; ok && prof.MemorySizeMB > 0 && prof.MemorySizeMB != memoryMB {
			notes = append(notes, fmt.Sprintf("%s logs were measured at %d MB and are priced at %d MB (--memory); durations depend on memory",
				fn, prof.MemorySizeMB, memoryMB))
		}
	}
	return notes
}
