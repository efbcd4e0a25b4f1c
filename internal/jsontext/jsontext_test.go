package jsontext

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodingJSON is what encoding/json writes for s.
func encodingJSON(t testing.TB, s string, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

var cases = []string{
	"", "Rush", "Pain & Gain", `say "hi"`, `back\slash`, "<b>", "tab\tnew\nline\rcr",
	"\b\f\x00\x1f\x7f", "Amélie", "日本語", "a\u2028b\u2029c", "bad \xff utf8", "\xc3", "emoji 🎬",
}

func TestAppendString(t *testing.T) {
	for _, s := range cases {
		for _, html := range []bool{true, false} {
			if got, want := string(AppendString(nil, s, html)), encodingJSON(t, s, html); got != want {
				t.Errorf("AppendString(%q, %v) = %s, want %s", s, html, got, want)
			}
			if got, want := StringLen(s, html), len(encodingJSON(t, s, html)); got != want {
				t.Errorf("StringLen(%q, %v) = %d, want %d", s, html, got, want)
			}
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			if got, want := string(AppendString(nil, s, html)), encodingJSON(t, s, html); got != want {
				t.Fatalf("AppendString(%q, %v) = %s, want %s", s, html, got, want)
			}
			if got, want := StringLen(s, html), len(AppendString(nil, s, html)); got != want {
				t.Fatalf("StringLen(%q, %v) = %d, want %d", s, html, got, want)
			}
		}
	})
}
