package devloop

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// TestBuildLatestStartsOver checks that files changing while a build runs
// start it over: one build of the last state, reported with every file
// changed, and nothing left of the build that was cut short.
func TestBuildLatestStartsOver(t *testing.T) {
	dir := t.TempDir()
	started := make(chan struct{}, 4)
	slow := target{name: "server", command: func(ctx context.Context, _, out string) (*exec.Cmd, error) {
		started <- struct{}{}
		// Long enough that the batch below arrives while it runs.
		return exec.CommandContext(ctx, "sh", "-c", `sleep 0.3 && echo built > "$0"`, out), nil
	}}
	l := &loop{builder: &builder{root: dir, dir: dir, targets: []target{slow}}}
	more := make(chan []string, 1)
	go func() {
		<-started
		more <- []string{"api/list.go", "api/get.go"}
	}()
	b, changed, err := l.buildLatest(t.Context(), []string{"api/get.go"}, more)
	if err != nil {
		t.Fatalf("buildLatest: %v", err)
	}
	if want := []string{"api/get.go", "api/list.go"}; !slices.Equal(changed, want) {
		t.Errorf("changed = %q, want %q", changed, want)
	}
	if b.seq != 2 {
		t.Errorf("the build that ended is number %d, want 2: the first was started over", b.seq)
	}
	if _, err := os.Stat(filepath.Join(dir, "1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the build cut short left its directory: %v", err)
	}
}
