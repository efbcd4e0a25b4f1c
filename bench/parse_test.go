package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ev returns one line of go test -json.
func ev(pkg, test, action, output string) string {
	b, err := json.Marshal(struct {
		Action  string
		Package string
		Test    string `json:",omitempty"`
		Output  string `json:",omitempty"`
	}{action, pkg, test, output})
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

// benchEvents returns the events of one benchmark that printed lines and
// then ended with action (skip or fail; "" for a benchmark that passed,
// which go test -json reports without an event of its own).
func benchEvents(pkg, test, action string, lines ...string) string {
	s := ev(pkg, test, "run", "") + ev(pkg, test, "output", "=== RUN   "+test+"\n") + ev(pkg, test, "output", test+"\n")
	for _, l := range lines {
		s += ev(pkg, test, "output", l+"\n")
	}
	if action != "" {
		s += ev(pkg, test, "output", "--- "+strings.ToUpper(action)+": "+test+"\n") + ev(pkg, test, action, "")
	}
	return s
}

const e2e = "github.com/movieskit/movies/e2e"

var e2eEvents = ev(e2e, "", "output", "pkg: "+e2e+"\n") +
	benchEvents(e2e, "BenchmarkThroughput", "") +
	benchEvents(e2e, "BenchmarkThroughput/hello-world",
		"", "BenchmarkThroughput/hello-world-2  \t   37758\t     30968 ns/op\t     32291 req/s\t    5814 B/op\t      66 allocs/op") +
	benchEvents(e2e, "BenchmarkThroughput/gateway-embedded",
		"", "BenchmarkThroughput/gateway-embedded-2         \t    9860\t    202203 ns/op\t      4946 req/s\t   20720 B/op\t     260 allocs/op") +
	benchEvents(e2e, "BenchmarkReportGet", "",
		"BenchmarkReportGet-2                           \t     346\t   3756576 ns/op\t    242247 embedded-ns/get\t   1842672 gateway-ns/get\t   1671212 raw-ns/get\t  110600 B/op\t    1383 allocs/op") +
	benchEvents(e2e, "BenchmarkReportListWalk", "",
		"    report_bench_test.go:162: loaded 4609 movies in 1.968s",
		"BenchmarkReportListWalk-2   \t       3\t 473844450 ns/op\t       279.1 list-ms/walk\t       194.8 scan-ms/walk") +
	ev(e2e, "", "output", "PASS\n") + ev(e2e, "", "pass", "")

const (
	loader  = "github.com/movieskit/movies/loader"
	rietest = "github.com/movieskit/movies/internal/rietest"
)

var skipFailEvents = benchEvents(loader, "BenchmarkLoadSample", "skip",
	"    bench_test.go:33: full movie sample not found (set MOVIES_SAMPLE_DATA)") +
	ev(loader, "", "output", "PASS\n") + ev(loader, "", "pass", "") +
	benchEvents(rietest, "BenchmarkImage/arch=arm64", "", "BenchmarkImage/arch=arm64-2         \t       1\t  12345678 ns/op\t   9000000 bytes-uncompressed") +
	benchEvents(rietest, "BenchmarkColdStart/sub", "fail", "    rie_test.go:10: cold start: RIE status 502", "        second line") +
	benchEvents(rietest, "BenchmarkWarmInvoke", "fail") +
	ev(rietest, "", "output", "FAIL\n") + ev(rietest, "", "fail", "")

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Result
		skipped map[string]string
		failed  map[string]string
	}{
		{
			name: "results with standard and custom metrics, log of a passing benchmark dropped",
			in:   e2eEvents,
			want: []Result{
				{e2e, "BenchmarkThroughput/hello-world", 37758,
					map[string]float64{"ns/op": 30968, "req/s": 32291, "B/op": 5814, "allocs/op": 66}},
				{e2e, "BenchmarkThroughput/gateway-embedded", 9860,
					map[string]float64{"ns/op": 202203, "req/s": 4946, "B/op": 20720, "allocs/op": 260}},
				{e2e, "BenchmarkReportGet", 346,
					map[string]float64{"ns/op": 3756576, "embedded-ns/get": 242247, "gateway-ns/get": 1842672,
						"raw-ns/get": 1671212, "B/op": 110600, "allocs/op": 1383}},
				{e2e, "BenchmarkReportListWalk", 3,
					map[string]float64{"ns/op": 473844450, "list-ms/walk": 279.1, "scan-ms/walk": 194.8}},
			},
			skipped: map[string]string{},
			failed:  map[string]string{},
		},
		{
			name: "skips and failures with their messages, nested and bare",
			in:   skipFailEvents,
			want: []Result{
				{rietest, "BenchmarkImage/arch=arm64", 1,
					map[string]float64{"ns/op": 12345678, "bytes-uncompressed": 9e6}},
			},
			skipped: map[string]string{"BenchmarkLoadSample": "bench_test.go:33: full movie sample not found (set MOVIES_SAMPLE_DATA)"},
			failed: map[string]string{
				"BenchmarkColdStart/sub": "rie_test.go:10: cold start: RIE status 502; second line",
				"BenchmarkWarmInvoke":    "",
			},
		},
		{
			// Recorded from go test -json -bench on a package whose benchmarks
			// log, skip, fail, nest and print a result line in two pieces.
			name: "recorded go test -json output",
			in:   readTestdata(t, "vexp.jsonl"),
			want: []Result{
				{"vexp", "BenchmarkA", 1, map[string]float64{"ns/op": 1373, "x/op": 3, "B/op": 0, "allocs/op": 0}},
				{"vexp", "BenchmarkNested/ok", 1, map[string]float64{"ns/op": 712, "B/op": 0, "allocs/op": 0}},
			},
			skipped: map[string]string{"BenchmarkSkip": "x_test.go:4: no sample here", "BenchmarkNested/skip": "x_test.go:7: nested skip"},
			failed: map[string]string{
				"BenchmarkNested/fail": "x_test.go:8: before; x_test.go:8: nested boom",
				"BenchmarkNested":      "",
				"BenchmarkFail":        "x_test.go:10: top boom",
			},
		},
		{
			name:    "no GOMAXPROCS suffix (GOMAXPROCS=1)",
			in:      ev("", "BenchmarkX", "output", "BenchmarkX 10 5.5 ns/op\n"),
			want:    []Result{{"", "BenchmarkX", 10, map[string]float64{"ns/op": 5.5}}},
			skipped: map[string]string{}, failed: map[string]string{},
		},
		{
			name:    "build failure (recorded): nothing parsed",
			in:      readTestdata(t, "buildfail.jsonl"),
			skipped: map[string]string{}, failed: map[string]string{},
		},
		{
			name:    "lines that are not events are ignored",
			in:      "go: downloading example.com/x v1.0.0\n" + ev("p", "BenchmarkX", "output", "BenchmarkX-2 10 5.5 ns/op\n") + "BenchmarkY-2 1 1 ns/op\n",
			want:    []Result{{"p", "BenchmarkX", 10, map[string]float64{"ns/op": 5.5}}},
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
			_, err := Parse(strings.NewReader(ev("p", "BenchmarkX", "output", tt.in)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTextWriter(t *testing.T) {
	var b strings.Builder
	tw := &textWriter{w: &b}
	in := readTestdata(t, "buildfail.jsonl") + "go: a line of the go command\n" +
		ev("p", "BenchmarkX", "output", "=== RUN   BenchmarkX\n") + ev("p", "BenchmarkX", "output", "BenchmarkX-2 \t") +
		ev("p", "BenchmarkX", "output", "1\t5 ns/op\n") + "no newline"
	for len(in) > 0 { // in pieces, as a pipe delivers it
		n := min(len(in), 7)
		if _, err := tw.Write([]byte(in[:n])); err != nil {
			t.Fatal(err)
		}
		in = in[n:]
	}
	tw.flush()
	want := "# vexp/broken [vexp/broken.test]\nbroken/b_test.go:3:33: undefined: undefinedThing\nFAIL\tvexp/broken [build failed]\n" +
		"go: a line of the go command\nBenchmarkX-2 \t1\t5 ns/op\nno newline"
	if b.String() != want {
		t.Errorf("text:\n%q\nwant\n%q", b.String(), want)
	}
	if got := firstError(b.String()); got != "broken/b_test.go:3:33: undefined: undefinedThing" {
		t.Errorf("firstError of the text = %q", got)
	}
}
