package cost

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Report is one Lambda REPORT record: the platform's summary of an invocation.
type Report struct {
	RequestID        string  `json:"request_id,omitempty"`
	DurationMs       float64 `json:"duration_ms"`
	BilledDurationMs float64 `json:"billed_duration_ms"` // as logged; pricing re-rounds DurationMs
	MemorySizeMB     int     `json:"memory_size_mb"`
	MaxMemoryUsedMB  int     `json:"max_memory_used_mb"`
	InitDurationMs   float64 `json:"init_duration_ms"`
	Cold             bool    `json:"cold"` // the record has an Init Duration
}

// reportField matches one "Name: value unit" field of a text REPORT line.
// Restore durations (SnapStart) are listed so that their "Duration" is not
// taken for the invocation's.
var reportField = regexp.MustCompile(`(Billed Restore Duration|Restore Duration|Init Duration|Billed Duration|Duration|Max Memory Used|Memory Size): *([0-9]+(?:\.[0-9]+)?) *(ms|MB)`)

// maxLogLine is the longest log line ParseReports reads.
const maxLogLine = 1 << 20

// ParseReports reads the REPORT records in r, one a line, and skips every
// other line. It reads both forms Lambda writes:
//
//   - text: "REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 2 ms\t
//     Memory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 10.50 ms",
//     fields in any order (the Runtime Interface Emulator puts Init Duration
//     first), anywhere in the line (after a CloudWatch timestamp, say);
//   - JSON (JSON log format): {"type":"platform.report","record":{"requestId":
//     ...,"metrics":{"durationMs":...,"billedDurationMs":...,"memorySizeMB":
//     ...,"maxMemoryUsedMB":...,"initDurationMs":...}}}.
//
// A REPORT record without a duration is an error that names its line.
func ParseReports(r io.Reader) ([]Report, error) {
	var reports []Report
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLogLine)
	for n := 1; sc.Scan(); n++ {
		rep, ok, err := parseReportLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if ok {
			reports = append(reports, rep)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read logs: %w", err)
	}
	return reports, nil
}

// parseReportLine parses line if it holds a REPORT record; ok is false when
// it does not.
func parseReportLine(line string) (rep Report, ok bool, err error) {
	if i := strings.Index(line, "REPORT RequestId:"); i >= 0 {
		rep, err = parseTextReport(line[i:])
		return rep, err == nil, err
	}
	if strings.Contains(line, `"platform.report"`) {
		if i := strings.IndexByte(line, '{'); i >= 0 {
			return parseJSONReport(line[i:])
		}
	}
	return Report{}, false, nil
}

// parseTextReport parses a text REPORT record that starts at "REPORT".
func parseTextReport(s string) (Report, error) {
	rep := Report{RequestID: textRequestID(s)}
	hasDuration := false
	for _, m := range reportField.FindAllStringSubmatch(s, -1) {
		name, unit := m[1], m[3]
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return Report{}, fmt.Errorf("REPORT %s: %w", name, err)
		}
		if want := fieldUnit(name); unit != want {
			return Report{}, fmt.Errorf("REPORT %s is in %s, want %s", name, unit, want)
		}
		switch name {
		case "Duration":
			rep.DurationMs, hasDuration = v, true
		case "Billed Duration":
			rep.BilledDurationMs = v
		case "Init Duration":
			rep.InitDurationMs, rep.Cold = v, true
		case "Memory Size":
			rep.MemorySizeMB = int(v)
		case "Max Memory Used":
			rep.MaxMemoryUsedMB = int(v)
		}
	}
	if !hasDuration {
		return Report{}, errors.New("REPORT record without a Duration")
	}
	return rep, nil
}

// fieldUnit returns the unit a REPORT field is logged in.
func fieldUnit(name string) string {
	if strings.HasPrefix(name, "M") {
		return "MB"
	}
	return "ms"
}

