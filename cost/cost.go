// Package cost prices a month of traffic to the movies API on AWS: an API
// Gateway HTTP API in front of two Lambda functions (get and list, one
// container image) reading a DynamoDB on-demand table. It is plain arithmetic
// over a dated price table (Prices) and a Workload, and it puts today's 1 ms
// duration billing next to the 100 ms rounding Lambda used until December
// 2020. ParseReports and Summarize turn Lambda REPORT log lines into
// measured durations.
//
// The billing rules applied:
//
//   - Lambda duration: each invocation's duration is rounded up to the next
//     1 ms (or, for comparison, 100 ms), with a minimum of one unit, and
//     billed in GB-seconds: billed seconds × memory MB / 1024.
//   - Lambda init: a cold start is billed. The billed duration of a cold
//     invocation is round(Init Duration + Duration); the init line is what
//     the cold start adds, round(init + invoke) − round(invoke). Container
//     images (like ours), custom runtimes and provisioned concurrency have
//     always been billed for INIT; since 1 August 2025 Lambda bills INIT for
//     every on-demand function, ZIP packages on managed runtimes included
//     (AWS Compute Blog, "AWS Lambda standardizes billing for INIT Phase").
//   - DynamoDB reads: GetItem consumes ceil(item bytes / 4 KB) read units;
//     Query and Scan consume ceil(total bytes of the items read / 4 KB), so a
//     page of 100 small items costs far more than one GetItem; an eventually
//     consistent read (what the stores do) costs half. Writes consume
//     ceil(item bytes / 1 KB) write units.
//   - HTTP API: one request per started 512 KB of response payload.
//
// Not priced: free tiers, volume tiers past the first, data transfer,
// CloudWatch Logs, ECR image storage, DynamoDB storage and backups.
//
// Amounts are float64 US dollars, unrounded; round only when printing.
package cost

import (
	"fmt"
	"math"

	"github.com/movieskit/movies/api"
)

// Line is one line item of a monthly bill.
type Line struct {
	Name     string `json:"name"`
	Unit     string `json:"unit"`     // what Quantity counts
	Quantity Pair   `json:"quantity"` // billed units a month
	USD      Pair   `json:"usd"`      // dollars a month
}

// Breakdown is the monthly bill of a Workload, line by line, under 1 ms
// billing and under the old 100 ms rounding.
type Breakdown struct {
	Prices   Prices   `json:"prices"`
	Workload Workload `json:"workload"`

	HTTPAPI        Line `json:"http_api"`
	LambdaRequests Line `json:"lambda_requests"`
	ComputeGet     Line `json:"lambda_compute_get"`
	ComputeList    Line `json:"lambda_compute_list"`
	InitGet        Line `json:"lambda_init_get"`
	InitList       Line `json:"lambda_init_list"`
	ReadsGet       Line `json:"dynamodb_reads_get"`
	ReadsList      Line `json:"dynamodb_reads_list"`
	Writes         Line `json:"dynamodb_writes"`

	Lambda Pair `json:"lambda_usd"` // Lambda requests, compute and init
	Total  Pair `json:"total_usd"`

	// Per request and per invocation figures behind the lines.
	GetItemRRU       float64 `json:"getitem_rru"`         // read units of one GetItem
	ListPageRRU      float64 `json:"list_page_rru"`       // read units of one list page
	ListPageItems    int     `json:"list_page_items"`     // items a list page holds: the page size, or fewer when the page budget cuts it
	GetBilledMs      Pair    `json:"get_billed_ms"`       // billed ms of a warm get
	ListBilledMs     Pair    `json:"list_billed_ms"`      // billed ms of a warm list
	GetInitBilledMs  Pair    `json:"get_init_billed_ms"`  // billed ms a get cold start adds
	ListInitBilledMs Pair    `json:"list_init_billed_ms"` // billed ms a list cold start adds
	GetColdStarts    float64 `json:"get_cold_starts"`     // cold starts a month
	ListColdStarts   float64 `json:"list_cold_starts"`

	// Notes are caveats about this estimate, e.g. volume past a first tier.
	Notes []string `json:"notes,omitempty"`
}

