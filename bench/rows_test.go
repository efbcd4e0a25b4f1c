package main

import (
	"bytes"
	"strings"
	"testing"
)

// fullOutput holds a result for every row, all targets met.
var fullOutput = benchEvents(loader, "BenchmarkLoadSample/loader", "",
	"BenchmarkLoadSample/loader-2   1   800000000 ns/op   5761 movies/s   40.0 peak-RSS-MB   10.0 start-RSS-MB   0 failed-writes") +
	benchEvents(loader, "BenchmarkLoadSample/naive", "",
		"BenchmarkLoadSample/naive-2    1  2000000000 ns/op   2304 movies/s   90.0 peak-RSS-MB   10.0 start-RSS-MB   3 failed-writes") +
	benchEvents(e2e, "BenchmarkReportThroughput", "", "BenchmarkReportThroughput-2   5   200000000 ns/op   18000 gateway-req/s   30000 hello-req/s") +
	benchEvents(e2e, "BenchmarkReportGet", "",
		"BenchmarkReportGet-2   100   3000000 ns/op   200000 embedded-ns/get   1100000 gateway-ns/get   1000000 raw-ns/get") +
	benchEvents(e2e, "BenchmarkReportWarmInvoke", "", "BenchmarkReportWarmInvoke-2   100   2400000 ns/op   900000 inprocess-ns/invoke   1500000 rie-ns/invoke") +
	benchEvents(e2e, "BenchmarkReportListWalk", "", "BenchmarkReportListWalk-2   5   500000000 ns/op   300 list-ms/walk   200 scan-ms/walk") +
	benchEvents(e2e, "BenchmarkReportImage/arch=arm64", "",
		"BenchmarkReportImage/arch=arm64-2   1   1 ns/op   9500000 bytes-uncompressed   4000000 bytes-compressed") +
	benchEvents(e2e, "BenchmarkReportImage/arch=amd64", "",
		"BenchmarkReportImage/arch=amd64-2   1   1 ns/op   9800000 bytes-uncompressed   4100000 bytes-compressed") +
	benchEvents(e2e, "BenchmarkReportServeRSS", "", "BenchmarkReportServeRSS-2   1   1 ns/op   30000 KB-VmRSS   40000 KB-VmHWM") +
	benchEvents(rietest, "BenchmarkColdStart", "", "BenchmarkColdStart-2   1   25000000 ns/op   20.0 ms-median   28.0 ms-p90   20 starts") +
	benchEvents(rietest, "BenchmarkServingRSS", "", "BenchmarkServingRSS-2   1   1 ns/op   15000 KB-VmRSS   20000 KB-VmHWM") +
	benchEvents(devloop, "BenchmarkReportDevLoop", "", "BenchmarkReportDevLoop-2   1   1 ns/op   900 served-ms-median   3000 byhand-ms-median"+
		"   780 build-ms-median   120 overhead-ms-median   10 swaps   50000 requests   0 failed-requests   7 retried-requests")

const devloop = "github.com/movieskit/movies/devloop"

func rowsFrom(t *testing.T, out string, steps []StepRun) map[string]Row {
	t.Helper()
	parsed, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Row{}
	for _, r := range Rows(NewSet(steps, parsed)) {
		byID[r.ID] = r
	}
	if len(byID) != len(rowSpecs) {
		t.Fatalf("%d rows, want %d", len(byID), len(rowSpecs))
	}
	return byID
}

func TestRowsAllMet(t *testing.T) {
	rows := rowsFrom(t, fullOutput, nil)
	tests := []struct {
		id, verdict, ours, baseline, ratio string
	}{
		{"1a", Met, "800 ms (5761 movies/s)", "2.00 s", "0.40×"},
		{"1b", Met, "41.9 MB", "94.4 MB", "0.44×"},
		{"2a", Met, "1.1 ms", "1 ms", "1.10×"},
		{"2b", Info, "200 µs", "1 ms", "0.20×"},
		{"3", Info, "300 ms", "200 ms", "1.50×"},
		{"4", Met, "18000 req/s", "30000 req/s", "60 %"},
		{"5a", Met, "20.0 ms median, 28.0 ms p90", "Node original: 157–376 ms (published, not run here)", "0.13× of 157 ms"},
		{"5b", Info, "RIE: 1.5 ms", "in process: 900 µs", "1.67×"},
		{"6a", Met, "9.5 MB", "—", "—"},
		{"6b", Met, "9.8 MB", "—", "—"},
		{"6c", Met, "20.5 MB peak", "—", "—"},
		{"6d", Info, "30.7 MB VmRSS", "41.0 MB peak", "—"},
		{"7a", Met, "900 ms", "3.00 s", "0.30×"},
		{"7b", Met, "0 failed of 50000", "—", "—"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := rows[tt.id]
			if r.Verdict != tt.verdict || r.Ours != tt.ours || r.Baseline != tt.baseline || r.Ratio != tt.ratio {
				t.Errorf("got %q %q %q %q, want %q %q %q %q", r.Verdict, r.Ours, r.Baseline, r.Ratio,
					tt.verdict, tt.ours, tt.baseline, tt.ratio)
			}
		})
	}
}

