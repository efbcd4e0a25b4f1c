package main

import (
	"fmt"
	"strings"
)

// Row is one line of the report table.
type Row struct {
	ID       string             `json:"id"`
	What     string             `json:"what"`
	Ours     string             `json:"ours"`
	Baseline string             `json:"baseline"`
	Ratio    string             `json:"ratio"`
	Target   string             `json:"target"`
	Verdict  string             `json:"verdict"` // met, missed, info, not run or failed
	Note     string             `json:"note,omitempty"`
	Values   map[string]float64 `json:"values,omitempty"` // the numbers behind the cells, in base units
}

// Verdicts of a row.
const (
	Met     = "met"
	Missed  = "missed"
	Info    = "info" // no target: the numbers are for tracking
	NotRun  = "not run"
	Failed  = "failed" // the benchmark or its step failed
	nodeMin = 157      // ms: the Node original's fastest published cold start
	nodeMax = 376      // ms: its slowest
)

// Set is every benchmark result of one harness run, with why missing ones are missing.
type Set struct {
	results map[string]Result // by benchmark name
	skipped map[string]string
	failed  map[string]string
	steps   []StepRun
}

// NewSet indexes the parsed output of the steps.
func NewSet(steps []StepRun, out *Output) *Set {
	s := &Set{results: map[string]Result{}, skipped: out.Skipped, failed: out.Failed, steps: steps}
	for _, r := range out.Results {
		s.results[r.Name] = r
	}
	return s
}

// metric returns the value of unit in benchmark bench.
func (s *Set) metric(bench, unit string) (float64, bool) {
	r, ok := s.results[bench]
	if !ok {
		return 0, false
	}
	v, ok := r.Metrics[unit]
	return v, ok
}

// reason says why bench has no result: a skip or failure message of it or of
// a parent benchmark, the failure of the step meant to run it, or "no result".
func (s *Set) reason(bench, unit string) string {
	if _, ok := s.results[bench]; ok {
		return fmt.Sprintf("%s did not report %s", bench, unit)
	}
	for name := bench; name != ""; name = parentBench(name) {
		if msg, ok := s.failed[name]; ok {
			return "FAILED: " + orDefault(msg, name+" failed")
		}
		if msg, ok := s.skipped[name]; ok {
			return "skipped: " + orDefault(msg, name+" skipped")
		}
	}
	top, _, _ := strings.Cut(bench, "/")
	for _, st := range s.steps {
		if st.Step.runs(top) && st.Err != "" {
			return st.Err
		}
	}
	return bench + " reported no result"
}