// Lines returns the line items in the order a bill lists them.
func (b Breakdown) Lines() []Line {
	return []Line{
		b.HTTPAPI, b.LambdaRequests,
		b.ComputeGet, b.ComputeList, b.InitGet, b.InitList,
		b.ReadsGet, b.ReadsList, b.Writes,
	}
}

// Sizes DynamoDB and API Gateway meter in.
const (
	kb               = 1024
	readUnitBytes    = 4 * kb
	writeUnitBytes   = 1 * kb
	httpAPIUnitBytes = 512 * kb
)

// Estimate prices w at prices p.
func Estimate(w Workload, p Prices) (Breakdown, error) {
	if err := w.Validate(); err != nil {
		return Breakdown{}, fmt.Errorf("workload: %w", err)
	}
	if err := p.Validate(); err != nil {
		return Breakdown{}, fmt.Errorf("prices: %w", err)
	}
	b := Breakdown{Prices: p, Workload: w}
	listReqs := float64(w.Requests) * w.ListShare
	getReqs := float64(w.Requests) - listReqs
	itemBytes := max(int64(math.Round(w.ItemKB*kb)), 1)
	b.ListPageItems = pageItems(itemBytes, w.PageSize)
	pageBytes := itemBytes * int64(b.ListPageItems)

	b.HTTPAPI = perRequestLine("API Gateway HTTP API", "requests",
		getReqs*float64(ceilDiv(itemBytes, httpAPIUnitBytes))+listReqs*float64(ceilDiv(pageBytes, httpAPIUnitBytes)),
		p.HTTPAPIRequestsPerMillion)
	b.LambdaRequests = perRequestLine("Lambda requests", "invocations", float64(w.Requests), p.LambdaRequestsPerMillion)

	gb := float64(w.MemoryMB) / kb
	gbSec := p.GBSecond(w.Arch)
	b.GetBilledMs, b.GetInitBilledMs = w.Get.billedMs()
	b.ListBilledMs, b.ListInitBilledMs = w.List.billedMs()
	b.GetColdStarts = getReqs * w.Get.ColdStartShare
	b.ListColdStarts = listReqs * w.List.ColdStartShare
	b.ComputeGet = durationLine("Lambda compute: get", b.GetBilledMs.scale(getReqs*gb/1000), gbSec)
	b.ComputeList = durationLine("Lambda compute: list", b.ListBilledMs.scale(listReqs*gb/1000), gbSec)
	b.InitGet = durationLine("Lambda init: get", b.GetInitBilledMs.scale(b.GetColdStarts*gb/1000), gbSec)
	b.InitList = durationLine("Lambda init: list", b.ListInitBilledMs.scale(b.ListColdStarts*gb/1000), gbSec)

	readUnit := 0.5
	if w.StronglyConsistent {
		readUnit = 1
	}
	b.GetItemRRU = float64(ceilDiv(itemBytes, readUnitBytes)) * readUnit
	b.ListPageRRU = float64(ceilDiv(pageBytes, readUnitBytes)) * readUnit
	b.ReadsGet = perRequestLine("DynamoDB reads: GetItem", "RRU", getReqs*b.GetItemRRU, p.DynamoDBReadsPerMillion)
	b.ReadsList = perRequestLine("DynamoDB reads: list pages", "RRU", listReqs*b.ListPageRRU, p.DynamoDBReadsPerMillion)
	b.Writes = perRequestLine("DynamoDB writes", "WRU",
		float64(w.WritesPerMonth)*float64(ceilDiv(itemBytes, writeUnitBytes)), p.DynamoDBWritesPerMillion)

	b.Lambda = b.LambdaRequests.USD.add(b.ComputeGet.USD).add(b.ComputeList.USD).add(b.InitGet.USD).add(b.InitList.USD)
	for _, l := range b.Lines() {
		b.Total = b.Total.add(l.USD)
	}
	b.Notes = tierNotes(b)
	if b.ListPageItems < w.PageSize {
		b.Notes = append(b.Notes, fmt.Sprintf("a list page holds %d items of %s KB, not %d: the API cuts a page at its %s-byte page budget (what fits in Lambda's response limit) "+
			"and the next page continues after it, so a request returns only what fits; DynamoDB may also read, and charge for, "+
			"the rest of the last response the store asked for (up to 1 MB), so the read units of such a page are a lower bound",
			b.ListPageItems, formatQty(w.ItemKB), w.PageSize, formatQty(float64(api.MaxPageBytes))))
	}
	return b, nil
}

