package movies

import (
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// InfoBuilder builds a store's own form of a record's info while the info is
// walked and checked (see Movie.Check and ParseMovie), so that a store that
// does not keep the JSON converts it in the same pass: the DynamoDB store
// builds its attribute values. Containers are built after their elements:
// Array gets the elements' values, Object the keys, decoded, and the values,
// in order; both slices are reused after the call. The first error stops the
// building, and is returned only when the info keeps every rule of the domain.
type InfoBuilder interface {
	String(s string) any
	Number(text string) (any, error)
	Bool(v bool) any
	Null() any
	Array(elems []any) any
	Object(keys []string, values []any) (any, error)
}

// errInfoSyntax is the error of info that is not valid JSON.
var errInfoSyntax = Errorf(EINVALID, "info must be valid JSON")

// infoWalker walks info once: it checks that info is one JSON object, that
// its syntax is JSON's, that it is nested at most MaxInfoDepth levels, that
// no object has the same key twice (stores would keep either one or the
// other) and that every string is valid UTF-8 with no lone surrogate escape
// (decoders would silently replace it), and it feeds b.
type infoWalker struct {
	r      *recordReader
	b      InfoBuilder // nil once it has failed
	berr   error       // b's error
	v      any         // what b built of info (see decode)
	keys   []string    // the keys of the objects being walked
	vals   []any       // what b built of the elements of the containers being walked
	spaced bool        // info has white space between its tokens
}

// info walks the info object at the current position.
func (w *infoWalker) info() (any, error) {
	if w.peek() != '{' {
		return nil, Errorf(EINVALID, "info must be a JSON object")
	}
	return w.value(0)
}

// peek skips white space and returns the next byte, 0 at the end.
func (w *infoWalker) peek() byte {
	i := w.r.i
	w.r.space()
	w.spaced = w.spaced || w.r.i > i
	if w.r.i < len(w.r.b) {
		return w.r.b[w.r.i]
	}
	return 0
}

// build returns what b built, and records its error, after which nothing more is built.
func (w *infoWalker) build(v any, err error) any {
	if err != nil {
		w.b, w.berr = nil, err
	}
	return v
}

// value walks the value at the current position, nested depth levels inside info.
func (w *infoWalker) value(depth int) (any, error) {
	switch c := w.peek(); c {
	case '"':
		tok, ok := w.r.stringToken()
		if !ok {
			return nil, errInfoSyntax
		}
		if err := checkString(tok, "a string in info"); err != nil || w.b == nil {
			return nil, err
		}
		s, _ := decodeString(tok)
		return w.b.String(s), nil
	case '[', '{':
		if depth++; depth > MaxInfoDepth {
			return nil, Errorf(EINVALID, "info is nested more than %d levels deep", MaxInfoDepth)
		}
		w.r.i++
		return w.container(depth, c+2) // ']' and '}' follow '[' and '{' by two
	}
	tok := w.r.literal()
	switch {
	case string(tok) == "true" || string(tok) == "false":
		if w.b != nil {
			return w.b.Bool(tok[0] == 't'), nil
		}
	case string(tok) == "null":
		if w.b != nil {
			return w.b.Null(), nil
		}
	case !isNumber(tok):
		return nil, errInfoSyntax
	case w.b != nil:
		return w.build(w.b.Number(string(tok))), nil
	}
	return nil, nil
}

// container walks the elements of an array (end is ']') or the members of an
// object (end is '}') after its opening byte.
func (w *infoWalker) container(depth int, end byte) (any, error) {
	kbase, vbase := len(w.keys), len(w.vals)
	defer func() { w.keys, w.vals = w.keys[:kbase], w.vals[:vbase] }()
	var seen map[string]struct{} // the object's keys, once there are many
	c := w.peek()
	if c == end {
		w.r.i++
	}
	for c != end {
		if end == '}' {
			if err := w.key(kbase, &seen); err != nil {
				return nil, err
			}
		}
		v, err := w.value(depth)
		if err != nil {
			return nil, err
		}
		if w.b != nil {
			w.vals = append(w.vals, v)
		}
		if c = w.peek(); c != ',' && c != end {
			return nil, errInfoSyntax
		}
		w.r.i++
	}
	switch {
	case w.b == nil:
		return nil, nil
	case end == ']':
		return w.b.Array(w.vals[vbase:]), nil
	}
	return w.build(w.b.Object(w.keys[kbase:], w.vals[vbase:])), nil
}

// key walks an object's key and the colon after it, and adds the key to
// those of the object, from w.keys[base] on. A key seen before is refused:
// with few keys each is compared, with many the set *seen is used.
func (w *infoWalker) key(base int, seen *map[string]struct{}) error {
	w.peek()
	tok, ok := w.r.stringToken()
	if !ok {
		return errInfoSyntax
	}
	if err := checkString(tok, "a key in info"); err != nil {
		return err
	}
	k, _ := decodeString(tok)
	keys := w.keys[base:]
	if *seen == nil && len(keys) >= 16 {
		*seen = make(map[string]struct{}, 2*len(keys))
		for _, prev := range keys {
			(*seen)[prev] = struct{}{}
		}
	}
	var dup bool
	if *seen != nil {
		_, dup = (*seen)[k]
		(*seen)[k] = struct{}{}
	} else {
		dup = slices.Contains(keys, k)
	}
	if dup {
		return Errorf(EINVALID, "info has the key %q more than once in one object", Shorten(k, 60))
	}
	if w.peek() != ':' {
		return errInfoSyntax
	}
	w.r.i++
	w.keys = append(w.keys, k)
	return nil
}

// checkString checks a JSON string token: JSON's syntax, valid UTF-8 and no
// lone surrogate escape.
func checkString(tok []byte, what string) error {
	valid, lone := scanString(tok)
	switch {
	case !valid:
		return errInfoSyntax
	case !utf8.Valid(tok):
		return Errorf(EINVALID, "%s is not valid UTF-8", what)
	case lone:
		return Errorf(EINVALID, "%s has a lone UTF-16 surrogate escape", what)
	}
	return nil
}

// scanString reads the string token tok, quotes included, as stringToken
// cuts it. valid is false unless it is JSON: no control character, only
// JSON's escapes. lone is true if it has a \u escape of a UTF-16 surrogate
// that is not part of a pair (decoders would silently replace it).
func scanString(tok []byte) (valid, lone bool) {
	for i := 1; i < len(tok)-1; i++ {
		if tok[i] < 0x20 {
			return false, lone
		}
		if tok[i] != '\\' {
			continue
		}
		i++
		r, ok := hex4(tok, i+1)
		switch {
		case tok[i] == 'u' && ok:
			i += 4
			if !utf16.IsSurrogate(r) {
				continue
			}
			// A high surrogate must be followed by an escaped low one.
			r2, ok := hex4(tok, i+3)
			if r >= 0xDC00 || i+6 >= len(tok) || tok[i+1] != '\\' || tok[i+2] != 'u' || !ok || r2 < 0xDC00 || r2 > 0xDFFF {
				lone = true
			} else {
				i += 6
			}
		case strings.IndexByte(`"\/bfnrt`, tok[i]) < 0:
			return false, lone
		}
	}
	return true, lone
}

// isNumber reports whether s is a JSON number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func isNumber(s []byte) bool {
	i := 0
	digits := func() bool { // skips digits, reporting whether there were any
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i > start
	}
	skip := func(cs string) bool { // skips one of cs
		ok := i < len(s) && strings.IndexByte(cs, s[i]) >= 0
		if ok {
			i++
		}
		return ok
	}
	skip("-")
	if !skip("0") && !digits() {
		return false
	}
	if skip(".") && !digits() {
		return false
	}
	if skip("eE") {
		skip("+-")
		if !digits() {
			return false
		}
	}
	return i == len(s)
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
