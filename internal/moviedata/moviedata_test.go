package moviedata

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

// TestFull checks the full-size catalogue against the shape of the AWS
// sample: size, years, distinct valid keys, the tricky titles, and the
// variety of info fields, each present in most records and absent in some.
func TestFull(t *testing.T) {
	ms := Full()
	var file bytes.Buffer
	if err := Encode(&file, ms); err != nil {
		t.Fatal(err)
	}
	if len(ms) < 4600 || file.Len() <= 3<<20 {
		t.Errorf("%d movies in %d bytes, want at least 4,600 movies in more than 3 MiB", len(ms), file.Len())
	}
	t.Logf("%d movies, %d bytes", len(ms), file.Len())

	keys := map[movies.Key]bool{}
	titles := map[string]bool{}
	fields := map[string]int{}
	intRatings := 0
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", m.Key(), err)
		}
		if keys[m.Key()] {
			t.Fatalf("%s: duplicate key", m.Key())
		}
		keys[m.Key()] = true
		titles[m.Title] = true
		if m.Year < FirstYear || m.Year > LastYear {
			t.Errorf("%s: year out of %d–%d", m.Key(), FirstYear, LastYear)
		}
		var in map[string]json.RawMessage
		if err := json.Unmarshal(m.Info, &in); err != nil {
			t.Fatalf("%s: info: %v", m.Key(), err)
		}
		for f := range in {
			fields[f]++
		}
		if r, ok := in["rating"]; ok && !bytes.Contains(r, []byte(".")) {
			intRatings++
		}
	}
	for _, tt := range TrickyTitles() {
		if !titles[tt] {
			t.Errorf("tricky title %.40q missing", tt)
		}
	}
	for _, c := range []string{"/", "?", "+", "&", "'", "%"} {
		found := false
		for tt := range titles {
			found = found || strings.Contains(tt, c)
		}
		if !found {
			t.Errorf("no title contains %q", c)
		}
	}
	long := 0
	for tt := range titles {
		if len(tt) == movies.MaxTitleBytes {
			long++
		}
	}
	if long < 4 {
		t.Errorf("%d titles of %d bytes, want several", long, movies.MaxTitleBytes)
	}
	for _, f := range []string{"directors", "release_date", "rating", "genres", "image_url", "plot", "running_time_secs", "actors"} {
		if n := fields[f]; n < len(ms)*9/10 || n == len(ms) && f != "directors" && f != "genres" && f != "actors" {
			t.Errorf("info.%s in %d of %d records, want most but not all", f, n, len(ms))
		}
	}
	if fields["rank"] != len(ms) {
		t.Errorf("info.rank in %d of %d records, want all", fields["rank"], len(ms))
	}
	if intRatings == 0 || intRatings == fields["rating"] {
		t.Errorf("%d of %d ratings without a fraction, want some", intRatings, fields["rating"])
	}
}

// TestDeterministic checks that a seed gives the same catalogue every time
// and another seed a different one.
func TestDeterministic(t *testing.T) {
	encode := func(seed uint64) []byte {
		var b bytes.Buffer
		if err := Encode(&b, Generate(seed, 500)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if !bytes.Equal(encode(7), encode(7)) {
		t.Error("same seed, different catalogues")
	}
	if bytes.Equal(encode(7), encode(8)) {
		t.Error("different seeds, same catalogue")
	}
}

// TestFileDecodes checks that the written file decodes, record by record,
// to the generated movies.
func TestFileDecodes(t *testing.T) {
	ms := Generate(Seed, 300)
	var b bytes.Buffer
	if err := Encode(&b, ms); err != nil {
		t.Fatal(err)
	}
	var got []movies.Movie
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ms) {
		t.Fatalf("decoded %d movies, want %d", len(got), len(ms))
	}
	for i := range ms {
		if got[i].Key() != ms[i].Key() || !bytes.Equal(got[i].Info, ms[i].Info) {
			t.Errorf("record %d: got %s %s, want %s %s", i, got[i].Key(), got[i].Info, ms[i].Key(), ms[i].Info)
		}
	}
}
