package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/movieskit/movies/deploy"
)

// near reports whether got is within a billionth of a dollar (or unit) of want.
func near(got, want float64) bool { return math.Abs(got-want) <= 1e-9 }

// checkPair fails t when got is not want under both billing rules.
func checkPair(t *testing.T, what string, got, want Pair) {
	t.Helper()
	if !near(got.Ms1, want.Ms1) || !near(got.Ms100, want.Ms100) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

// workload returns a workload with only the fields a test case sets
// mattering: no list traffic, no cold starts, 1 KB items, pages of 100.
func workload(mod func(*Workload)) Workload {
	w := Workload{
		Requests: 1_000_000, MemoryMB: 128, Arch: ARM64,
		Get: Function{DurationMs: 3}, List: Function{DurationMs: 3},
		ItemKB: 1, PageSize: 100,
	}
	mod(&w)
	return w
}

func TestEstimateHandChecked(t *testing.T) {
	tests := []struct {
		name string
		w    Workload
		want map[string]Pair // line name (or "total", "lambda") → dollars
		qty  map[string]Pair // line name → quantity
	}{
		{
			// 1M get requests, 128 MB arm64, 3 ms each, 1 KB items:
			//   compute 1 ms:   1e6 × 3 ms   =   3,000 s × 0.125 GB =    375 GB-s × $0.0000133334 = $0.005000025
			//   compute 100 ms: 1e6 × 100 ms = 100,000 s × 0.125 GB = 12,500 GB-s × $0.0000133334 = $0.1666675
			//   Lambda requests 1e6 × $0.20/M = $0.20; HTTP API 1e6 × $1.00/M = $1.00
			//   GetItem ceil(1024/4096) = 1 × 0.5 = 0.5 RRU × 1e6 = 500,000 RRU × $0.125/M = $0.0625
			//   total 1 ms = 1 + 0.2 + 0.005000025 + 0.0625 = $1.267500025; 100 ms = $1.4291675
			name: "1M get 128MB arm64 3ms",
			w:    workload(func(*Workload) {}),
			want: map[string]Pair{
				"Lambda compute: get":     {0.005000025, 0.1666675},
				"Lambda requests":         {0.2, 0.2},
				"API Gateway HTTP API":    {1, 1},
				"DynamoDB reads: GetItem": {0.0625, 0.0625},
				"Lambda compute: list":    {0, 0},
				"total":                   {1.267500025, 1.4291675},
				"lambda":                  {0.205000025, 0.3666675},
			},
			qty: map[string]Pair{"Lambda compute: get": {375, 12_500}, "DynamoDB reads: GetItem": {500_000, 500_000}},
		},
		{
			// 10M requests, 10% list, 1024 MB x86_64, get 7.2 ms, list 120.5 ms:
			//   get  9e6 × 8 ms   = 72,000 GB-s × $0.0000166667 = $1.2000024;  100 ms: 9e6 × 0.1 s = 900,000 GB-s = $15.00003
			//   list 1e6 × 121 ms = 121,000 GB-s × $0.0000166667 = $2.0166707; 100 ms: 1e6 × 0.2 s = 200,000 GB-s = $3.33334
			//   GetItem 9e6 × 0.5 RRU = 4.5M RRU = $0.5625
			//   list page 100 × 1 KB = 102,400 B / 4,096 = 25 × 0.5 = 12.5 RRU × 1e6 = 12.5M RRU = $1.5625
			//   HTTP API 10e6 × $1/M = $10 (100 KB pages are under 512 KB); Lambda requests $2
			//   total 1 ms = 10 + 2 + 1.2000024 + 2.0166707 + 0.5625 + 1.5625 = $17.3416731
			//   total 100 ms = 10 + 2 + 15.00003 + 3.33334 + 0.5625 + 1.5625 = $32.45837
			name: "10M mixed 1024MB x86_64",
			w: workload(func(w *Workload) {
				w.Requests, w.ListShare, w.MemoryMB, w.Arch = 10_000_000, 0.1, 1024, X86_64
				w.Get.DurationMs, w.List.DurationMs = 7.2, 120.5
			}),
			want: map[string]Pair{
				"Lambda compute: get":        {1.2000024, 15.00003},
				"Lambda compute: list":       {2.0166707, 3.33334},
				"DynamoDB reads: GetItem":    {0.5625, 0.5625},
				"DynamoDB reads: list pages": {1.5625, 1.5625},
				"API Gateway HTTP API":       {10, 10},
				"total":                      {17.3416731, 32.45837},
			},
			qty: map[string]Pair{"Lambda compute: list": {121_000, 200_000}, "DynamoDB reads: list pages": {12_500_000, 12_500_000}},
		},
		{
			// 1M get, 1% cold starts with a 250.4 ms init, 3 ms invoke, 128 MB arm64:
			//   10,000 cold starts; 1 ms:   ceil(253.4) = 254 − 3 = 251 ms each
			//     10,000 × 0.251 s × 0.125 GB = 313.75 GB-s × $0.0000133334 = $0.00418335425
			//   100 ms: 300 − 100 = 200 ms each: 10,000 × 0.2 s × 0.125 GB = 250 GB-s = $0.00333335
			name: "cold starts bill init",
			w:    workload(func(w *Workload) { w.Get.InitMs, w.Get.ColdStartShare = 250.4, 0.01 }),
			want: map[string]Pair{
				"Lambda init: get":    {0.00418335425, 0.00333335},
				"Lambda compute: get": {0.005000025, 0.1666675},
			},
			qty: map[string]Pair{"Lambda init: get": {313.75, 250}},
		},
		{
			// All list, pages of 1,000 × 1 KB = 1,024,000 B: ceil(1,024,000 / 524,288) = 2 HTTP API
			// requests each → 2M × $1/M = $2; ceil(1,024,000 / 4,096) = 250 × 0.5 = 125 RRU a page
			// → 125M RRU × $0.125/M = $15.625.
			name: "1000-item pages meter twice",
			w:    workload(func(w *Workload) { w.ListShare, w.PageSize = 1, 1000 }),
			want: map[string]Pair{
				"API Gateway HTTP API":       {2, 2},
				"DynamoDB reads: list pages": {15.625, 15.625},
				"DynamoDB reads: GetItem":    {0, 0},
			},
		},
		{
			// 4,609 writes of 1.5 KB items: ceil(1,536 / 1,024) = 2 WRU each = 9,218 WRU × $0.625/M = $0.00576125.
			name: "writes",
			w:    workload(func(w *Workload) { w.Requests, w.ItemKB, w.WritesPerMonth = 0, 1.5, 4609 }),
			want: map[string]Pair{"DynamoDB writes": {0.00576125, 0.00576125}, "total": {0.00576125, 0.00576125}},
			qty:  map[string]Pair{"DynamoDB writes": {9218, 9218}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Estimate(tt.w, USEast1)
			if err != nil {
				t.Fatalf("Estimate: %v", err)
			}
			lines := map[string]Line{}
			for _, l := range b.Lines() {
				lines[l.Name] = l
			}
			for name, want := range tt.want {
				switch name {
				case "total":
					checkPair(t, "total", b.Total, want)
				case "lambda":
					checkPair(t, "lambda", b.Lambda, want)
				default:
					l, ok := lines[name]
					if !ok {
						t.Fatalf("no line %q", name)
					}
					checkPair(t, name+" USD", l.USD, want)
				}
			}
			for name, want := range tt.qty {
				checkPair(t, name+" quantity", lines[name].Quantity, want)
			}
		})
	}
}

func TestReadUnits(t *testing.T) {
	tests := []struct {
		name             string
		itemKB           float64
		pageSize         int
		strong           bool
		wantGet, wantPg  float64
		wantPageOverGets float64
	}{
		// 1 KB: GetItem ceil(1/4) = 1 × 0.5; page 100 KB / 4 = 25 × 0.5 = 12.5: a page costs 25 GetItems.
		{"1KB eventual", 1, 100, false, 0.5, 12.5, 25},
		// 0.8 KB = 819 B: page 81,900 B / 4,096 = 19.99 → 20 × 0.5 = 10.
		{"0.8KB eventual", 0.8, 100, false, 0.5, 10, 20},
		// 5 KB = 5,120 B: ceil(5,120/4,096) = 2; page 51,200/4,096 = 12.5 → 13.
		{"5KB strong", 5, 10, true, 2, 13, 6.5},
		{"5KB eventual", 5, 10, false, 1, 6.5, 6.5},
		// One tiny item still costs half a unit.
		{"tiny item page of 1", 0.01, 1, false, 0.5, 0.5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Estimate(workload(func(w *Workload) {
				w.ItemKB, w.PageSize, w.StronglyConsistent = tt.itemKB, tt.pageSize, tt.strong
			}), USEast1)
			if err != nil {
				t.Fatalf("Estimate: %v", err)
			}
			if b.GetItemRRU != tt.wantGet || b.ListPageRRU != tt.wantPg {
				t.Errorf("GetItem %v RRU, page %v RRU, want %v and %v", b.GetItemRRU, b.ListPageRRU, tt.wantGet, tt.wantPg)
			}
			if got := b.ListPageRRU / b.GetItemRRU; got != tt.wantPageOverGets {
				t.Errorf("page / GetItem = %v, want %v", got, tt.wantPageOverGets)
			}
		})
	}
}