func TestRowsMissedTargets(t *testing.T) {
	out := strings.NewReplacer(
		"1100000 gateway-ns/get", "1300000 gateway-ns/get", // 1.3× raw
		"18000 gateway-req/s", "9000 gateway-req/s", // 30 %
		"20.0 ms-median", "31.0 ms-median",
		"9800000 bytes-uncompressed", "10000001 bytes-uncompressed",
		"20000 KB-VmHWM", "30000 KB-VmHWM", // 30.72 MB
		" 800000000 ns/op", "1000000001 ns/op",
		"120 overhead-ms-median", "201 overhead-ms-median",
		"0 failed-requests", "1 failed-requests",
	).Replace(fullOutput)
	rows := rowsFrom(t, out, nil)
	for _, id := range []string{"1a", "2a", "4", "5a", "6b", "6c", "7a", "7b"} {
		if rows[id].Verdict != Missed {
			t.Errorf("row %s: verdict %q, want %q", id, rows[id].Verdict, Missed)
		}
	}
	for _, id := range []string{"1b", "6a"} {
		if rows[id].Verdict != Met {
			t.Errorf("row %s: verdict %q, want %q", id, rows[id].Verdict, Met)
		}
	}
}

func TestRowsNotRun(t *testing.T) {
	loaderStep := Steps[0]
	tests := []struct {
		name, out string
		steps     []StepRun
		id, note  string
	}{
		{
			name: "skipped parent benchmark",
			out:  benchEvents(loader, "BenchmarkLoadSample", "skip", "    bench_test.go:33: full movie sample not found"),
			id:   "1a", note: "skipped: bench_test.go:33: full movie sample not found",
		},
		{
			name: "failed benchmark",
			out:  benchEvents(e2e, "BenchmarkReportGet", "fail", "    report_bench_test.go:99: GetItem: connection refused"),
			id:   "2a", note: "FAILED: report_bench_test.go:99: GetItem: connection refused",
		},
		{
			name:  "failed step (build error)",
			out:   "",
			steps: []StepRun{{Step: loaderStep, Err: "FAILED: go test ./loader exited 1: undefined: x"}},
			id:    "1b", note: "FAILED: go test ./loader exited 1: undefined: x",
		},
		{
			name: "metric missing from a result",
			out:  benchEvents(rietest, "BenchmarkColdStart", "", "BenchmarkColdStart-2 1 100 ns/op"),
			id:   "5a", note: "BenchmarkColdStart did not report ms-median",
		},
		{
			name: "no output at all",
			out:  "",
			id:   "6d", note: "BenchmarkReportServeRSS reported no result",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rowsFrom(t, tt.out, tt.steps)[tt.id]
			want := NotRun
			if strings.HasPrefix(tt.note, "FAILED") {
				want = Failed
			}
			if r.Verdict != want || r.Note != tt.note || r.Ours != "—" {
				t.Errorf("row %s: verdict %q note %q ours %q, want %q %q", tt.id, r.Verdict, r.Note, r.Ours, want, tt.note)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	rows := []Row{
		{ID: "1", What: "a | b", Ours: "1 ms", Baseline: "2 ms", Ratio: "0.50×", Target: "≤ 1.2×", Verdict: Met},
		{ID: "2", What: "c", Ours: "—", Baseline: "—", Ratio: "—", Target: "—", Verdict: NotRun, Note: "skipped:\n no sample"},
	}
	var b bytes.Buffer
	if err := WriteTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := `| # | Measurement | Ours | Baseline | Ratio | Target | Verdict |
|---|---|---|---|---|---|---|
| 1 | a \| b | 1 ms | 2 ms | 0.50× | ≤ 1.2× | ✅ met |
| 2 | c | — | — | — | — | ⚠️ not run |

Notes:

- 2: skipped: no sample
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestFirstError(t *testing.T) {
	tests := []struct{ name, out, want string }{
		{"benchmark failure", "BenchmarkX\n--- FAIL: BenchmarkX\n    x_test.go:3: boom\nFAIL\n", "x_test.go:3: boom"},
		{"benchmark failure, -v", "BenchmarkX/a\n    x_test.go:3: boom\n--- FAIL: BenchmarkX/a\n--- FAIL: BenchmarkX\nFAIL\n", "x_test.go:3: boom"},
		{"build error", "# github.com/movieskit/movies/e2e\ne2e/x.go:1:2: undefined: y\nFAIL\n", "e2e/x.go:1:2: undefined: y"},
		{"panic", "panic: test timed out after 1s\n\tgoroutine 1\n", "panic: test timed out after 1s"},
		{"other", "something\nexit status 2\n\n", "exit status 2"},
		{"empty", "", "no output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstError(tt.out); got != tt.want {
				t.Errorf("firstError = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStepArgs(t *testing.T) {
	s := Step{Pkg: "./e2e", Benches: []string{"BenchmarkA", "BenchmarkB"}, Benchtime: "1x", Timeout: 90e9}
	got := strings.Join(s.Args(), " ")
	want := "test -run ^$ -bench ^(BenchmarkA|BenchmarkB)$ -benchtime 1x -benchmem -count 1 -json -timeout 1m30s ./e2e"
	if got != want {
		t.Errorf("args = %q, want %q", got, want)
	}
}

// TestEditServedTargets checks each of row 7a's three targets on its own.
func TestEditServedTargets(t *testing.T) {
	for _, tt := range []struct {
		name, replace, with, verdict string
	}{
		{"all met", "", "", Met},
		{"under a third of by hand but over 2 s", "900 served-ms-median   3000 byhand-ms-median", "2100 served-ms-median   9000 byhand-ms-median", Missed},
		{"over a third of by hand", "3000 byhand-ms-median", "2000 byhand-ms-median", Missed},
		{"the loop adds over 200 ms", "120 overhead-ms-median", "201 overhead-ms-median", Missed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := fullOutput
			if tt.replace != "" {
				out = strings.Replace(out, tt.replace, tt.with, 1)
			}
			if r := rowsFrom(t, out, nil)["7a"]; r.Verdict != tt.verdict {
				t.Errorf("verdict %q, want %q (%+v)", r.Verdict, tt.verdict, r)
			}
		})
	}
}