func parentBench(name string) string {
	i := strings.LastIndex(name, "/")
	if i < 0 {
		return ""
	}
	return name[:i]
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fetcher reads metrics for one row and remembers the first that is missing.
type fetcher struct {
	set     *Set
	missing string
}

func (f *fetcher) get(bench, unit string) float64 {
	v, ok := f.set.metric(bench, unit)
	if !ok && f.missing == "" {
		f.missing = f.set.reason(bench, unit)
	}
	return v
}

// rowSpec builds one row from the results.
type rowSpec struct {
	id, what, target string
	build            func(f *fetcher, r *Row)
}

// Rows builds the report table from s, one row per spec, in order.
func Rows(s *Set) []Row {
	rows := make([]Row, 0, len(rowSpecs))
	for _, spec := range rowSpecs {
		rows = append(rows, buildRow(s, spec))
	}
	return rows
}

func buildRow(s *Set, spec rowSpec) Row {
	r := Row{ID: spec.id, What: spec.what, Target: spec.target, Verdict: Info, Values: map[string]float64{}}
	f := &fetcher{set: s}
	spec.build(f, &r)
	if f.missing != "" {
		v := NotRun
		if strings.HasPrefix(f.missing, "FAILED") {
			v = Failed
		}
		return Row{ID: spec.id, What: spec.what, Target: spec.target, Verdict: v, Note: f.missing,
			Ours: "—", Baseline: "—", Ratio: "—"}
	}
	return r
}

// verdict is Met when ok, else Missed.
func verdict(ok bool) string {
	if ok {
		return Met
	}
	return Missed
}

// rowSpecs are the rows of the table, in the order of docs/PERFORMANCE.md.
var rowSpecs = []rowSpec{
	{"1a", "Load 4,609 movies into DynamoDB Local: wall time (loader vs naive one-PutItem-per-movie)", "≤ 1.0 s", loadTime},
	{"1b", "Load 4,609 movies: peak RSS of the loading process", "< 50 MB", loadRSS},
	{"2a", "GET /get/2013/Rush: local gateway on DynamoDB Local vs raw GetItem (interleaved)", "≤ 1.2×", getGateway},
	{"2b", "GET /get/2013/Rush: local gateway on the embedded store vs raw GetItem on DynamoDB Local", "—", getEmbedded},
	{"3", "Walk the full catalogue: /list?limit=1000 via gateway vs raw Scan walk, DynamoDB Local (interleaved)", "—", listWalk},
	{"4", "Throughput, 4×GOMAXPROCS clients: gateway on embedded store vs bare net/http hello-world (alternating bursts)", "≥ 50 %", throughput},
	{"5a", "Cold start under RIE: process start → first 200 (get, DynamoDB Local)", "≤ 30 ms median", coldStart},
	{"5b", "Warm invoke of get: through RIE vs in process (gateway.InProcess), DynamoDB Local (interleaved)", "—", warmInvoke},
	{"6a", "Image size linux/arm64 (uncompressed; compressed in note)", "≤ 10 MB", imageSize("arm64")},
	{"6b", "Image size linux/amd64 (uncompressed; compressed in note)", "≤ 10 MB", imageSize("amd64")},
	{"6c", "Bootstrap RSS under RIE after 200 list invokes (peak VmHWM; VmRSS in note)", "≤ 30 MB", bootstrapRSS},
	{"6d", "`movies serve` RSS, embedded store, after 500 requests (VmRSS vs peak VmHWM)", "—", serveRSS},
	{"7a", "Edit → served: write a changed api/get.go, first response with the change, median of 10: make dev vs Ctrl-C + make run (interleaved)",
		"≤ 0.33× and < 2 s; the loop adds ≤ 200 ms to go build", editServed},
	{"7b", "make dev: requests failed during 10 swaps, 8 keep-alive clients and 2 with a connection per request", "0", swapFailures},
}

func loadTime(f *fetcher, r *Row) {
	ours := f.get("BenchmarkLoadSample/loader", "ns/op")
	naive := f.get("BenchmarkLoadSample/naive", "ns/op")
	rate := f.get("BenchmarkLoadSample/loader", "movies/s")
	failed := f.get("BenchmarkLoadSample/naive", "failed-writes")
	r.Ours = fmt.Sprintf("%s (%.0f movies/s)", formatNs(ours), rate)
	r.Baseline = formatNs(naive)
	r.Ratio = formatRatio(ours, naive)
	r.Verdict = verdict(ours <= 1e9)
	r.Note = fmt.Sprintf("naive loader: %.0f failed writes", failed)
	r.Values["ours_ns"], r.Values["baseline_ns"], r.Values["ratio"] = ours, naive, ratio(ours, naive)
}

func loadRSS(f *fetcher, r *Row) {
	ours := f.get("BenchmarkLoadSample/loader", "peak-RSS-MB") * mib
	naive := f.get("BenchmarkLoadSample/naive", "peak-RSS-MB") * mib
	start := f.get("BenchmarkLoadSample/loader", "start-RSS-MB") * mib
	r.Ours, r.Baseline, r.Ratio = formatMB(ours), formatMB(naive), formatRatio(ours, naive)
	r.Verdict = verdict(ours < 50e6)
	r.Note = fmt.Sprintf("whole benchmark process; %s resident before loading", formatMB(start))
	r.Values["ours_bytes"], r.Values["baseline_bytes"], r.Values["ratio"] = ours, naive, ratio(ours, naive)
}

func getGateway(f *fetcher, r *Row) {
	ours := f.get("BenchmarkReportGet", "gateway-ns/get")
	raw := f.get("BenchmarkReportGet", "raw-ns/get")
	r.Ours, r.Baseline, r.Ratio = formatNs(ours), formatNs(raw), formatRatio(ours, raw)
	r.Verdict = verdict(ratio(ours, raw) <= 1.2)
	r.Values["ours_ns"], r.Values["baseline_ns"], r.Values["ratio"] = ours, raw, ratio(ours, raw)
}

func getEmbedded(f *fetcher, r *Row) {
	ours := f.get("BenchmarkReportGet", "embedded-ns/get")
	raw := f.get("BenchmarkReportGet", "raw-ns/get")
	r.Ours, r.Baseline, r.Ratio = formatNs(ours), formatNs(raw), formatRatio(ours, raw)
	r.Values["ours_ns"], r.Values["baseline_ns"], r.Values["ratio"] = ours, raw, ratio(ours, raw)
}

func listWalk(f *fetcher, r *Row) {
	ours := f.get("BenchmarkReportListWalk", "list-ms/walk") * 1e6
	scan := f.get("BenchmarkReportListWalk", "scan-ms/walk") * 1e6
	r.Ours, r.Baseline, r.Ratio = formatNs(ours), formatNs(scan), formatRatio(ours, scan)
	r.Values["ours_ns"], r.Values["baseline_ns"], r.Values["ratio"] = ours, scan, ratio(ours, scan)
}

func throughput(f *fetcher, r *Row) {
	ours := f.get("BenchmarkReportThroughput", "gateway-req/s")
	hello := f.get("BenchmarkReportThroughput", "hello-req/s")
	r.Ours, r.Baseline = fmt.Sprintf("%.0f req/s", ours), fmt.Sprintf("%.0f req/s", hello)
	r.Ratio = fmt.Sprintf("%.0f %%", 100*ratio(ours, hello))
	r.Verdict = verdict(ratio(ours, hello) >= 0.5)
	r.Values["ours_rps"], r.Values["baseline_rps"], r.Values["ratio"] = ours, hello, ratio(ours, hello)
}

func coldStart(f *fetcher, r *Row) {
	median := f.get("BenchmarkColdStart", "ms-median")
	p90 := f.get("BenchmarkColdStart", "ms-p90")
	starts := f.get("BenchmarkColdStart", "starts")
	r.Ours = fmt.Sprintf("%.1f ms median, %.1f ms p90", median, p90)
	r.Baseline = fmt.Sprintf("Node original: %d–%d ms (published, not run here)", nodeMin, nodeMax)
	r.Ratio = formatRatio(median, nodeMin) + " of " + fmt.Sprint(nodeMin) + " ms"
	r.Verdict = verdict(median <= 30)
	r.Note = fmt.Sprintf("%.0f starts", starts)
	r.Values["median_ms"], r.Values["p90_ms"], r.Values["ratio"] = median, p90, ratio(median, nodeMin)
}

func warmInvoke(f *fetcher, r *Row) {
	rie := f.get("BenchmarkReportWarmInvoke", "rie-ns/invoke")
	inproc := f.get("BenchmarkReportWarmInvoke", "inprocess-ns/invoke")
	r.Ours, r.Baseline, r.Ratio = "RIE: "+formatNs(rie), "in process: "+formatNs(inproc), formatRatio(rie, inproc)
	r.Values["rie_ns"], r.Values["inprocess_ns"], r.Values["ratio"] = rie, inproc, ratio(rie, inproc)
}

func imageSize(arch string) func(f *fetcher, r *Row) {
	return func(f *fetcher, r *Row) {
		bench := "BenchmarkReportImage/arch=" + arch
		u := f.get(bench, "bytes-uncompressed")
		c := f.get(bench, "bytes-compressed")
		r.Ours, r.Baseline, r.Ratio = formatMB(u), "—", "—"
		r.Verdict = verdict(u <= 10e6)
		r.Note = formatMB(c) + " compressed"
		r.Values["uncompressed_bytes"], r.Values["compressed_bytes"] = u, c
	}
}

func bootstrapRSS(f *fetcher, r *Row) {
	rss := f.get("BenchmarkServingRSS", "KB-VmRSS") * kib
	hwm := f.get("BenchmarkServingRSS", "KB-VmHWM") * kib
	r.Ours, r.Baseline, r.Ratio = formatMB(hwm)+" peak", "—", "—"
	r.Verdict = verdict(hwm <= 30e6)
	r.Note = formatMB(rss) + " VmRSS"
	r.Values["vmhwm_bytes"], r.Values["vmrss_bytes"] = hwm, rss
}

func serveRSS(f *fetcher, r *Row) {
	rss := f.get("BenchmarkReportServeRSS", "KB-VmRSS") * kib
	hwm := f.get("BenchmarkReportServeRSS", "KB-VmHWM") * kib
	r.Ours, r.Baseline, r.Ratio = formatMB(rss)+" VmRSS", formatMB(hwm)+" peak", "—"
	r.Values["vmrss_bytes"], r.Values["vmhwm_bytes"] = rss, hwm
}

func editServed(f *fetcher, r *Row) {
	const bench = "BenchmarkReportDevLoop"
	served := f.get(bench, "served-ms-median") * 1e6
	hand := f.get(bench, "byhand-ms-median") * 1e6
	build := f.get(bench, "build-ms-median") * 1e6
	overhead := f.get(bench, "overhead-ms-median") * 1e6
	r.Ours, r.Baseline, r.Ratio = formatNs(served), formatNs(hand), formatRatio(served, hand)
	r.Verdict = verdict(ratio(served, hand) <= 1.0/3 && served < 2e9 && overhead <= 200e6)
	r.Note = fmt.Sprintf("go build in the loop %s (median), the loop adds %s to it", formatNs(build), formatNs(overhead))
	r.Values["ours_ns"], r.Values["baseline_ns"], r.Values["ratio"] = served, hand, ratio(served, hand)
	r.Values["build_ns"], r.Values["overhead_ns"] = build, overhead
}

func swapFailures(f *fetcher, r *Row) {
	const bench = "BenchmarkReportDevLoop"
	failed := f.get(bench, "failed-requests")
	requests := f.get(bench, "requests")
	swaps := f.get(bench, "swaps")
	retried := f.get(bench, "retried-requests")
	r.Ours = fmt.Sprintf("%.0f failed of %.0f", failed, requests)
	r.Baseline, r.Ratio = "—", "—"
	r.Verdict = verdict(failed == 0 && requests > 0)
	r.Note = fmt.Sprintf("%.0f swaps; Go's client resent %.0f requests after a keep-alive connection closed under them", swaps, retried)
	r.Values["failed"], r.Values["requests"], r.Values["swaps"], r.Values["retried"] = failed, requests, swaps, retried
}