func TestRoundUp(t *testing.T) {
	tests := []struct{ ms, unit, want float64 }{
		{0, 1, 1},
		{0.2, 1, 1},
		{1, 1, 1},
		{1.01, 1, 2},
		{0, 100, 100},
		{100, 100, 100},
		{100.01, 100, 200},
		{200.00000000001, 100, 200}, // float noise in an average
		{253.4, 1, 254},
	}
	for _, tt := range tests {
		if got := roundUp(tt.ms, tt.unit); got != tt.want {
			t.Errorf("roundUp(%v, %v) = %v, want %v", tt.ms, tt.unit, got, tt.want)
		}
	}
}

func TestEstimateMeasured(t *testing.T) {
	// Billed durations measured invocation by invocation replace the rounding
	// of the average: 2.5 ms a get instead of ceil(2) = 2 ms.
	w := workload(func(w *Workload) {
		w.Get = Function{DurationMs: 2, ColdStartShare: 0.5, Measured: &Measured{
			BilledMs: Pair{2.5, 100}, InitBilledMs: Pair{10, 0},
		}}
	})
	b, err := Estimate(w, USEast1)
	if err != nil {
		t.Fatal(err)
	}
	// 1e6 × 2.5 ms × 0.125 GB = 312.5 GB-s; 500,000 cold × 10 ms × 0.125 = 625 GB-s.
	checkPair(t, "compute quantity", b.ComputeGet.Quantity, Pair{312.5, 12_500})
	checkPair(t, "init quantity", b.InitGet.Quantity, Pair{625, 0})
	checkPair(t, "billed ms", b.GetBilledMs, Pair{2.5, 100})
}