// pageItems returns how many items of itemBytes a list page of pageSize
// returns: the API stops a page before the first item that would take its
// movies past api.MaxPageBytes, and always returns at least one. An item is
// counted as its size: the JSON of a movie whose info has nothing to escape.
func pageItems(itemBytes int64, pageSize int) int {
	fit := int64(api.MaxPageBytes) / (itemBytes + 1) // one comma between items
	return int(max(min(int64(pageSize), fit), 1))
}

// billedMs returns the billed duration of a warm invocation of f and what a
// cold start adds to it, in ms, under both billing rules.
func (f Function) billedMs() (invoke, init Pair) {
	if f.Measured != nil {
		return f.Measured.BilledMs, f.Measured.InitBilledMs
	}
	return billedPair(f.DurationMs), initPair(f.InitMs, f.DurationMs)
}

// billedPair returns the billed duration of one invocation that ran ms.
func billedPair(ms float64) Pair { return Pair{roundUp(ms, 1), roundUp(ms, 100)} }

// initPair returns what a cold start with init ms adds to the billed
// duration of an invocation that ran invoke ms.
func initPair(init, invoke float64) Pair {
	return billedPair(init + invoke).add(billedPair(invoke).scale(-1))
}

// roundUp rounds ms up to a whole number of units of unitMs, at least one.
// ms is first rounded to the nanosecond so that float noise in an average
// (200.00000000001) does not add a unit.
func roundUp(ms, unitMs float64) float64 {
	ms = math.Round(ms*1e6) / 1e6
	return max(math.Ceil(ms/unitMs), 1) * unitMs
}

// ceilDiv returns ⌈a / b⌉ for a ≥ 0, b > 0, and at least 1.
func ceilDiv(a, b int64) int64 { return max((a+b-1)/b, 1) }

// perRequestLine returns a line for n units priced per million units,
// the same under both billing rules.
func perRequestLine(name, unit string, n, perMillion float64) Line {
	return Line{Name: name, Unit: unit, Quantity: same(n), USD: same(n * perMillion / 1e6)}
}

// durationLine returns a line for billed GB-seconds at perGBSecond.
func durationLine(name string, gbSeconds Pair, perGBSecond float64) Line {
	return Line{Name: name, Unit: "GB-s", Quantity: gbSeconds, USD: gbSeconds.scale(perGBSecond)}
}

// tierNotes warns where the volume passes a first pricing tier.
func tierNotes(b Breakdown) []string {
	var notes []string
	if b.HTTPAPI.Quantity.Ms1 > httpAPIFirstTierRequests {
		notes = append(notes, "HTTP API requests past 300 million a month cost less than the first-tier price used here")
	}
	gbs := b.ComputeGet.Quantity.add(b.ComputeList.Quantity).add(b.InitGet.Quantity).add(b.InitList.Quantity)
	limit := float64(lambdaFirstTierGBSecARM)
	if b.Workload.Arch == X86_64 {
		limit = lambdaFirstTierGBSecX86
	}
	if gbs.Ms100 > limit {
		notes = append(notes, fmt.Sprintf("Lambda GB-seconds past %.1f billion a month cost less than the first-tier price used here", limit/1e9))
	}
	return notes
}
