package movies

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// A list page travels inside the function's response: API Gateway takes the
// body as a JSON string, so a page's size against Lambda's payload limit is
// the size of its JSON once escaped as a string, where '"' takes 2 bytes and
// '<' 6. EscapedSize gives it for a movie, EscapedLen for any bytes.

// EscapedSize returns the length of m as the API writes it in a list body,
// {"year":Y,"title":T,"info":I}, with the title encoded as AppendJSON does
// and Info as it is, then escaped as json.Marshal escapes a string (quotes
// not counted): the bytes m takes in the function's response. It is exact
// when Info is compact JSON, as the stores hold it, and an upper bound
// otherwise.
func (m *Movie) EscapedSize() int { return EscapedSize(m.Year, m.Title, m.Info) }

// EscapedSize returns the EscapedSize of a movie of that year, title and
// info, for a store that sizes a movie before it copies the info.
func EscapedSize(year int, title string, info []byte) int {
	var t escapedCounter
	_ = newJSONEncoder(&t).Encode(title) // cannot fail: a string (invalid UTF-8 is replaced)
	n := len(`{\"year\":`) + len(strconv.Itoa(year)) + len(`,\"title\":`) + int(t) + len(`}`)
	if len(info) > 0 {
		n += len(`,\"info\":`) + EscapedLen(info)
	}
	return n
}

// escapedCounter is an io.Writer for one json.Encoder.Encode call, which
// writes once: it counts the EscapedLen of what is written, but for the
// encoder's trailing newline.
type escapedCounter int

func (c *escapedCounter) Write(p []byte) (int, error) {
	*c += escapedCounter(EscapedLen(bytes.TrimSuffix(p, []byte("\n"))))
	return len(p), nil
}

// EscapedLen returns the length of p inside a JSON string as json.Marshal
// writes it, quotes not counted: '"' and '\\' take 2 bytes, control
// characters 2 or 6, '<', '>' and '&' 6 (Marshal escapes HTML; the Lambda
// runtime does not, so it writes at most this), U+2028 and U+2029 6, and a
// byte that is not part of valid UTF-8 6 (\ufffd). p is read once; EscapedLen
// of p and q together is their sum when p ends on a character boundary.
func EscapedLen(p []byte) int {
	n := len(p)
	for i := 0; i < len(p); {
		if c := p[i]; c < utf8.RuneSelf {
			n += int(escapeExtra.ascii[c])
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case size == 1: // not valid UTF-8
			n += escapeExtra.invalid
		case r == '\u2028' || r == '\u2029':
			n += escapeExtra.separator
		}
		i += size
	}
	return n
}

// MaxEscapeFactor bounds EscapedLen: no byte of p takes more than this many
// bytes in a JSON string ('<' and control characters take 6, a byte that is
// not valid UTF-8 takes 6, and U+2028 takes 6 for its 3).
const MaxEscapeFactor = 6

// escapeExtra is what json.Marshal adds to each byte or character it
// escapes in a string, read off json.Marshal itself so that EscapedLen
// cannot drift from it.
var escapeExtra = func() (t struct {
	ascii              [utf8.RuneSelf]byte
	invalid, separator int
}) {
	extra := func(s string) int {
		b, err := json.Marshal(s)
		if err != nil {
			panic(err) // a string always encodes
		}
		return len(b) - len(`""`) - len(s)
	}
	for c := range t.ascii {
		t.ascii[c] = byte(extra(string(rune(c))))
	}
	t.invalid, t.separator = extra("\xff"), extra("\u2028")
	return t
}()

// PageBudget counts the size of a page's movies against ListOptions.MaxBytes:
// each movie's EscapedSize plus one comma between movies. Stores use it to
// stop reading, and decoding, once a page is full.
type PageBudget struct {
	limit, used, n int
}

// NewPageBudget returns a budget of limit bytes; limit <= 0 means no bound.
func NewPageBudget(limit int) PageBudget { return PageBudget{limit: limit} }

// Add reports whether a movie of escaped size size still fits in the page
// and counts it if so. The first movie always fits.
func (b *PageBudget) Add(size int) bool {
	next := b.used + size
	if b.n > 0 {
		next++ // the comma before it
	}
	if b.limit > 0 && b.n > 0 && next > b.limit {
		return false
	}
	b.used, b.n = next, b.n+1
	return true
}

// Used returns the bytes counted so far.
func (b *PageBudget) Used() int { return b.used }