func TestEstimateInvalid(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Workload)
		prices  func(*Prices)
		wantErr string
	}{
		{"negative requests", func(w *Workload) { w.Requests = -1 }, nil, "requests per month"},
		{"list share over 1", func(w *Workload) { w.ListShare = 1.5 }, nil, "list share"},
		{"list share NaN", func(w *Workload) { w.ListShare = math.NaN() }, nil, "list share"},
		{"memory too small", func(w *Workload) { w.MemoryMB = 64 }, nil, "memory"},
		{"memory too large", func(w *Workload) { w.MemoryMB = 20000 }, nil, "memory"},
		{"unknown arch", func(w *Workload) { w.Arch = "riscv" }, nil, "architecture"},
		{"zero item", func(w *Workload) { w.ItemKB = 0 }, nil, "item size"},
		{"item over 400 KB", func(w *Workload) { w.ItemKB = 401 }, nil, "item size"},
		{"page 0", func(w *Workload) { w.PageSize = 0 }, nil, "page size"},
		{"page 1001", func(w *Workload) { w.PageSize = 1001 }, nil, "page size"},
		{"negative duration", func(w *Workload) { w.Get.DurationMs = -1 }, nil, "get: duration"},
		{"infinite init", func(w *Workload) { w.List.InitMs = math.Inf(1) }, nil, "list: init"},
		{"cold share 2", func(w *Workload) { w.Get.ColdStartShare = 2 }, nil, "cold-start share"},
		{"negative writes", func(w *Workload) { w.WritesPerMonth = -5 }, nil, "writes"},
		{"bad measured", func(w *Workload) { w.Get.Measured = &Measured{BilledMs: Pair{-1, 0}} }, nil, "measured"},
		{"negative price", func(*Workload) {}, func(p *Prices) { p.DynamoDBReadsPerMillion = -0.1 }, "DynamoDB price"},
		{"NaN price", func(*Workload) {}, func(p *Prices) { p.LambdaGBSecondARM64 = math.NaN() }, "arm64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := USEast1
			if tt.prices != nil {
				tt.prices(&p)
			}
			_, err := Estimate(workload(tt.mod), p)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Estimate error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDefaultWorkloadIsValid(t *testing.T) {
	b, err := Estimate(DefaultWorkload(), USEast1)
	if err != nil {
		t.Fatalf("Estimate(DefaultWorkload()): %v", err)
	}
	if b.Total.Ms1 <= 0 || b.Total.Saving() <= 0 {
		t.Errorf("total %+v: want a positive total and a positive saving", b.Total)
	}
	if w := DefaultWorkload(); w.MemoryMB != deploy.MemoryMB {
		t.Errorf("default memory %d MB, but the stack deploys %d MB", w.MemoryMB, deploy.MemoryMB)
	}
}

func TestTierNotes(t *testing.T) {
	b, err := Estimate(workload(func(w *Workload) { w.Requests = 400_000_000 }), USEast1)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Notes) != 1 || !strings.Contains(b.Notes[0], "300 million") {
		t.Errorf("notes = %q, want the HTTP API tier note", b.Notes)
	}
	b, err = Estimate(workload(func(w *Workload) { w.Requests, w.MemoryMB = 100_000_000_000, 10240 }), USEast1)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Notes) != 2 || !strings.Contains(b.Notes[1], "7.5 billion") {
		t.Errorf("notes = %q, want the HTTP API and Lambda tier notes", b.Notes)
	}
}

