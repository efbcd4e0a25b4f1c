package movies

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// MaxCursorBytes bounds the length of a cursor string a caller may send. It is
// the length of the longest cursor EncodeCursor can make: a title of
// MaxTitleBytes control characters, each escaped in JSON as six bytes, plus
// the JSON around it, in base64.
const MaxCursorBytes = (len(`{"y":9999,"t":""}`) + 6*MaxTitleBytes + 2) * 4 / 3

// cursor is the JSON inside a cursor: the key of the last movie of a page.
type cursor struct {
	Y int    `json:"y"`
	T string `json:"t"`
}

// EncodeCursor returns the opaque cursor that resumes a listing after k:
// base64url (no padding) of a small JSON object holding the key.
func EncodeCursor(k Key) string {
	var buf bytes.Buffer
	_ = AppendJSON(&buf, cursor{Y: k.Year, T: k.Title}) // cannot fail: an int and a string
	return base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// DecodeCursor returns the key inside a cursor made by EncodeCursor.
// Anything else is an EINVALID error.
func DecodeCursor(s string) (Key, error) {
	bad := Errorf(EINVALID, "cursor is not valid")
	if s == "" || len(s) > MaxCursorBytes {
		return Key{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Key{}, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return Key{}, bad
	}
	k := Key{Year: c.Y, Title: c.T}
	if k.Validate() != nil {
		return Key{}, bad
	}
	return k, nil
}
