package dynamodb

import (
	"fmt"
	"math"
	"strconv"

	"github.com/movieskit/movies"
)

// maxQuoted is how many bytes of a value an error message quotes.
const maxQuoted = 60

// DynamoDB's limits on numbers. Its item size limit is movies.MaxRecordBytes
// and its nesting limit movies.MaxNestingDepth, which every store applies.
const (
	maxNumberDigits   = 38
	minNumberExponent = -130 // smallest magnitude is 1E-130
	maxNumberExponent = 125  // largest magnitude is 9.99…E+125
	maxNumberPairs    = 20   // digit pairs of the largest mantissa (38 digits, misaligned)
)

// checkNumber reports whether DynamoDB can store the JSON number s exactly:
// an exponent it can read (see parseNumber), at most 38 significant digits
// and a magnitude from 1E-130 to below 1E+126. Zero has no magnitude.
func checkNumber(s string) error {
	digits, exp, err := parseNumber(s)
	if err != nil {
		return movies.Errorf(movies.EINVALID, "number %s is not valid in DynamoDB: its exponent is out of range", movies.Shorten(s, maxQuoted))
	}
	if digits == 0 {
		return nil
	}
	if digits > maxNumberDigits {
		return movies.Errorf(movies.EINVALID,
			"number %s has %d significant digits; DynamoDB stores at most %d", movies.Shorten(s, maxQuoted), digits, maxNumberDigits)
	}
	if exp < minNumberExponent || exp > maxNumberExponent {
		return movies.Errorf(movies.EINVALID,
			"number %s is out of DynamoDB's range (1E%d to 9.9E+%d)", movies.Shorten(s, maxQuoted), minNumberExponent, maxNumberExponent)
	}
	return nil
}

// parseNumber returns the count of significant digits of the JSON number s
// and its exponent in scientific notation (d.ddd × 10^exp). Zero has no
// significant digits. Like DynamoDB (measured against DynamoDB Local, whose
// numbers are Java BigDecimals), it refuses a number whose written exponent
// or whose scale (digits after the point minus the exponent) is outside the
// 32-bit range, zero included: 0e-2147483647 is stored, 0e-2147483648 is not.
func parseNumber(s string) (digits int, exp int64, err error) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[start:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fs:i]
	}
	var e int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		e, err = strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("exponent of %q: %w", s, err)
		}
		i = len(s)
	}
	if intPart == "" || i != len(s) {
		return 0, 0, fmt.Errorf("%q is not a JSON number", s)
	}
	if scale := int64(len(frac)) - e; scale < math.MinInt32 || scale > math.MaxInt32 {
		return 0, 0, fmt.Errorf("scale of %q: out of range", s)
	}
	all := intPart + frac
	lead := 0
	for lead < len(all) && all[lead] == '0' {
		lead++
	}
	trail := len(all)
	for trail > lead && all[trail-1] == '0' {
		trail--
	}
	if lead == trail {
		return 0, 0, nil
	}
	// The first significant digit sits at position lead; the decimal point
	// after len(intPart) digits.
	return trail - lead, e + int64(len(intPart)-lead-1), nil
}

// numberSize returns the bytes DynamoDB counts for the number s: one byte
// for the exponent and one per pair of digits, pairs aligned on the decimal
// point (1.5 is the pairs 01 and 50), from the first significant digit to
// the last, plus one for a negative number whose pairs do not already fill the
// 20-byte mantissa; zero takes one byte. Measured
// against DynamoDB Local at the 400 KB limit (the documented rule, one byte
// per two significant digits, undercounts 1.5 by one).
func numberSize(s string) int {
	digits, exp, err := parseNumber(s)
	switch {
	case err != nil:
		return len(s) // not reached for a checked number; never undercount
	case digits == 0:
		return 1
	}
	lo := exp - int64(digits) + 1 // position of the last significant digit
	pairs := int(floorHalf(exp)-floorHalf(lo)) + 1
	if s[0] == '-' && pairs < maxNumberPairs {
		pairs++ // a negative number ends with a terminator byte, unless its mantissa is full
	}
	return pairs + 1
}

// floorHalf returns ⌊p/2⌋.
func floorHalf(p int64) int64 {
	if p < 0 {
		return -((-p + 1) / 2)
	}
	return p / 2
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
