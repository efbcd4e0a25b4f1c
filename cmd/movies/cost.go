//go:build !serveonly

package main

import (
	"fmt"
	"math"
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
ceil(item/4 KB) units, a list page ceil(page bytes/4 KB) units (a page of
large items holds only what fits in the API's page budget), eventually
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
	f.IntVar(&w.PageSize, "page-size", w.PageSize, "items a list request asks for (its limit), 1-1000; a page of large items holds fewer")
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
	logs, err := cost.ReadLogFiles(o.fromLogs)
	if err != nil {
		return withExitCode(2, fmt.Errorf("--from-logs: %w", err))
	}
	flags := cmd.Flags()
	for _, fn := range cost.Functions {
		if _, ok := logs[fn]; ok && flags.Changed("duration-"+fn+"-ms") {
			return withExitCode(2, fmt.Errorf("--duration-%s-ms conflicts with --from-logs, which measured %s", fn, fn))
		}
	}
	logs.Apply(&w, cost.Explicit{InitMs: flags.Changed("init-ms"), ColdStartShare: flags.Changed("cold-start-share")})
	b, err := cost.Estimate(w, p)
	if err != nil {
		return withExitCode(2, err)
	}
	b.Notes = append(b.Notes, logs.MemoryNotes(w.MemoryMB)...)
	if o.format == "json" {
		return cost.WriteJSON(cmd.OutOrStdout(), b, logs)
	}
	return cost.WriteTable(cmd.OutOrStdout(), b, logs, pricesOverridden(flags))
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
