package main

import (
	"reflect"
	"strings"
	"testing"
)

const e2eOutput = `goos: linux
goarch: amd64
pkg: github.com/movieskit/movies/e2e
cpu: Intel(R) Xeon(R) Processor
BenchmarkThroughput/hello-world-2  	   37758	     30968 ns/op	     32291 req/s	    5814 B/op	      66 allocs/op
BenchmarkThroughput/gateway-embedded-2         	    9860	    202203 ns/op	      4946 req/s	   20720 B/op	     260 allocs/op
BenchmarkReportGet-2                           	     346	   3756576 ns/op	    242247 embedded-ns/get	   1842672 gateway-ns/get	   1671212 raw-ns/get	  110600 B/op	    1383 allocs/op
BenchmarkReportListWalk-2   	       3	 473844450 ns/op	       279.1 list-ms/walk	       194.8 scan-ms/walk
--- BENCH: BenchmarkReportListWalk-2
    report_bench_test.go:162: loaded 4609 movies in 1.968s
PASS
ok  	github.com/movieskit/movies/e2e	16.388s
`

const skipFailOutput = `goos: linux
pkg: github.com/movieskit/movies/loader
BenchmarkLoadSample
--- SKIP: BenchmarkLoadSample
    bench_test.go:33: full movie sample not found (set MOVIES_SAMPLE_DATA)
pkg: github.com/movieskit/movies/internal/rietest
BenchmarkImage/arch=arm64-2         	       1	  12345678 ns/op	   9000000 bytes-uncompressed
    --- FAIL: BenchmarkColdStart/sub-2
        rie_test.go:10: cold start: RIE status 502
        second line
--- FAIL: BenchmarkWarmInvoke
FAIL
exit status 1
`

// verboseOutput and plainOutput are the same benchmarks run with and without -v.
const verboseOutput = `goos: linux
pkg: vexp
BenchmarkA
    x_test.go:3: hello log
BenchmarkA-2        	       1	       286.0 ns/op	         3.000 x/op
BenchmarkSkip
    x_test.go:4: no sample here
--- SKIP: BenchmarkSkip
BenchmarkNested
BenchmarkNested/ok
BenchmarkNested/ok-2         	       1	       412.0 ns/op
BenchmarkNested/skip
    x_test.go:7: nested skip
--- SKIP: BenchmarkNested/skip
BenchmarkNested/fail
    x_test.go:8: before
    x_test.go:8: nested boom
--- FAIL: BenchmarkNested/fail
--- FAIL: BenchmarkNested
BenchmarkFail
    x_test.go:10: top boom
--- FAIL: BenchmarkFail
FAIL
exit status 1
FAIL	vexp	0.030s
`

