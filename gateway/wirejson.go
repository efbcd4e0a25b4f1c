package gateway

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/movieskit/movies/internal/jsontext"
)

// This file holds the reflection-free JSON of the hot path: encoders that
// write exactly what json.Marshal writes for the same values, and a strict
// scanner for the shapes the gateway and the runtime exchange. The scanner
// gives up (ok false) on anything unusual — an unknown or duplicated key, a
// null, a case-folded key, a lone surrogate — and its callers then use
// encoding/json, so the results never differ from encoding/json's.

// appendString appends s as json.Marshal encodes it (HTML-escaped).
func appendString(dst []byte, s string) []byte { return jsontext.AppendString(dst, s, true) }

// appendStringMap appends m as json.Marshal does: keys sorted, nil as null.
func appendStringMap(dst []byte, m map[string]string) []byte {
	return appendMap(dst, m, appendString)
}

// appendStrings appends s as json.Marshal does: nil as null.
func appendStrings(dst []byte, s []string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, v)
	}
	return append(dst, ']')
}

// appendStringsMap appends m as json.Marshal does: keys sorted, nil as null.
func appendStringsMap(dst []byte, m map[string][]string) []byte {
	return appendMap(dst, m, appendStrings)
}

// appendMap appends m as json.Marshal does, each value by appendValue: keys
// sorted, nil as null.
func appendMap[V any](dst []byte, m map[string]V, appendValue func([]byte, V) []byte) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendValue(dst, m[k])
	}
	return append(dst, '}')
}

// scanner reads JSON strictly from b. Every method reports ok false rather
// than guess; the caller then falls back to encoding/json.
type scanner struct {
	b []byte
	i int
}

// skipSpace moves past JSON whitespace.
func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// consume moves past c if it comes next.
func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// atEnd reports whether only whitespace is left.
func (s *scanner) atEnd() bool {
	s.skipSpace()
	return s.i == len(s.b)
}

// str reads a string.
func (s *scanner) str() (string, bool) {
	if s.peek() != '"' {
		return "", false
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if !utf8.Valid(v) {
				return "", false
			}
			return string(v), true
		case c == '\\':
			return s.escapedStr(start)
		case c < 0x20:
			return "", false
		}
		s.i++
	}
	return "", false
}

// escapedStr finishes reading a string that started at start and holds
// escapes, decoding them as encoding/json does.
func (s *scanner) escapedStr(start int) (string, bool) {
	out := make([]byte, 0, s.i-start+16)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return "", false
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if s.i+4 > len(s.b) {
				return "", false
			}
			r, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
			if err != nil || utf16.IsSurrogate(rune(r)) { //nolint:gosec // G115: four hex digits, at most 0xFFFF
				return "", false // including a '+' sign; surrogates are left to encoding/json
			}
			s.i += 4
			out = utf8.AppendRune(out, rune(r)) //nolint:gosec // G115: at most 0xFFFF
		default:
			return "", false
		}
	}
	return "", false
}

// key reads an object key and the colon after it.
func (s *scanner) key() (string, bool) {
	k, ok := s.str()
	return k, ok && s.consume(':')
}

// object reads an object, calling field for each key with the scanner
// positioned at the value. It fails on a duplicated key.
func (s *scanner) object(field func(key string) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	var seenBuf [16]string
	seen := seenBuf[:0]
	for {
		k, ok := s.key()
		if !ok || slices.Contains(seen, k) || !field(k) {
			return false
		}
		seen = append(seen, k)
		if s.consume('}') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

// stringMap reads an object of strings into a new map.
func (s *scanner) stringMap() (map[string]string, bool) {
	m := map[string]string{}
	ok := s.object(func(k string) bool {
		v, ok := s.str()
		m[k] = v
		return ok
	})
	return m, ok
}

// strings reads an array of strings into a new slice.
func (s *scanner) strings() ([]string, bool) {
	if !s.consume('[') {
		return nil, false
	}
	out := []string{}
	if s.consume(']') {
		return out, true
	}
	for {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if s.consume(']') {
			return out, true
		}
		if !s.consume(',') {
			return nil, false
		}
	}
}

// stringsMap reads an object of arrays of strings into a new map.
func (s *scanner) stringsMap() (map[string][]string, bool) {
	m := map[string][]string{}
	ok := s.object(func(k string) bool {
		v, ok := s.strings()
		m[k] = v
		return ok
	})
	return m, ok
}

// null moves past a null if it comes next.
func (s *scanner) null() bool {
	s.skipSpace()
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// boolean reads true or false.
func (s *scanner) boolean() (v, ok bool) {
	s.skipSpace()
	rest := s.b[s.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}

// integer reads an integer without fraction or exponent and returns its text.
func (s *scanner) integer() (string, bool) {
	s.skipSpace()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || (n > 1 && s.b[digits] == '0') {
		return "", false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return "", false
		}
	}
	return string(s.b[start:s.i]), true
}

// int64 reads an integer that fits in an int64.
func (s *scanner) int64() (int64, bool) {
	t, ok := s.integer()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(t, 10, 64)
	return n, err == nil
}

// jsonNumber reads an integer as a json.Number.
func (s *scanner) jsonNumber() (*json.Number, bool) {
	t, ok := s.integer()
	n := json.Number(t)
	return &n, ok
}
