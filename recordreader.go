package movies

import (
	"bytes"
	"encoding/json"
)

// recordReader walks the top level of one JSON object. It finds where each
// value ends without decoding it; values are checked by their decoders.
type recordReader struct {
	b []byte
	i int
}

func (r *recordReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, reporting whether c was there.
func (r *recordReader) consume(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (r *recordReader) end() bool {
	r.space()
	return r.i == len(r.b)
}

// literal returns the bare word at the current position (true, null, a number...).
func (r *recordReader) literal() []byte {
	r.space()
	start := r.i
	for r.i < len(r.b) && !isDelimiter(r.b[r.i]) {
		r.i++
	}
	return r.b[start:r.i]
}

// isDelimiter reports whether c ends a bare JSON word.
func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ':', ']', '}':
		return true
	}
	return false
}

// key reads an object key and the colon after it.
func (r *recordReader) key() (string, bool) {
	r.space()
	v, ok := r.stringToken()
	if !ok || !r.consume(':') {
		return "", false
	}
	return decodeString(v)
}

// stringToken returns the string token at the current position, quotes included.
func (r *recordReader) stringToken() ([]byte, bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	start := r.i
	for r.i++; r.i < len(r.b); r.i++ {
		switch r.b[r.i] {
		case '\\':
			r.i++
		case '"':
			r.i++
			return r.b[start:r.i], true
		}
	}
	return nil, false
}

// value returns the bytes of the value at the current position.
func (r *recordReader) value() ([]byte, bool) {
	r.space()
	if r.i >= len(r.b) {
		return nil, false
	}
	start := r.i
	switch r.b[r.i] {
	case '"':
		return r.stringToken()
	case '{', '[':
		depth := 0
		for ; r.i < len(r.b); r.i++ {
			switch r.b[r.i] {
			case '"':
				if _, ok := r.stringToken(); !ok {
					return nil, false
				}
				r.i-- // the loop's increment steps past the closing quote
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					r.i++
					return r.b[start:r.i], true
				}
			}
		}
		return nil, false
	default:
		if w := r.literal(); len(w) > 0 {
			return r.b[start:r.i], true
		}
		return nil, false
	}
}

// decodeString decodes a JSON string value. A string without escapes keeps
// its bytes exactly; one with escapes is decoded by encoding/json.
func decodeString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}