func TestParseArch(t *testing.T) {
	tests := []struct {
		in   string
		want Arch
		ok   bool
	}{
		{"arm64", ARM64, true}, {"AArch64", ARM64, true}, {"x86_64", X86_64, true}, {"amd64", X86_64, true},
		{"", "", false}, {"arm", "", false},
	}
	for _, tt := range tests {
		got, err := ParseArch(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseArch(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func BenchmarkEstimate(b *testing.B) {
	w := DefaultWorkload()
	for b.Loop() {
		if _, err := Estimate(w, USEast1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestListPageCutAtBudget prices a list page as the API serves it: a page of
// large items stops at the API's page budget, so it reads and returns fewer
// items than its limit.
func TestListPageCutAtBudget(t *testing.T) {
	tests := []struct {
		name      string
		itemKB    float64
		pageSize  int
		wantItems int
		wantRRU   float64
		wantNote  bool
	}{
		// api.MaxPageBytes (6,283,096) / (409,600 + 1) = 15 items; 15 × 100 units × 0.5.
		{"400KB items, limit 1000", 400, 1000, 15, 750, true},
		{"400KB items, limit 15", 400, 15, 15, 750, false},
		{"400KB items, limit 1", 400, 1, 1, 50, false},
		// 6,283,096 / (102,400 + 1) = 61 items.
		{"100KB items, limit 100", 100, 100, 61, 61 * 25 * 0.5, true},
		{"1KB items, limit 1000", 1, 1000, 1000, 125, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Estimate(workload(func(w *Workload) { w.ItemKB, w.PageSize = tt.itemKB, tt.pageSize }), USEast1)
			if err != nil {
				t.Fatalf("Estimate: %v", err)
			}
			if b.ListPageItems != tt.wantItems || b.ListPageRRU != tt.wantRRU {
				t.Errorf("page of %d items, %v RRU; want %d items, %v RRU", b.ListPageItems, b.ListPageRRU, tt.wantItems, tt.wantRRU)
			}
			note := strings.Contains(strings.Join(b.Notes, "\n"), "page budget")
			if note != tt.wantNote {
				t.Errorf("notes %q: budget note %v, want %v", b.Notes, note, tt.wantNote)
			}
		})
	}
}
