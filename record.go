package movies

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// UnmarshalJSON decodes a record strictly: year must be an integer, title a
// string (its bytes kept as they are, so that invalid UTF-8 is refused by
// Validate rather than silently replaced), info an object (null means absent),
// and no other top-level field may appear, so that nothing in an input file is
// silently dropped. A field may appear only once, and a string escape may not
// be a lone UTF-16 surrogate ("\ud800"), which a decoder would silently turn
// into U+FFFD.
//
// It walks the record's top level by hand instead of through a map, as
// ParseMovie does.
func (m *Movie) UnmarshalJSON(data []byte) error {
	out, err := decode(data, nil)
	if err != nil {
		return err
	}
	*m = out
	return nil
}

// ParseMovie decodes and checks a record in one walk of its bytes, as
// UnmarshalJSON then Check would, with their errors. Info takes the form the
// store writes: without b, m.Info is its compact JSON; with b, info is b's
// form of it and m.Info is nil. On an error, m holds no info, and the key
// when it was decoded.
func ParseMovie(data []byte, b InfoBuilder) (m Movie, info any, err error) {
	w := &infoWalker{b: b}
	m, err = decode(data, w)
	if err == nil && !w.spaced && w.berr == nil && m.Key().Validate() == nil && checkSize(m.Title, len(m.Info)) == nil {
		m.Info, info = bytes.Clone(m.Info), w.v
	} else if err = m.UnmarshalJSON(data); err == nil {
		// A problem, or info to compact: decoded again for Check's errors.
		info, err = m.Check(b)
	}
	if b != nil || err != nil {
		m.Info = nil
	}
	return m, info, err
}

// decode walks a record's top level as UnmarshalJSON decodes it. With w, it
// walks info with w instead of compacting it, and Info is the record's bytes.
func decode(data []byte, w *infoWalker) (Movie, error) {
	r := &recordReader{b: data}
	if !r.consume('{') {
		if string(r.literal()) == "null" {
			return Movie{}, Errorf(EINVALID, "record must be a JSON object, not null")
		}
		return Movie{}, errNotObject
	}
	var out Movie
	var hasYear, hasTitle, hasInfo bool
	for first := true; ; first = false {
		if r.consume('}') {
			break
		}
		if !first && !r.consume(',') {
			return out, errNotObject
		}
		name, ok := r.key()
		if !ok {
			return out, errNotObject
		}
		if name == "info" && w != nil && !hasInfo {
			hasInfo, w.r = true, r
			r.space()
			start := r.i
			var err error
			if w.v, err = w.info(); err != nil {
				if r.i = start; string(r.literal()) != "null" {
					return out, err
				}
			} else {
				out.Info = data[start:r.i]
			}
			continue
		}
		v, ok := r.value()
		if !ok {
			return out, errNotObject
		}
		switch name {
		case "year":
			if hasYear {
				return out, errDuplicateField(name)
			}
			y, err := decodeYear(v)
			if err != nil {
				return out, err
			}
			out.Year, hasYear = y, true
		case "title":
			if hasTitle {
				return out, errDuplicateField(name)
			}
			t, ok := decodeString(v)
			valid, lone := scanString(v)
			if !ok || !valid {
				return out, Errorf(EINVALID, "title must be a string")
			}
			if lone {
				return out, Errorf(EINVALID, "title has a lone UTF-16 surrogate escape")
			}
			out.Title, hasTitle = t, true
		case "info":
			if hasInfo {
				return out, errDuplicateField(name)
			}
			hasInfo = true
			if string(v) == "null" {
				continue
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return out, errInfoSyntax
			}
			out.Info = buf.Bytes()
		default:
			return out, Errorf(EINVALID, "unknown field %q (allowed: year, title, info)", name)
		}
	}
	if !r.end() {
		return out, Errorf(EINVALID, "record must be a single JSON object")
	}
	if !hasYear {
		return out, Errorf(EINVALID, "year is missing")
	}
	if !hasTitle {
		return out, Errorf(EINVALID, "title is missing")
	}
	return out, nil
}

var errNotObject = Errorf(EINVALID, "record must be a JSON object")

// RecordKey reads year and title from the top level of a record, or of the
// beginning of one, without the other rules of UnmarshalJSON, so that a
// message about an invalid record can name it. Field names match exactly, as
// in UnmarshalJSON ("Year" is not year); of a repeated field the last counts,
// as in encoding/json; year may also be a string holding an integer
// ("2013"). ok is false when either field is missing or cannot be read.
func RecordKey(data []byte) (k Key, ok bool) {
	r := recordReader{b: data}
	if !r.consume('{') {
		return Key{}, false
	}
	var hasYear, hasTitle bool
	// The walk ends at the end of the object or where data is cut.
	for first := true; !r.consume('}') && (first || r.consume(',')); first = false {
		name, ok := r.key()
		if !ok {
			break
		}
		v, ok := r.value()
		if !ok {
			break
		}
		switch name {
		case "year":
			k.Year, hasYear = looseYear(v)
		case "title":
			k.Title, hasTitle = decodeString(v)
		}
	}
	if !hasYear || !hasTitle {
		return Key{}, false
	}
	return k, true
}

// looseYear reads a year value for RecordKey: an integer, or a string holding one.
func looseYear(v []byte) (int, bool) {
	s := string(v)
	if len(v) > 0 && v[0] == '"' {
		var ok bool
		if s, ok = decodeString(v); !ok {
			return 0, false
		}
	}
	if !isDigits([]byte(strings.TrimPrefix(s, "-"))) {
		return 0, false
	}
	y, err := strconv.Atoi(s)
	return y, err == nil
}

func errDuplicateField(name string) error {
	return Errorf(EINVALID, "field %q appears more than once", name)
}

// decodeYear reads a year value: a JSON integer (no sign, fraction,
// exponent or leading zero) from MinYear to MaxYear. Any other number is out
// of range; any other value is not an integer.
func decodeYear(v []byte) (int, error) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, Errorf(EINVALID, "year must be an integer")
	}
	if len(v) <= 4 && isDigits(v) && v[0] != '0' {
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
