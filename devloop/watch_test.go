package devloop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWatcher runs the watcher on a small module tree and checks which
// changes it reports: each step writes files that must not be reported, then
// one that must, and the reported files up to that one must be exactly the
// expected ones.
func TestWatcher(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"go.mod", "api/get.go", "api/get_test.go", "api/testdata/x.go", "infra/go.mod", "infra/stack.go",
		"infra/cdk.out/asset.go", "bin/x.go", ".git/HEAD.go", "sample/movies.json", "README.md", "sentinel/doc.go",
	} {
		write(t, root, f, "package x\n")
	}
	w, err := newWatcher(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	changed, embeds := make(chan string, 100), make(chan []string, 1)
	embeds <- []string{"sample/movies.json"}
	done := make(chan struct{})
	go func() {
		w.run(ctx, embeds, changed, func(err error) { t.Errorf("watcher error: %v", err) })
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	// after runs do, then writes a sentinel file, and returns the files
	// reported before the sentinel, sorted: events come in order.
	after := func(n int, do func()) []string {
		t.Helper()
		do()
		sentinel := fmt.Sprintf("sentinel/%d.go", n)
		write(t, root, sentinel, "package sentinel\n")
		var got []string
		for {
			select {
			case p := <-changed:
				if p == sentinel {
					slices.Sort(got)
					return slices.Compact(got)
				}
				if !strings.HasPrefix(p, "sentinel/") { // an earlier sentinel's write after its creation
					got = append(got, p)
				}
			case <-time.After(time.Minute):
				t.Fatalf("%s was not reported within a minute; reported %v", sentinel, got)
			}
		}
	}
	for i, st := range []struct {
		name string
		do   func()
		want []string // every file reported, sorted
	}{
		{"ignored files, then a Go file", func() {
			for _, f := range []string{
				"api/get_test.go", "api/testdata/x.go", "infra/stack.go", "infra/cdk.out/asset.go",
				"bin/x.go", ".git/HEAD.go", "README.md", "api/.#get.go", "api/get.go~",
			} {
				write(t, root, f, "changed\n")
			}
			write(t, root, "api/get.go", "package api\n")
		}, []string{"api/get.go"}},
		{"a mode change alone is not a change", func() {
			if err := os.Chmod(filepath.Join(root, "api/get.go"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"go.mod and an embedded file", func() {
			write(t, root, "go.mod", "module x\n")
			write(t, root, "sample/movies.json", "[]\n")
		}, []string{"go.mod", "sample/movies.json"}},
		{"a new directory with files, and one in it later", func() {
			write(t, root, "newpkg/sub/a.go", "package sub\n")
			write(t, root, "newpkg/b.go", "package newpkg\n")
			time.Sleep(100 * time.Millisecond) // the watcher adds the new directories
			write(t, root, "newpkg/sub/c.go", "package sub\n")
		}, []string{"newpkg/b.go", "newpkg/sub/a.go", "newpkg/sub/c.go"}},
		{"a file removed", func() {
			if err := os.Remove(filepath.Join(root, "api/get.go")); err != nil {
				t.Fatal(err)
			}
		}, []string{"api/get.go"}},
		{"a package directory removed", func() {
			if err := os.RemoveAll(filepath.Join(root, "newpkg")); err != nil {
				t.Fatal(err)
			}
		}, []string{"newpkg/", "newpkg/b.go", "newpkg/sub/", "newpkg/sub/a.go", "newpkg/sub/c.go"}},
	} {
		if got := after(i, st.do); !slices.Equal(got, st.want) {
			t.Errorf("%s: reported %v, want %v", st.name, got, st.want)
		}
	}
}

// write writes a file under root, creating its directory.
func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
