package main

import (
	"fmt"
	"io"
	"strings"
)

// Byte multiples. Sizes in the table are in MB of 10^6 bytes, the strict
// reading of the targets; benchmarks report MiB (2^20) and /proc reports kB (2^10).
const (
	kib = 1 << 10
	mib = 1 << 20
)

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func formatRatio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// formatNs formats a duration in nanoseconds with a unit that keeps 3 significant digits.
func formatNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func formatMB(bytes float64) string { return fmt.Sprintf("%.1f MB", bytes/1e6) }

// verdictCell is how a verdict appears in the table.
func verdictCell(r Row) string {
	switch r.Verdict {
	case Met:
		return "✅ met"
	case Missed:
		return "❌ missed"
	case NotRun:
		return "⚠️ not run"
	case Failed:
		return "💥 FAILED"
	}
	return "—"
}

// WriteTable writes rows as a markdown table, then the notes of the rows.
func WriteTable(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| # | Measurement | Ours | Baseline | Ratio | Target | Verdict |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(r.ID), cell(r.What), cell(r.Ours),
			cell(r.Baseline), cell(r.Ratio), cell(r.Target), verdictCell(r))
	}
	notes := false
	for _, r := range rows {
		if r.Note == "" {
			continue
		}
		if !notes {
			b.WriteString("\nNotes:\n\n")
			notes = true
		}
		fmt.Fprintf(&b, "- %s: %s\n", r.ID, oneLine(r.Note, 300))
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// cell makes s safe in a markdown table cell.
func cell(s string) string { return strings.ReplaceAll(oneLine(s, 200), "|", `\|`) }

// oneLine joins s's lines and shortens it to at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
