package movies

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// UnmarshalJSON decodes a record strictly: year must be an integer, title a
// string (its bytes kept as they are, so that invalid UTF-8 is refused by
// Validate rather than silently replaced), info an object (null means absent),
// and no other top-level field may appear, so that nothing in an input file is
// silently dropped. A field may appear only once, and a string escape may not
// be a lone UTF-16 surrogate ("\ud800"), which a decoder would silently turn
// into U+FFFD.
//
// It walks the record's top level by hand instead of through a map, because
// loading a catalogue decodes every record twice (validate, then write).
func (m *Movie) UnmarshalJSON(data []byte) error {
	r := recordReader{b: data}
	if !r.consume('{') {
		if r.literal() == "null" {
			return Errorf(EINVALID, "record must be a JSON object, not null")
		}
		return Errorf(EINVALID, "record must be a JSON object")
	}
	var out Movie
	var hasYear, hasTitle, hasInfo bool
	for first := true; ; first = false {
		if r.consume('}') {
			break
		}
		if !first && !r.consume(',') {
			return Errorf(EINVALID, "record must be a JSON object")
		}
		name, ok := r.key()
		if !ok {
			return Errorf(EINVALID, "record must be a JSON object")
		}
		v, ok := r.value()
		if !ok {
			return Errorf(EINVALID, "record must be a JSON object")
		}
		switch name {
		case "year":
			if hasYear {
				return errDuplicateField(name)
			}
			y, err := decodeYear(v)
			if err != nil {
				return err
			}
			out.Year, hasYear = y, true
		case "title":
			if hasTitle {
				return errDuplicateField(name)
			}
			t, ok := decodeString(v)
			if !ok {
				return Errorf(EINVALID, "title must be a string")
			}
			if hasLoneSurrogate(v) {
				return Errorf(EINVALID, "title has a lone UTF-16 surrogate escape")
			}
			out.Title, hasTitle = t, true
		case "info":
			if hasInfo {
				return errDuplicateField(name)
			}
			hasInfo = true
			if string(v) == "null" {
				continue
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return Errorf(EINVALID, "info must be valid JSON")
			}
			out.Info = buf.Bytes()
		default:
			return Errorf(EINVALID, "unknown field %q (allowed: year, title, info)", name)
		}
	}
	if !r.end() {
		return Errorf(EINVALID, "record must be a single JSON object")
	}
	if !hasYear {
		return Errorf(EINVALID, "year is missing")
	}
	if !hasTitle {
		return Errorf(EINVALID, "title is missing")
	}
	*m = out
	return nil
}

func errDuplicateField(name string) error {
	return Errorf(EINVALID, "field %q appears more than once", name)
}

// decodeYear reads a year value: a JSON integer (no sign, fraction or
// exponent) from MinYear to MaxYear. Any other number is out of range; any
// other value is not an integer.
func decodeYear(v []byte) (int, error) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, Errorf(EINVALID, "year must be an integer")
	}
	if len(v) <= 4 && isDigits(v) {
		if y, _ := strconv.Atoi(string(v)); y >= MinYear && y <= MaxYear {
			return y, nil
		}
	}
	return 0, Errorf(EINVALID, "year must be an integer from %d to %d", MinYear, MaxYear)
}

func isDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
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

// hasLoneSurrogate reports whether the JSON string token v (quotes included)
// has a \u escape of a UTF-16 surrogate that is not part of a pair.
func hasLoneSurrogate(v []byte) bool {
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			continue
		}
		i++
		if i >= len(v) || v[i] != 'u' {
			continue
		}
		r, ok := hex4(v, i+1)
		i += 4
		if !ok || !utf16.IsSurrogate(r) {
			continue
		}
		// A high surrogate must be followed by an escaped low one.
		if r >= 0xDC00 || i+6 >= len(v) || v[i+1] != '\\' || v[i+2] != 'u' {
			return true
		}
		r2, ok := hex4(v, i+3)
		if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
			return true
		}
		i += 6
	}
	return false
}

// hex4 decodes the four hex digits at b[i:i+4].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

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
func (r *recordReader) literal() string {
	r.space()
	start := r.i
	for r.i < len(r.b) && !isDelimiter(r.b[r.i]) {
		r.i++
	}
	return string(r.b[start:r.i])
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
		if w := r.literal(); w != "" {
			return r.b[start:r.i], true
		}
		return nil, false
	}
}

// validateInfo checks that info is one valid JSON object nested at most
// MaxInfoDepth levels, in which no object has the same key twice (stores
// would keep either one or the other) and every string is valid UTF-8 with no
// lone surrogate escape (decoders would silently replace it). It checks the
// syntax with json.Valid, then walks the bytes once.
func validateInfo(info json.RawMessage) error {
	if !json.Valid(info) {
		return Errorf(EINVALID, "info must be valid JSON")
	}
	w := infoWalker{r: recordReader{b: info}}
	w.r.space()
	if w.r.i >= len(info) || info[w.r.i] != '{' {
		return Errorf(EINVALID, "info must be a JSON object")
	}
	return w.value(0)
}

// infoWalker walks a syntactically valid JSON value.
type infoWalker struct {
	r recordReader
}

// value checks the value at the current position, nested depth levels inside info.
func (w *infoWalker) value(depth int) error {
	r := &w.r
	r.space()
	switch r.b[r.i] {
	case '"':
		tok, _ := r.stringToken()
		return checkString(tok, "a string in info")
	case '[':
		if depth++; depth > MaxInfoDepth {
			return errTooDeep()
		}
		r.i++
		for first := true; !r.consume(']'); first = false {
			if !first {
				r.consume(',')
			}
			if err := w.value(depth); err != nil {
				return err
			}
		}
		return nil
	case '{':
		if depth++; depth > MaxInfoDepth {
			return errTooDeep()
		}
		r.i++
		var keys []string
		var seen map[string]struct{}
		for first := true; !r.consume('}'); first = false {
			if !first {
				r.consume(',')
			}
			r.space()
			tok, _ := r.stringToken()
			if err := checkString(tok, "a key in info"); err != nil {
				return err
			}
			k, _ := decodeString(tok)
			// Few keys: compare with each; many: a set.
			if seen == nil && len(keys) < 16 {
				for _, prev := range keys {
					if prev == k {
						return errDuplicateKey(k)
					}
				}
				keys = append(keys, k)
			} else {
				if seen == nil {
					seen = make(map[string]struct{}, 2*len(keys))
					for _, prev := range keys {
						seen[prev] = struct{}{}
					}
				}
				if _, dup := seen[k]; dup {
					return errDuplicateKey(k)
				}
				seen[k] = struct{}{}
			}
			r.consume(':')
			if err := w.value(depth); err != nil {
				return err
			}
		}
		return nil
	default:
		r.literal()
		return nil
	}
}

func errTooDeep() error {
	return Errorf(EINVALID, "info is nested more than %d levels deep", MaxInfoDepth)
}

func errDuplicateKey(k string) error {
	if len(k) > 60 {
		k = k[:60] + "…"
	}
	return Errorf(EINVALID, "info has the key %q more than once in one object", k)
}

// checkString checks a JSON string token: valid UTF-8 and no lone surrogate escape.
func checkString(tok []byte, what string) error {
	if !utf8.Valid(tok) {
		return Errorf(EINVALID, "%s is not valid UTF-8", what)
	}
	if bytes.IndexByte(tok, '\\') >= 0 && hasLoneSurrogate(tok) {
		return Errorf(EINVALID, "%s has a lone UTF-16 surrogate escape", what)
	}
	return nil
}
