package movies

import (
	"bytes"
	"encoding/json"
	"io"
)

// AppendJSON appends v to buf as the API writes JSON: encoding/json without
// HTML escaping, so "Pain & Gain" stays readable, and without the encoder's
// trailing newline. On error buf is unchanged.
func AppendJSON(buf *bytes.Buffer, v any) error {
	if err := newJSONEncoder(buf).Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - len("\n"))
	return nil
}

// newJSONEncoder returns an encoder to w that writes JSON as AppendJSON does,
// with the encoder's trailing newline.
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
