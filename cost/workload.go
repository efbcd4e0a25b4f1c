package cost

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
)

// Arch is a Lambda instruction set architecture.
type Arch string

// The two Lambda architectures.
const (
	ARM64  Arch = "arm64"
	X86_64 Arch = "x86_64" //nolint:revive // var-naming: spelled as Lambda names the architecture
)

// ParseArch returns the Arch named s: arm64 (or aarch64) or x86_64 (or amd64).
func ParseArch(s string) (Arch, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "arm64", "aarch64":
		return ARM64, nil
	case "x86_64", "amd64", "x86-64":
		return X86_64, nil
	}
	return "", fmt.Errorf("unknown architecture %q: want arm64 or x86_64", s)
}

// Pair holds one figure under today's 1 ms duration billing and under the
// 100 ms rounding Lambda applied to every invocation until December 2020.
type Pair struct {
	Ms1   float64 `json:"billing_1ms"`
	Ms100 float64 `json:"rounding_100ms"`
}

// Saving returns how much lower the 1 ms figure is than the 100 ms one.
func (p Pair) Saving() float64 { return p.Ms100 - p.Ms1 }

// add returns p + q.
func (p Pair) add(q Pair) Pair { return Pair{p.Ms1 + q.Ms1, p.Ms100 + q.Ms100} }

// scale returns p × k.
func (p Pair) scale(k float64) Pair { return Pair{p.Ms1 * k, p.Ms100 * k} }

// same returns a Pair with v under both billing rules.
func same(v float64) Pair { return Pair{v, v} }

// Function describes how one Lambda function (get or list) runs.
type Function struct {
	// DurationMs is the average handler (INVOKE phase) duration, in ms.
	DurationMs float64 `json:"duration_ms"`
	// InitMs is the average Init Duration of a cold start, in ms.
	InitMs float64 `json:"init_ms"`
	// ColdStartShare is the fraction of invocations that start a new
	// execution environment, 0–1.
	ColdStartShare float64 `json:"cold_start_share"`
	// Measured, when set, holds billed durations averaged over real
	// invocations (see Summarize); it replaces the rounding of the averages
	// above, which underestimates rounding (1.2 ms and 2.8 ms average 2 ms
	// but are billed 2 + 3 = 5 ms).
	Measured *Measured `json:"measured,omitempty"`
}

// Measured holds billed durations averaged over logged invocations, each
// invocation rounded on its own under both billing rules.
type Measured struct {
	// BilledMs is the mean billed INVOKE duration per invocation, in ms.
	BilledMs Pair `json:"billed_ms"`
	// InitBilledMs is the mean duration a cold start adds to the bill, in ms:
	// round(init + invoke) − round(invoke).
	InitBilledMs Pair `json:"init_billed_ms"`
}

// Workload is a month of traffic to the movies API.
type Workload struct {
	Requests  int64    `json:"requests_per_month"` // HTTP requests a month, get and list together
	ListShare float64  `json:"list_share"`         // fraction of requests that are list, 0–1
	MemoryMB  int      `json:"memory_mb"`          // Lambda memory of both functions, 128–10240
	Arch      Arch     `json:"arch"`
	Get       Function `json:"get"`
	List      Function `json:"list"`
	// ItemKB is the average DynamoDB item size in KB (1 KB = 1,024 bytes).
	ItemKB float64 `json:"item_kb"`
	// PageSize is the number of items a list request reads (its limit).
	PageSize int `json:"page_size"`
	// StronglyConsistent prices reads as strongly consistent; the stores
	// read eventually consistent, which costs half.
	StronglyConsistent bool `json:"strongly_consistent"`
	// WritesPerMonth is the number of items written a month, e.g. reloads
	// of the catalogue (the API itself only reads).
	WritesPerMonth int64 `json:"writes_per_month"`
}

// DefaultWorkload returns the workload `movies cost` prices without flags:
// 10 million requests a month, 10% of them list pages of 100 items of 1 KB,
// arm64 functions with the memory the stack deploys (deploy.MemoryMB). The
// durations are assumptions for a small Go function calling DynamoDB in the
// same region; replace them with measured ones (ParseReports) where you can.
func DefaultWorkload() Workload {
	return Workload{
		Requests:  10_000_000,
		ListShare: 0.1,
		MemoryMB:  deploy.MemoryMB,
		Arch:      ARM64,
		Get:       Function{DurationMs: 8, InitMs: 120, ColdStartShare: 0.01},
		List:      Function{DurationMs: 40, InitMs: 120, ColdStartShare: 0.01},
		ItemKB:    1,
		PageSize:  movies.DefaultLimit,
	}
}

// Limits of a Workload.
const (
	MinMemoryMB   = 128
	MaxMemoryMB   = 10240
	maxDurationMs = 900_000                      // Lambda's 15-minute timeout
	maxItemKB     = movies.MaxRecordBytes / 1024 // DynamoDB's item size limit
)

// Validate reports the first field of w that is out of range.
func (w Workload) Validate() error {
	switch {
	case w.Requests < 0:
		return fmt.Errorf("requests per month must not be negative, got %d", w.Requests)
	case !inRange(w.ListShare, 0, 1):
		return fmt.Errorf("list share must be between 0 and 1, got %v", w.ListShare)
	case w.MemoryMB < MinMemoryMB || w.MemoryMB > MaxMemoryMB:
		return fmt.Errorf("memory must be %d–%d MB, got %d", MinMemoryMB, MaxMemoryMB, w.MemoryMB)
	case w.Arch != ARM64 && w.Arch != X86_64:
		return fmt.Errorf("unknown architecture %q: want arm64 or x86_64", w.Arch)
	case !(w.ItemKB > 0 && w.ItemKB <= maxItemKB):
		return fmt.Errorf("item size must be more than 0 and at most %d KB, got %v", maxItemKB, w.ItemKB)
	case w.PageSize < 1 || w.PageSize > movies.MaxLimit:
		return fmt.Errorf("page size must be 1–%d items, got %d", movies.MaxLimit, w.PageSize)
	case w.WritesPerMonth < 0:
		return fmt.Errorf("writes per month must not be negative, got %d", w.WritesPerMonth)
	}
	if err := w.Get.validate(); err != nil {
		return fmt.Errorf("get: %w", err)
	}
	if err := w.List.validate(); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	return nil
}

// validate reports the first field of f that is out of range.
func (f Function) validate() error {
	switch {
	case !inRange(f.DurationMs, 0, maxDurationMs):
		return fmt.Errorf("duration must be 0–%d ms, got %v", maxDurationMs, f.DurationMs)
	case !inRange(f.InitMs, 0, maxDurationMs):
		return fmt.Errorf("init duration must be 0–%d ms, got %v", maxDurationMs, f.InitMs)
	case !inRange(f.ColdStartShare, 0, 1):
		return fmt.Errorf("cold-start share must be between 0 and 1, got %v", f.ColdStartShare)
	}
	if m := f.Measured; m != nil {
		for _, v := range []float64{m.BilledMs.Ms1, m.BilledMs.Ms100, m.InitBilledMs.Ms1, m.InitBilledMs.Ms100} {
			if !inRange(v, 0, 2*maxDurationMs) {
				return errors.New("measured billed durations must be non-negative numbers")
			}
		}
	}
	return nil
}

// inRange reports whether v is a number in [lo, hi] (NaN is not).
func inRange(v, lo, hi float64) bool { return v >= lo && v <= hi && !math.IsNaN(v) }
