package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/movieskit/movies/deploy"
)

// writeLogFile writes logs to a file in a test directory and returns its path.
func writeLogFile(t *testing.T, name, logs string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(logs), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Three get invocations logged by the RIE: billed 3 + 2 + 1 = 6 ms, so 2 ms
// on average, one cold start of 96.4 ms init.
const rieGetLogs = "START RequestId: 1 Version: $LATEST\n" +
	"REPORT RequestId: 1\tInit Duration: 96.40 ms\tDuration: 2.60 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t\n" +
	"REPORT RequestId: 2\tDuration: 1.10 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t\n" +
	"REPORT RequestId: 3\tDuration: 0.90 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t\n"

func TestCostCommand(t *testing.T) {
	getLog := writeLogFile(t, "get.log", rieGetLogs)
	bigMemLog := writeLogFile(t, "rie.log", strings.ReplaceAll(rieGetLogs, "128 MB", "3008 MB"))
	emptyLog := writeLogFile(t, "empty.log", "nothing to see\n")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // substrings of stdout, or of stderr when the code is not 0
	}{
		{
			// 1M get at 128 MB arm64, 3 ms: compute $0.0050 vs $0.1667 (see cost.TestEstimateHandChecked).
			name: "one million gets",
			args: []string{"--requests", "1000000", "--list-share", "0", "--duration-get-ms", "3", "--cold-start-share", "0", "--memory", "128"},
			want: []string{
				"us-east-1 prices as of", "1,000,000 requests/month (100% get, 0% list), 128 MB arm64",
				"Lambda compute: get", "375 GB-s", "$0.0050", "12,500 GB-s", "$0.1667", "$0.1617",
				"API Gateway HTTP API", "1,000,000 requests", "$1.0000",
				"TOTAL", "$1.2675", "$1.4292",
				"a GetItem of a 1 KB item reads 0.5 RRU; a list page of 100 items (100 KB) reads 12.5 RRU, 25× a GetItem",
			},
		},
		{
			// The default memory is the one the stack deploys.
			name: "defaults",
			args: nil,
			want: []string{fmt.Sprintf("10,000,000 requests/month (90%% get, 10%% list), %d MB arm64", deploy.MemoryMB), "Lambda get (assumed): 8 ms average, billed 8 ms (100 ms rounding: 100 ms); 90,000 cold starts (1%) of 120 ms init"},
		},
		{
			name: "price override is shown and used",
			args: []string{"--requests", "1000000", "--list-share", "0", "--price-http-api", "3.5"},
			want: []string{"with --price-http-api=3.5", "$3.5000"},
		},
		{
			name: "from logs",
			args: []string{"--requests", "1000000", "--list-share", "0", "--from-logs", "get=" + getLog, "--memory", "128"},
			want: []string{"Lambda get (measured over 3 logged invocations): 1.53 ms average, billed 2 ms (100 ms rounding: 100 ms); 333,333.33 cold starts (33.33%) of 96.4 ms init",
				"250 GB-s", "4,000 GB-s"},
		},
		{
			name: "from logs with an explicit cold-start share",
			args: []string{"--requests", "1000000", "--list-share", "0", "--from-logs", getLog, "--cold-start-share", "0.001"},
			want: []string{"1,000 cold starts (0.1%) of 96.4 ms init", "Lambda list (measured over 3 logged invocations)"},
		},
		{
			// --init-ms replaces the logged 96.4 ms: ceil(200 + 1.53) − 2 = 200 ms a cold start
			// → 333,333.33 × 0.2 s × 0.125 GB = 8,333.33 GB-s.
			name: "from logs with an explicit init",
			args: []string{"--requests", "1000000", "--list-share", "0", "--from-logs", "get=" + getLog, "--init-ms", "200", "--memory", "128"},
			want: []string{"of 200 ms init, each adding 200 ms (200 ms)", "8,333.33 GB-s"},
		},
		{
			name: "logs at another memory size",
			args: []string{"--from-logs", bigMemLog},
			want: []string{fmt.Sprintf("Note: get logs were measured at 3008 MB and are priced at %d MB", deploy.MemoryMB)},
		},
		{name: "bad number", args: []string{"--requests", "lots"}, wantCode: 2, want: []string{"invalid argument"}},
		{name: "unknown flag", args: []string{"--nope"}, wantCode: 2, want: []string{"unknown flag"}},
		{name: "argument", args: []string{"extra"}, wantCode: 2, want: []string{"takes no arguments"}},
		{name: "bad arch", args: []string{"--arch", "sparc"}, wantCode: 2, want: []string{"--arch: unknown architecture"}},
		{name: "bad format", args: []string{"--format", "xml"}, wantCode: 2, want: []string{"--format must be table or json"}},
		{name: "list share", args: []string{"--list-share", "1.2"}, wantCode: 2, want: []string{"list share must be between 0 and 1"}},
		{name: "NaN duration", args: []string{"--duration-get-ms", "NaN"}, wantCode: 2, want: []string{"get: duration"}},
		{name: "memory", args: []string{"--memory", "64"}, wantCode: 2, want: []string{"memory must be 128"}},
		{name: "page size", args: []string{"--page-size", "0"}, wantCode: 2, want: []string{"page size"}},
		{name: "negative price", args: []string{"--price-ddb-read", "-1"}, wantCode: 2, want: []string{"non-negative number of dollars"}},
		{name: "missing log", args: []string{"--from-logs", "/nonexistent/x.log"}, wantCode: 2, want: []string{"--from-logs: open log file"}},
		{name: "log without reports", args: []string{"--from-logs", "list=" + emptyLog}, wantCode: 2, want: []string{"no REPORT lines"}},
		{name: "duration and logs", args: []string{"--from-logs", getLog, "--duration-list-ms", "5"}, wantCode: 2,
			want: []string{"--duration-list-ms conflicts with --from-logs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runSubcommand(t, newCostCmd(), nil, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			got := stdout
			if code != 0 {
				got = stderr
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestCostCommandJSON(t *testing.T) {
	code, stdout, stderr := runSubcommand(t, newCostCmd(), nil,
		"--requests", "1000000", "--list-share", "0", "--duration-get-ms", "3", "--cold-start-share", "0", "--memory", "128", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Saving  float64 `json:"saving_usd"`
		Compute struct {
			Quantity struct {
				Ms1 float64 `json:"billing_1ms"`
			} `json:"quantity"`
		} `json:"lambda_compute_get"`
		Prices struct{ Region string } `json:"prices"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("decode %s: %v", stdout, err)
	}
	var total struct {
		Total map[string]float64 `json:"total_usd"`
	}
	if err := json.Unmarshal([]byte(stdout), &total); err != nil {
		t.Fatal(err)
	}
	// Hand-checked in cost.TestEstimateHandChecked: $1.267500025 vs $1.4291675.
	if math.Abs(total.Total["billing_1ms"]-1.267500025) > 1e-9 || math.Abs(total.Total["rounding_100ms"]-1.4291675) > 1e-9 {
		t.Errorf("total = %v", total.Total)
	}
	if math.Abs(got.Saving-0.161667475) > 1e-9 || got.Compute.Quantity.Ms1 != 375 || got.Prices.Region != "us-east-1" {
		t.Errorf("saving %v, compute %v GB-s, region %q", got.Saving, got.Compute.Quantity.Ms1, got.Prices.Region)
	}
}

func TestCostHelpExplainsEveryFlag(t *testing.T) {
	code, stdout, _ := runSubcommand(t, newCostCmd(), nil, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{
		"--requests int", "(default 10000000)", "--list-share", "(default 0.1)", "--memory", "MB", fmt.Sprintf("(default %d)", deploy.MemoryMB),
		"--arch", "arm64 or x86_64", "--duration-get-ms", "ms", "--duration-list-ms", "--cold-start-share",
		"--init-ms", "--item-kb", "--page-size", "--from-logs", "get=FILE", "--format", "table or json",
		"--price-lambda-gbs-arm64", "(default 0.0000133334)", "--price-ddb-read", "(default 0.125)", "--price-http-api",
	} {
		if !strings.Contains(stdout, w) {
			t.Errorf("help lacks %q", w)
		}
	}
}
