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
