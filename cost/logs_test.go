package cost

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseReports(t *testing.T) {
	tests := []struct {
		name    string
		logs    string
		want    []Report
		wantErr string
	}{
		{
			name: "Lambda text, warm and cold, other lines skipped",
			logs: "START RequestId: a1 Version: $LATEST\n" +
				"END RequestId: a1\n" +
				"REPORT RequestId: a1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 10.50 ms\t\n" +
				"REPORT RequestId: a2\tDuration: 3.00 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n",
			want: []Report{
				{RequestID: "a1", DurationMs: 1.23, BilledDurationMs: 2, MemorySizeMB: 128, MaxMemoryUsedMB: 20, InitDurationMs: 10.5, Cold: true},
				{RequestID: "a2", DurationMs: 3, BilledDurationMs: 3, MemorySizeMB: 128, MaxMemoryUsedMB: 21},
			},
		},
		{
			name: "RIE puts Init Duration first",
			logs: "REPORT RequestId: r1\tInit Duration: 0.42 ms\tDuration: 5.17 ms\tBilled Duration: 6 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n",
			want: []Report{{RequestID: "r1", DurationMs: 5.17, BilledDurationMs: 6, MemorySizeMB: 3008, MaxMemoryUsedMB: 3008, InitDurationMs: 0.42, Cold: true}},
		},
		{
			name: "CloudWatch export prefix and spaces",
			logs: "2026-11-25T10:00:00.000Z REPORT RequestId: c1 Duration: 7.80 ms Billed Duration: 8 ms Memory Size: 256 MB Max Memory Used: 30 MB\n",
			want: []Report{{RequestID: "c1", DurationMs: 7.8, BilledDurationMs: 8, MemorySizeMB: 256, MaxMemoryUsedMB: 30}},
		},
		{
			name: "SnapStart restore duration is not the duration",
			logs: "REPORT RequestId: s1\tDuration: 4.00 ms\tBilled Duration: 90 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tRestore Duration: 300.00 ms\tBilled Restore Duration: 86 ms\n",
			want: []Report{{RequestID: "s1", DurationMs: 4, BilledDurationMs: 90, MemorySizeMB: 128, MaxMemoryUsedMB: 20}},
		},
		{
			name: "JSON log format",
			logs: `{"time":"2026-11-25T10:00:00.000Z","type":"platform.start","record":{"requestId":"j1"}}` + "\n" +
				`{"time":"2026-11-25T10:00:00.010Z","type":"platform.report","record":{"requestId":"j1","metrics":{"durationMs":2.5,"billedDurationMs":3,"memorySizeMB":128,"maxMemoryUsedMB":19,"initDurationMs":80.25},"status":"success"}}` + "\n" +
				`{"time":"2026-11-25T10:00:01.000Z","type":"platform.report","record":{"requestId":"j2","metrics":{"durationMs":1,"billedDurationMs":1,"memorySizeMB":128,"maxMemoryUsedMB":19},"status":"success"}}` + "\n",
			want: []Report{
				{RequestID: "j1", DurationMs: 2.5, BilledDurationMs: 3, MemorySizeMB: 128, MaxMemoryUsedMB: 19, InitDurationMs: 80.25, Cold: true},
				{RequestID: "j2", DurationMs: 1, BilledDurationMs: 1, MemorySizeMB: 128, MaxMemoryUsedMB: 19},
			},
		},
		{name: "no reports", logs: "hello\nworld\n", want: nil},
		{name: "REPORT without duration", logs: "x\nREPORT RequestId: b1\tMemory Size: 128 MB\n", wantErr: "line 2: REPORT record without a Duration"},
		{name: "wrong unit", logs: "REPORT RequestId: b2\tDuration: 3 MB\n", wantErr: "line 1: REPORT Duration is in MB"},
		{name: "broken JSON", logs: `{"type":"platform.report","record":` + "\n", wantErr: "line 1: platform.report event"},
		{name: "JSON without duration", logs: `{"type":"platform.report","record":{"metrics":{}}}` + "\n", wantErr: "without metrics.durationMs"},
		{name: "JSON negative duration", logs: `{"type":"platform.report","record":{"metrics":{"durationMs":-1}}}` + "\n", wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReports(strings.NewReader(tt.logs))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseReports error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReports: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseReports =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseReportsLongLine(t *testing.T) {
	long := strings.Repeat("x", maxLogLine+1)
	if _, err := ParseReports(strings.NewReader(long)); err == nil {
		t.Fatal("ParseReports of an over-long line: want an error")
	}
}

func TestSummarize(t *testing.T) {
	// Two warm invocations of 1.2 ms and 2.8 ms and a cold one of 3 ms after a
	// 150.5 ms init:
	//   mean duration (1.2 + 2.8 + 3) / 3 = 2.3333 ms, but billed at 1 ms
	//   (2 + 3 + 3) / 3 = 2.6667 ms, at 100 ms 100 ms each;
	//   the cold start adds ceil(153.5) − 3 = 151 ms at 1 ms and 200 − 100 = 100 ms at 100 ms.
	reports := []Report{
		{DurationMs: 1.2, MemorySizeMB: 128, MaxMemoryUsedMB: 18},
		{DurationMs: 2.8, MemorySizeMB: 128, MaxMemoryUsedMB: 22},
		{DurationMs: 3, MemorySizeMB: 256, MaxMemoryUsedMB: 20, InitDurationMs: 150.5, Cold: true},
	}
	p, err := Summarize(reports)
	if err != nil {
		t.Fatal(err)
	}
	if p.Invocations != 3 || p.ColdStarts != 1 || p.MemorySizeMB != 128 || p.MaxMemoryUsedMB != 22 {
		t.Errorf("profile = %+v", p)
	}
	if !near(p.MeanDurationMs, 7.0/3) || p.MeanInitMs != 150.5 || !near(p.ColdStartShare(), 1.0/3) {
		t.Errorf("means = %v ms, init %v ms, cold share %v", p.MeanDurationMs, p.MeanInitMs, p.ColdStartShare())
	}
	checkPair(t, "billed", p.Measured.BilledMs, Pair{8.0 / 3, 100})
	checkPair(t, "init billed", p.Measured.InitBilledMs, Pair{151, 100})
	f := p.Function()
	if f.Measured == nil || f.ColdStartShare != p.ColdStartShare() || f.InitMs != 150.5 || f.Measured.InitBilledMs.Ms1 != 151 {
		t.Errorf("Function() = %+v", f)
	}
	// Warm logs only: the caller's 120 ms init after the 2 ms mean invocation
	// adds ceil(122) − 2 = 120 ms at 1 ms and 200 − 100 = 100 ms at 100 ms.
	warm, err := Summarize(reports[:2])
	if err != nil {
		t.Fatal(err)
	}
	f = warm.Function().WithInit(120)
	if f.ColdStartShare != 0 || f.InitMs != 120 {
		t.Errorf("warm Function().WithInit(120) = %+v", f)
	}
	if warm.Measured.InitBilledMs != (Pair{}) {
		t.Error("WithInit changed the profile it came from")
	}
	// An unmeasured function just takes the new init duration.
	if g := (Function{DurationMs: 3}).WithInit(50); g.InitMs != 50 || g.Measured != nil {
		t.Errorf("WithInit on an assumed function = %+v", g)
	}
	checkPair(t, "warm init billed", f.Measured.InitBilledMs, Pair{120, 100})
	if _, err := Summarize(nil); err == nil {
		t.Error("Summarize(nil): want an error")
	}
}

// TestLogsToEstimate scales 3 logged invocations to a million requests.
func TestLogsToEstimate(t *testing.T) {
	logs := "REPORT RequestId: 1\tInit Duration: 96.40 ms\tDuration: 2.60 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t\n" +
		"REPORT RequestId: 2\tDuration: 1.10 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t\n" +
		"REPORT RequestId: 3\tDuration: 0.90 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t\n"
	reports, err := ParseReports(strings.NewReader(logs))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Summarize(reports)
	if err != nil {
		t.Fatal(err)
	}
	w := workload(func(w *Workload) { w.Get = p.Function() })
	b, err := Estimate(w, USEast1)
	if err != nil {
		t.Fatal(err)
	}
	// Billed 1 ms: (3 + 2 + 1) / 3 = 2 ms → 1e6 × 2 ms × 0.125 GB = 250 GB-s.
	// Cold: 1/3 of 1e6; ceil(99.0) − 3 = 96 ms → 333,333.33 × 0.096 s × 0.125 GB = 4,000 GB-s.
	// 100 ms: 100 ms → 12,500 GB-s; cold 100 − 100 = 0.
	checkPair(t, "compute", b.ComputeGet.Quantity, Pair{250, 12_500})
	checkPair(t, "init", b.InitGet.Quantity, Pair{4000, 0})
}

func BenchmarkParseReports(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "START RequestId: %d Version: $LATEST\nREPORT RequestId: %d\tDuration: %d.%02d ms\tBilled Duration: %d ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n",
			i, i, i%50, i%100, i%50+1)
	}
	logs := sb.String()
	b.SetBytes(int64(len(logs)))
	for b.Loop() {
		if _, err := ParseReports(strings.NewReader(logs)); err != nil {
			b.Fatal(err)
		}
	}
}
