package cost

import "testing"

func TestFormatHelpers(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatUSD(0), "$0.0000"},
		{formatUSD(1234567.891234), "$1,234,567.8912"},
		{formatUSD(-0.00001), "$0.0000"},
		{formatUSD(-12.5), "-$12.5000"},
		{formatQty(9000000), "9,000,000"},
		{formatQty(333333.3333), "333,333.33"},
		{formatQty(0.5), "0.5"},
		{formatPercent(0.1), "10%"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