const plainOutput = `goos: linux
pkg: vexp
BenchmarkA-2        	       1	       520.0 ns/op	         3.000 x/op
--- BENCH: BenchmarkA-2
    x_test.go:3: hello log
BenchmarkNested/ok-2         	       1	       248.0 ns/op
--- FAIL: BenchmarkNested/fail
    x_test.go:8: before
    x_test.go:8: nested boom
--- FAIL: BenchmarkNested
--- FAIL: BenchmarkFail
    x_test.go:10: top boom
FAIL
`

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Result
		skipped map[string]string
		failed  map[string]string
	}{
		{
			name: "results with standard and custom metrics, BENCH log dropped",
			in:   e2eOutput,
			want: []Result{
				{"github.com/movieskit/movies/e2e", "BenchmarkThroughput/hello-world", 37758,
					map[string]float64{"ns/op": 30968, "req/s": 32291, "B/op": 5814, "allocs/op": 66}},
				{"github.com/movieskit/movies/e2e", "BenchmarkThroughput/gateway-embedded", 9860,
					map[string]float64{"ns/op": 202203, "req/s": 4946, "B/op": 20720, "allocs/op": 260}},
				{"github.com/movieskit/movies/e2e", "BenchmarkReportGet", 346,
					map[string]float64{"ns/op": 3756576, "embedded-ns/get": 242247, "gateway-ns/get": 1842672,
						"raw-ns/get": 1671212, "B/op": 110600, "allocs/op": 1383}},
				{"github.com/movieskit/movies/e2e", "BenchmarkReportListWalk", 3,
					map[string]float64{"ns/op": 473844450, "list-ms/walk": 279.1, "scan-ms/walk": 194.8}},
			},
			skipped: map[string]string{},
			failed:  map[string]string{},
		},
		{
			name: "skips and failures with their messages, nested and bare",
			in:   skipFailOutput,
			want: []Result{
				{"github.com/movieskit/movies/internal/rietest", "BenchmarkImage/arch=arm64", 1,
					map[string]float64{"ns/op": 12345678, "bytes-uncompressed": 9e6}},
			},
			skipped: map[string]string{"BenchmarkLoadSample": "bench_test.go:33: full movie sample not found (set MOVIES_SAMPLE_DATA)"},
			failed: map[string]string{
				"BenchmarkColdStart/sub": "rie_test.go:10: cold start: RIE status 502; second line",
				"BenchmarkWarmInvoke":    "",
			},
		},
		{
			name: "-v: log lines before the status line",
			in:   verboseOutput,
			want: []Result{
				{"vexp", "BenchmarkA", 1, map[string]float64{"ns/op": 286, "x/op": 3}},
				{"vexp", "BenchmarkNested/ok", 1, map[string]float64{"ns/op": 412}},
			},
			skipped: map[string]string{"BenchmarkSkip": "x_test.go:4: no sample here", "BenchmarkNested/skip": "x_test.go:7: nested skip"},
			failed: map[string]string{
				"BenchmarkNested/fail": "x_test.go:8: before; x_test.go:8: nested boom",
				"BenchmarkNested":      "",
				"BenchmarkFail":        "x_test.go:10: top boom",
			},
		},
		{
			name: "no -v: log lines after the status line, skips not shown",
			in:   plainOutput,
			want: []Result{
				{"vexp", "BenchmarkA", 1, map[string]float64{"ns/op": 520, "x/op": 3}},
				{"vexp", "BenchmarkNested/ok", 1, map[string]float64{"ns/op": 248}},
			},
			skipped: map[string]string{},
			failed: map[string]string{
				"BenchmarkNested/fail": "x_test.go:8: before; x_test.go:8: nested boom",
				"BenchmarkNested":      "",
				"BenchmarkFail":        "x_test.go:10: top boom",
			},
		},
		{
			name:    "no GOMAXPROCS suffix (GOMAXPROCS=1)",
			in:      "BenchmarkX 10 5.5 ns/op\n",
			want:    []Result{{"", "BenchmarkX", 10, map[string]float64{"ns/op": 5.5}}},
			skipped: map[string]string{}, failed: map[string]string{},
		},
		{
			name:    "build failure: nothing parsed",
			in:      "# github.com/movieskit/movies/cmd/movies\ncmd/movies/serve.go:86:40: undefined: closeStore\nFAIL\tgithub.com/movieskit/movies/e2e [build failed]\n",
			skipped: map[string]string{}, failed: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Results, tt.want) {
				t.Errorf("results:\n got  %+v\n want %+v", got.Results, tt.want)
			}
			if !reflect.DeepEqual(got.Skipped, tt.skipped) {
				t.Errorf("skipped: got %q, want %q", got.Skipped, tt.skipped)
			}
			if !reflect.DeepEqual(got.Failed, tt.failed) {
				t.Errorf("failed: got %q, want %q", got.Failed, tt.failed)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"odd metric fields", "BenchmarkX-2 10 5 ns/op 7\n", "not value-unit pairs"},
		{"value not a number", "BenchmarkX-2 10 fast ns/op\n", `value "fast"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
