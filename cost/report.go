package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/movieskit/movies/deploy"
)

// breakdownJSON is the JSON output: the breakdown and what the logs measured.
type breakdownJSON struct {
	Breakdown
	Saving float64      `json:"saving_usd"`
	Logs   Measurements `json:"logs,omitempty"`
}

// WriteJSON writes b, its saving and the log profiles as indented JSON.
func WriteJSON(out io.Writer, b Breakdown, logs Measurements) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(breakdownJSON{Breakdown: b, Saving: b.Total.Saving(), Logs: logs}); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// WriteTable writes b as a table with 1 ms billing and 100 ms rounding side
// by side, followed by the per-request figures and the notes. logs are the
// measurements behind b, if any; overrides name the prices changed from the
// dated table, e.g. --price-http-api=3.5.
func WriteTable(out io.Writer, b Breakdown, logs Measurements, overrides []string) error {
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
		if l.Quantity == (Pair{}) {
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
	writeFunctionFacts(&sb, deploy.FunctionGet, b.GetBilledMs, b.GetInitBilledMs, w.Get, b.GetColdStarts, logs)
	writeFunctionFacts(&sb, deploy.FunctionList, b.ListBilledMs, b.ListInitBilledMs, w.List, b.ListColdStarts, logs)
	sb.WriteString("A cold start is billed as round(init + invoke); under 100 ms rounding part of the init hides in the invoke's rounding.\n")
	fmt.Fprintf(&sb, "DynamoDB: a GetItem of a %s KB item reads %s RRU; a list page of %d items (%s KB) reads %s RRU, %s× a GetItem.\n",
		formatQty(w.ItemKB), formatQty(b.GetItemRRU), b.ListPageItems, formatQty(w.ItemKB*float64(b.ListPageItems)),
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
func writeFunctionFacts(sb *strings.Builder, fn string, billed, initBilled Pair, f Function, coldStarts float64, logs Measurements) {
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
