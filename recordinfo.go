package movies

import (
	"bytes"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

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
