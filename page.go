package movies

import (
	"strconv"
)

// EncodedSize returns the length of m as the API writes it in a response,
// {"year":Y,"title":T,"info":I}, with the title escaped as encoding/json
// does without HTML escaping and Info as it is. It is exact when Info is
// compact JSON, as the stores hold it, and an upper bound otherwise.
func (m *Movie) EncodedSize() int { return EncodedSize(m.Year, m.Title, len(m.Info)) }

// EncodedSize returns the EncodedSize of a movie whose Info is infoLen bytes
// long, for a store that sizes a movie before it copies the info.
func EncodedSize(year int, title string, infoLen int) int {
	var t byteCounter
	_ = newJSONEncoder(&t).Encode(title) // cannot fail: a string (invalid UTF-8 is replaced)
	n := len(`{"year":`) + len(strconv.Itoa(year)) + len(`,"title":`) + int(t) - len("\n") + len(`}`)
	if infoLen > 0 {
		n += len(`,"info":`) + infoLen
	}
	return n
}

// byteCounter is an io.Writer that only counts the bytes written to it.
type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// PageBudget counts the size of a page's movies against ListOptions.MaxBytes:
// each movie's EncodedSize plus one comma between movies. Stores use it to
// stop reading, and decoding, once a page is full.
type PageBudget struct {
	limit, used, n int
}

// NewPageBudget returns a budget of limit bytes; limit <= 0 means no bound.
func NewPageBudget(limit int) PageBudget { return PageBudget{limit: limit} }

// Add reports whether a movie of encoded size size still fits in the page
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
