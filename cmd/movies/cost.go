package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/movieskit/movies/cost"
)

// costOptions are the flags of `movies cost` that are not fields of the
// workload or the price table.
type costOptions struct {
	arch     string
	initMs   float64
	coldShr  float64
	fromLogs []string
	format   string
}

// costLogs are the profiles measured in --from-logs files, by function.
type costLogs map[string]cost.Profile

func newCostCmd() *cobra.Command {
	w := cost.DefaultWorkload()
	p := cost.USEast1
	o := costOptions{arch: string(w.Arch), initMs: w.Get.InitMs, coldShr: w.Get.ColdStartShare, format: "table"}
	cmd := &cobra.Command{
		Use:   "cost [flags]",
		Short: "Estimate what a month of traffic costs on AWS, 1 ms billing vs 100 ms rounding",
		Long: `Estimate the monthly AWS bill of the movies API for a given traffic:
API Gateway HTTP API -> Lambda functions get and list (container image) ->
DynamoDB on-demand table. Each line item is shown under today's 1 ms Lambda
duration billing and under the 100 ms rounding Lambda applied until December
2020, with the saving.

Prices are the dated us-east-1 table in package cost; override any of them
with the --price-* flags. Durations can come from real logs: --from-logs reads
Lambda (or RIE) REPORT lines, text or JSON log format, and replaces the
assumed durations, init duration and cold-start share of the function whose
logs they are (FILE for both, get=FILE or list=FILE for one).

Rules: a cold start is billed (init + invoke, rounded up); GetItem reads
ceil(item/4 KB) units, a list page ceil(page bytes/4 KB) units, eventually
consistent reads half; HTTP API requests are metered per 512 KB of response.
Not included: free tiers, volume tiers past the first, data transfer,
CloudWatch Logs, ECR and DynamoDB storage. Exit code 2 on bad flags.`,
		Example: `  movies cost
  movies cost --requests 50000000 --list-share 0.05 --memory 256 --arch x86_64
  movies cost --from-logs get=get.log --from-logs list=list.log --cold-start-share 0.005
  movies cost --price-ddb-read 0.1425 --format json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return withExitCode(2, fmt.Errorf("movies cost takes no arguments, got %q", args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCost(cmd, w, p, o)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withExitCode(2, err) })
	addCostFlags(cmd.Flags(), &w, &p, &o)
	return cmd
}

// addCostFlags registers the workload, price and output flags.
func addCostFlags(f *pflag.FlagSet, w *cost.Workload, p *cost.Prices, o *costOptions) {
	f.Int64Var(&w.Requests, "requests", w.Requests, "HTTP requests a month, get and list together")
	f.Float64Var(&w.ListShare, "list-share", w.ListShare, "share of requests that are list, 0-1 (the rest are get)")
	f.IntVar(&w.MemoryMB, "memory", w.MemoryMB, fmt.Sprintf("Lambda memory of both functions, MB (%d-%d)", cost.MinMemoryMB, cost.MaxMemoryMB))
	f.StringVar(&o.arch, "arch", o.arch, "Lambda architecture: arm64 or x86_64")
	f.Float64Var(&w.Get.DurationMs, "duration-get-ms", w.Get.DurationMs, "average duration of a get invocation, ms")
	f.Float64Var(&w.List.DurationMs, "duration-list-ms", w.List.DurationMs, "average duration of a list invocation, ms")
	f.Float64Var(&o.coldShr, "cold-start-share", o.coldShr, "share of invocations that are cold starts, 0-1 (overrides the share in --from-logs)")
	f.Float64Var(&o.initMs, "init-ms", o.initMs, "average Init Duration of a cold start, ms (billed: container image); overrides the init in --from-logs")
	f.Float64Var(&w.ItemKB, "item-kb", w.ItemKB, "average DynamoDB item size, KB of 1,024 bytes (the AWS sample averages about 0.8)")
	f.IntVar(&w.PageSize, "page-size", w.PageSize, "items a list request reads (its limit), 1-1000")
	f.BoolVar(&w.StronglyConsistent, "strongly-consistent", false, "price reads as strongly consistent (the stores read eventually consistent, half the units)")
	f.Int64Var(&w.WritesPerMonth, "writes", 0, "DynamoDB item writes a month, e.g. 4609 to reload the sample once")
	f.StringArrayVar(&o.fromLogs, "from-logs", nil, "Lambda/RIE log file with REPORT lines: FILE for both functions, get=FILE or list=FILE for one (repeatable)")
	f.StringVar(&o.format, "format", o.format, "output format: table or json")

	f.Var((*usd)(&p.LambdaGBSecondARM64), "price-lambda-gbs-arm64", "Lambda arm64 compute, $ per GB-second")
	f.Var((*usd)(&p.LambdaGBSecondX86), "price-lambda-gbs-x86_64", "Lambda x86_64 compute, $ per GB-second")
	f.Var((*usd)(&p.LambdaRequestsPerMillion), "price-lambda-requests", "Lambda requests, $ per million")
	f.Var((*usd)(&p.HTTPAPIRequestsPerMillion), "price-http-api", "API Gateway HTTP API, $ per million requests (first tier)")
	f.Var((*usd)(&p.DynamoDBReadsPerMillion), "price-ddb-read", "DynamoDB on-demand, $ per million read request units")
	f.Var((*usd)(&p.DynamoDBWritesPerMillion), "price-ddb-write", "DynamoDB on-demand, $ per million write request units")
	f.StringVar(&p.Region, "price-region", p.Region, "region the prices are for (a label for the output)")
	f.StringVar(&p.Date, "price-date", p.Date, "date the prices were checked (a label for the output)")
}

// usd is a price flag: a finite, non-negative number of dollars, printed in
// plain decimal notation.
type usd float64

func (u *usd) String() string { return strconv.FormatFloat(float64(*u), 'f', -1, 64) }
func (u *usd) Type() string   { return "dollars" }

func (u *usd) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Errorf("want a non-negative number of dollars, got %q", s)
	}
	*u = usd(v)
	return nil
}

// runCost applies the options to w, prices it and prints the breakdown.
func runCost(cmd *cobra.Command, w cost.Workload, p cost.Prices, o costOptions) error {
	if o.format != "table" && o.format != "json" {
		return withExitCode(2, fmt.Errorf("--format must be table or json, not %q", o.format))
	}
	arch, err := cost.ParseArch(o.arch)
	if err != nil {
		return withExitCode(2, fmt.Errorf("--arch: %w", err))
	}
	w.Arch = arch
	w.Get.InitMs, w.List.InitMs = o.initMs, o.initMs
	w.Get.ColdStartShare, w.List.ColdStartShare = o.coldShr, o.coldShr
	logs, err := readCostLogs(o.fromLogs)
	if err != nil {
		return withExitCode(2, err)
	}
	if err := applyCostLogs(cmd.Flags(), &w, logs, o); err != nil {
		return withExitCode(2, err)
	}
	b, err := cost.Estimate(w, p)
	if err != nil {
		return withExitCode(2, err)
	}
	b.Notes = append(b.Notes, memoryNotes(logs, w.MemoryMB)...)
	out := cmd.OutOrStdout()
	if o.format == "json" {
		return writeCostJSON(out, b, logs)
	}
	return writeCostTable(out, b, logs, pricesOverridden(cmd.Flags()))
}

// readCostLogs reads the --from-logs files and summarizes them by function.
func readCostLogs(specs []string) (costLogs, error) {
	reports := map[string][]cost.Report{}
	for _, spec := range specs {
		fns, path := []string{"get", "list"}, spec
		if fn, rest, ok := strings.Cut(spec, "="); ok && (fn == "get" || fn == "list") {
			fns, path = []string{fn}, rest
		}
		rs, err := readReportFile(path)
		if err != nil {
			return nil, fmt.Errorf("--from-logs: %w", err)
		}
		for _, fn := range fns {
			reports[fn] = append(reports[fn], rs...)
		}
	}
	logs := costLogs{}
	for fn, rs := range reports {
		prof, err := cost.Summarize(rs)
		if err != nil {
			return nil, fmt.Errorf("--from-logs %s: %w", fn, err)
		}
		logs[fn] = prof
	}
	return logs, nil
}

// readReportFile returns the REPORT records of the log file at path.
func readReportFile(path string) ([]cost.Report, error) {
	if path == "" {
		return nil, errors.New("empty file name")
	}
	f, err := os.Open(path) //nolint:gosec // G304: the user names the log file on the command line
	if err != nil {
		return nil, fmt.Errorf("open log file: %w", err)
	}
	defer func() { _ = f.Close() }() // opened read-only: Close loses nothing
	rs, err := cost.ParseReports(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%s: no REPORT lines", path)
	}
	return rs, nil
}

// applyCostLogs replaces the assumed timings of each function that has logs
// with the measured ones. An explicit --cold-start-share or --init-ms still
// wins (a local run starts cold far more often than production, and the RIE
// does not measure a real init); logs without a cold start take --init-ms.
// An explicit duration for a function with logs is a conflict.
func applyCostLogs(flags *pflag.FlagSet, w *cost.Workload, logs costLogs, o costOptions) error {
	for _, fn := range []string{"get", "list"} {
		prof, ok := logs[fn]
		if !ok {
			continue
		}
		if name := "duration-" + fn + "-ms"; flags.Changed(name) {
			return fmt.Errorf("--%s conflicts with --from-logs, which measured %s", name, fn)
		}
		f := prof.Function()
		if flags.Changed("init-ms") || prof.ColdStarts == 0 {
			f = f.WithInit(o.initMs)
		}
		if flags.Changed("cold-start-share") {
			f.ColdStartShare = o.coldShr
		}
		if fn == "get" {
			w.Get = f
		} else {
			w.List = f
		}
	}
	return nil
}

// memoryNotes warns when logs were measured at another memory size than the
// one priced: durations change with memory (CPU grows with it).
func memoryNotes(logs costLogs, memoryMB int) []string {
	var notes []string
	for _, fn := range []string{"get", "list"} {
		if prof, ok := logs[fn]; ok && prof.MemorySizeMB > 0 && prof.MemorySizeMB != memoryMB {
			notes = append(notes, fmt.Sprintf("%s logs were measured at %d MB and are priced at %d MB (--memory); durations depend on memory",
				fn, prof.MemorySizeMB, memoryMB))
		}
	}
	return notes
}

// pricesOverridden returns the --price-* flags that were set.
func pricesOverridden(flags *pflag.FlagSet) []string {
	var set []string
	flags.Visit(func(f *pflag.Flag) {
		if strings.HasPrefix(f.Name, "price-") {
			set = append(set, "--"+f.Name+"="+f.Value.String())
		}
	})
	return set
}

// costJSON is the JSON output: the breakdown and what the logs measured.
type costJSON struct {
	cost.Breakdown
	Saving float64  `json:"saving_usd"`
	Logs   costLogs `json:"logs,omitempty"`
}

// writeCostJSON writes b (and the log profiles) as indented JSON.
func writeCostJSON(out io.Writer, b cost.Breakdown, logs costLogs) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(costJSON{Breakdown: b, Saving: b.Total.Saving(), Logs: logs}); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// writeCostTable writes b as a table with 1 ms billing and 100 ms rounding
// side by side, followed by the per-request figures and the notes.
func writeCostTable(out io.Writer, b cost.Breakdown, logs costLogs, overrides []string) error {
	w, p := b.Workload, b.Prices
	var sb strings.Builder
	fmt.Fprintf(&sb, "Monthly AWS cost of the movies API, %s prices as of %s", p.Region, p.Date)
	if len(overrides) > 0 {
		fmt.Fprintf(&sb, " with %s", strings.Join(overrides, " "))
	}
	fmt.Fprintf(&sb, "\n%s requests/month (%s get, %s list), %d MB %s, %s KB items, list pages of %d, %s reads\n\n",
		formatQty(float64(w.Requests)), formatPercent(1-w.ListShare), formatPercent(w.ListShare),
		w.MemoryMB, w.Arch, formatQty(w.ItemKB), w.PageSize, consistency(w.StronglyConsistent))

	rows := [][]string{{"LINE ITEM", "BILLED (1 MS)", "1 MS BILLING", "BILLED (100 MS)", "100 MS ROUNDING", "SAVING"}}
	for _, l := range b.Lines() {
		if l.Quantity == (cost.Pair{}) {
			continue // nothing billed: leave the line off, as a bill does
		}
		rows = append(rows, []string{l.Name,
			formatQty(l.Quantity.Ms1) + " " + l.Unit, formatUSD(l.USD.Ms1),
			formatQty(l.Quantity.Ms100) + " " + l.Unit, formatUSD(l.USD.Ms100),
			formatUSD(l.USD.Saving())})
	}
	rows = append(rows,
		[]string{"Lambda subtotal", "", formatUSD(b.Lambda.Ms1), "", formatUSD(b.Lambda.Ms100), formatUSD(b.Lambda.Saving())},
		[]string{"TOTAL", "", formatUSD(b.Total.Ms1), "", formatUSD(b.Total.Ms100), formatUSD(b.Total.Saving())})
	writeColumns(&sb, rows)

	sb.WriteString("\n")
	writeFunctionFacts(&sb, "get", b.GetBilledMs, b.GetInitBilledMs, w.Get, b.GetColdStarts, logs)
	writeFunctionFacts(&sb, "list", b.ListBilledMs, b.ListInitBilledMs, w.List, b.ListColdStarts, logs)
	sb.WriteString("A cold start is billed as round(init + invoke); under 100 ms rounding part of the init hides in the invoke's rounding.\n")
	fmt.Fprintf(&sb, "DynamoDB: a GetItem of a %s KB item reads %s RRU; a list page of %d items (%s KB) reads %s RRU, %s× a GetItem.\n",
		formatQty(w.ItemKB), formatQty(b.GetItemRRU), w.PageSize, formatQty(w.ItemKB*float64(w.PageSize)),
		formatQty(b.ListPageRRU), formatQty(b.ListPageRRU/b.GetItemRRU))
	sb.WriteString("Amounts in US dollars a month, rounded to $0.0001. Not included: free tiers, data transfer, CloudWatch Logs, ECR and DynamoDB storage.\n")
	for _, n := range b.Notes {
		sb.WriteString("Note: " + n + ".\n")
	}
	if _, err := io.WriteString(out, sb.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// writeFunctionFacts writes one line on how a function is billed.
func writeFunctionFacts(sb *strings.Builder, fn string, billed, initBilled cost.Pair, f cost.Function, coldStarts float64, logs costLogs) {
	source := "assumed"
	if prof, ok := logs[fn]; ok {
		source = fmt.Sprintf("measured over %s logged invocations", formatQty(float64(prof.Invocations)))
	}
	fmt.Fprintf(sb, "Lambda %s (%s): %s ms average, billed %s ms (100 ms rounding: %s ms); %s cold starts (%s) of %s ms init, each adding %s ms (%s ms).\n",
		fn, source, formatQty(f.DurationMs), formatQty(billed.Ms1), formatQty(billed.Ms100),
		formatQty(coldStarts), formatPercent(f.ColdStartShare), formatQty(f.InitMs),
		formatQty(initBilled.Ms1), formatQty(initBilled.Ms100))
}

// writeColumns writes rows as aligned columns: the first left-aligned, the
// others right-aligned, two spaces apart.
func writeColumns(sb *strings.Builder, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i == 0 {
				line.WriteString(c + pad)
			} else {
				line.WriteString("  " + pad + c)
			}
		}
		sb.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// consistency names the read consistency priced.
func consistency(strong bool) string {
	if strong {
		return "strongly consistent"
	}
	return "eventually consistent"
}

// formatUSD formats dollars rounded to $0.0001, with thousands separators.
func formatUSD(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	if s == "-0.0000" {
		s = "0.0000"
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	return sign + "$" + groupThousands(s)
}

// formatQty formats a quantity rounded to 2 decimals, without trailing
// zeros, with thousands separators.
func formatQty(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	return groupThousands(s)
}

// formatPercent formats a share as a percentage.
func formatPercent(share float64) string { return formatQty(share*100) + "%" }

// groupThousands puts commas between the thousands of the integer part of
// a non-negative decimal number.
func groupThousands(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}
