package devloop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMergeOutputs(t *testing.T) {
	header := "# github.com/movieskit/movies/api"
	msg := "api/get.go:51:24: undefined: undefinedThing"
	for _, tc := range []struct {
		name    string
		outputs []string
		want    string
	}{
		{"one target", []string{header + "\n" + msg + "\n"}, header + "\n" + msg + "\n"},
		{"two targets, the same package", []string{header + "\n" + msg + "\n", header + "\n" + msg + "\n"}, header + "\n" + msg + "\n"},
		{"two targets, different packages", []string{header + "\n" + msg + "\n", "# github.com/movieskit/movies/cmd/bootstrap\ncmd/bootstrap/main.go:3:1: syntax error\n"},
			header + "\n" + msg + "\n# github.com/movieskit/movies/cmd/bootstrap\ncmd/bootstrap/main.go:3:1: syntax error\n"},
		{"one target built", []string{"", header + "\n" + msg + "\n"}, header + "\n" + msg + "\n"},
		{"no trailing newline", []string{msg}, msg + "\n"},
	} {
		outs := make([][]byte, len(tc.outputs))
		for i, o := range tc.outputs {
			outs[i] = []byte(o)
		}
		if got := mergeOutputs(outs); got != tc.want {
			t.Errorf("%s: mergeOutputs = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", 3<<16+5) // several buffers and a partial one
	files := map[string]string{
		"a": big, "same": big, "longer": big + "y", "last byte": big[:len(big)-1] + "y", "empty": "", "empty too": "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		a, b    string
		want    bool
		wantErr bool
	}{
		{"a", "same", true, false},
		{"a", "longer", false, false},
		{"a", "last byte", false, false},
		{"empty", "empty too", true, false},
		{"a", "missing", false, true},
	} {
		got, err := sameFile(filepath.Join(dir, tc.a), filepath.Join(dir, tc.b))
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("sameFile(%s, %s) = %v, %v; want %v, error %v", tc.a, tc.b, got, err, tc.want, tc.wantErr)
		}
	}
}