// textRequestID returns the request id of a text REPORT record.
func textRequestID(s string) string {
	rest := strings.TrimSpace(strings.TrimPrefix(s, "REPORT RequestId:"))
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// jsonReport is the platform.report event of Lambda's JSON log format.
type jsonReport struct {
	Type   string `json:"type"`
	Record struct {
		RequestID string `json:"requestId"`
		Metrics   struct {
			DurationMs       *float64 `json:"durationMs"`
			BilledDurationMs float64  `json:"billedDurationMs"`
			MemorySizeMB     float64  `json:"memorySizeMB"`
			MaxMemoryUsedMB  float64  `json:"maxMemoryUsedMB"`
			InitDurationMs   *float64 `json:"initDurationMs"`
		} `json:"metrics"`
	} `json:"record"`
}

// parseJSONReport parses a platform.report event; ok is false for other
// JSON events that mention platform.report.
func parseJSONReport(s string) (rep Report, ok bool, err error) {
	var ev jsonReport
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		return Report{}, false, fmt.Errorf("platform.report event: %w", err)
	}
	if ev.Type != "platform.report" {
		return Report{}, false, nil
	}
	m := ev.Record.Metrics
	if m.DurationMs == nil {
		return Report{}, false, errors.New("platform.report event without metrics.durationMs")
	}
	rep = Report{
		RequestID:        ev.Record.RequestID,
		DurationMs:       *m.DurationMs,
		BilledDurationMs: m.BilledDurationMs,
		MemorySizeMB:     int(m.MemorySizeMB),
		MaxMemoryUsedMB:  int(m.MaxMemoryUsedMB),
	}
	if m.InitDurationMs != nil {
		rep.InitDurationMs, rep.Cold = *m.InitDurationMs, true
	}
	if rep.DurationMs < 0 || rep.InitDurationMs < 0 {
		return Report{}, false, errors.New("platform.report event with a negative duration")
	}
	return rep, true, nil
}

// Profile summarizes the REPORT records of one function.
type Profile struct {
	Invocations     int      `json:"invocations"`
	ColdStarts      int      `json:"cold_starts"`
	MeanDurationMs  float64  `json:"mean_duration_ms"`
	MeanInitMs      float64  `json:"mean_init_ms"`       // over cold starts
	MemorySizeMB    int      `json:"memory_size_mb"`     // the most frequent Memory Size, 0 if none logged
	MaxMemoryUsedMB int      `json:"max_memory_used_mb"` // the highest Max Memory Used
	Measured        Measured `json:"measured"`
}

// Summarize returns the profile of reports: mean durations, the cold-start
// share and billed durations rounded invocation by invocation under both
// billing rules. It fails on no reports.
func Summarize(reports []Report) (Profile, error) {
	if len(reports) == 0 {
		return Profile{}, errors.New("no REPORT records")
	}
	var p Profile
	var sumDur, sumInit float64
	var billed, initBilled Pair
	memCount := map[int]int{}
	for _, r := range reports {
		sumDur += r.DurationMs
		billed = billed.add(billedPair(r.DurationMs))
		if r.Cold {
			p.ColdStarts++
			sumInit += r.InitDurationMs
			initBilled = initBilled.add(initPair(r.InitDurationMs, r.DurationMs))
		}
		if r.MemorySizeMB > 0 {
			memCount[r.MemorySizeMB]++
		}
		p.MaxMemoryUsedMB = max(p.MaxMemoryUsedMB, r.MaxMemoryUsedMB)
	}
	p.Invocations = len(reports)
	n := float64(p.Invocations)
	p.MeanDurationMs = sumDur / n
	p.Measured.BilledMs = billed.scale(1 / n)
	if p.ColdStarts > 0 {
		p.MeanInitMs = sumInit / float64(p.ColdStarts)
		p.Measured.InitBilledMs = initBilled.scale(1 / float64(p.ColdStarts))
	}
	for mb, c := range memCount {
		if c > memCount[p.MemorySizeMB] || (c == memCount[p.MemorySizeMB] && mb < p.MemorySizeMB) {
			p.MemorySizeMB = mb
		}
	}
	return p, nil
}

// ColdStartShare returns the fraction of invocations that were cold starts.
func (p Profile) ColdStartShare() float64 {
	if p.Invocations == 0 {
		return 0
	}
	return float64(p.ColdStarts) / float64(p.Invocations)
}

// Function returns the Function measured in p: its mean durations,
// cold-start share and billed durations. Logs without a cold start say
// nothing of init: price it with WithInit.
func (p Profile) Function() Function {
	m := p.Measured
	return Function{
		DurationMs:     p.MeanDurationMs,
		InitMs:         p.MeanInitMs,
		ColdStartShare: p.ColdStartShare(),
		Measured:       &m,
	}
}

// WithInit returns f with cold starts of initMs: for a measured f, a cold
// start adds round(initMs + mean invocation) − round(mean invocation). Use
// it when logs have no cold start, or an untrustworthy one (the Runtime
// Interface Emulator reports an Init Duration of a few hundredths of a ms).
func (f Function) WithInit(initMs float64) Function {
	f.InitMs = initMs
	if f.Measured != nil {
		m := *f.Measured
		m.InitBilledMs = initPair(initMs, f.DurationMs)
		f.Measured = &m
	}
	return f
}
