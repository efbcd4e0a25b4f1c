package storetest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSamplePathEnv(t *testing.T) {
	f := filepath.Join(t.TempDir(), "sample.json")
	if err := os.WriteFile(f, []byte(`[{"year":2013,"title":"Rush","info":{"rating":8.3}}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(sampleEnv, f)
	if p, ok := SamplePath(); p != f || !ok {
		t.Errorf("SamplePath() = %q, %t; want %q, true", p, ok, f)
	}
	ms := SampleMovies(t)
	if len(ms) != 1 || ms[0].Title != "Rush" || string(ms[0].Info) != `{"rating":8.3}` {
		t.Errorf("SampleMovies = %+v", ms)
	}
	t.Setenv(sampleEnv, filepath.Join(t.TempDir(), "missing.json"))
	if _, ok := SamplePath(); ok {
		t.Error("SamplePath() ok for a missing file")
	}
}

func TestReadSampleErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, body string }{
		{"not JSON", `[{`},
		{"unknown field", `[{"year":2013,"title":"Rush","extra":1}]`},
		{"empty list", `[]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := readSample(p); err == nil {
				t.Errorf("readSample(%s): no error", tc.body)
			}
		})
	}
}

func TestFixturesAreValid(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range append(Fixtures(), generated(150)...) {
		if err := m.Validate(); err != nil {
			t.Errorf("fixture %s: %v", m.Key(), err)
		}
		if seen[m.Key().String()] {
			t.Errorf("fixture %s: duplicate key", m.Key())
		}
		seen[m.Key().String()] = true
	}
	for _, c := range infoCases {
		if c.info == "" {
			continue
		}
		if _, err := EqualJSON([]byte(c.info), []byte(c.info)); err != nil {
			t.Errorf("info case %s: %v", c.name, err)
		}
	}
}

// TestSamples checks that the full-size catalogues are the real sample when
// present and always the generated one, each of thousands of movies.
func TestSamples(t *testing.T) {
	t.Run("present", func(t *testing.T) {
		for _, s := range Samples(t) {
			if ms := s.Movies(t); len(ms) < 4600 {
				t.Errorf("%s sample has %d movies, want at least 4,600", s.Name, len(ms))
			}
		}
	})
	t.Run("real sample absent", func(t *testing.T) {
		t.Setenv(sampleEnv, filepath.Join(t.TempDir(), "missing.json"))
		got := Samples(t)
		if len(got) != 1 || got[0].Name != "generated" || BenchSample(t).Name != "generated" {
			t.Errorf("Samples = %+v, want the generated one only", got)
		}
	})
	t.Run("real sample set", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "sample.json")
		if err := os.WriteFile(f, []byte(`[{"year":2013,"title":"Rush"}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv(sampleEnv, f)
		got := Samples(t)
		if len(got) != 2 || got[0] != (Sample{Name: "aws", Path: f}) || got[1].Name != "generated" || BenchSample(t).Path != f {
			t.Errorf("Samples = %+v, want the real one, then the generated one", got)
		}
	})
}
