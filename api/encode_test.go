package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/movieskit/movies"
)

// encodeWithEncoder is the reference: what a json.Encoder with HTML escaping
// off writes for m.
func encodeWithEncoder(t *testing.T, m *movies.Movie) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func TestWriteMovieMatchesEncoder(t *testing.T) {
	titles := []string{
		"Rush", "", `say "hi"`, `back\slash`, "tab\tnew\nline\rret", "\b\f\x00\x01\x1f\x7f",
		"Pain & Gain", "<b>bold</b>", "Amélie", "東京物語", "emoji 🎬", "sep\u2028par\u2029",
		"bad \xff utf8", "\xe2\x80", "\xed\xa0\x80 surrogate", "\"\\\"\\",
	}
	infos := []string{"", `{}`, `{"rating":8.3,"big":12345678901234567890,"plot":"<b>fast</b> & \u2028"}`,
		"{ \"a\" : [ 1, 2 ,\n3 ] }", `{"s":"\u00e9\n"}`, `{"x":`, `[1]`}
	for _, title := range titles {
		for _, info := range infos {
			m := &movies.Movie{Year: 2013, Title: title, Info: json.RawMessage(info)}
			want, wantErr := encodeWithEncoder(t, m)
			var got bytes.Buffer
			err := writeMovie(&got, m)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("writeMovie(%q, %q) error %v, encoder error %v", title, info, err, wantErr)
			}
			if err == nil && !bytes.Equal(got.Bytes(), want) {
				t.Errorf("writeMovie(%q, %q)\n got %s\nwant %s", title, info, got.Bytes(), want)
			}
		}
	}
}
