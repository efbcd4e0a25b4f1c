package repo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRoot(t *testing.T) {
	tmp := t.TempDir()
	outer := filepath.Join(tmp, "repo")
	infra := filepath.Join(outer, "infra")         // a module directly inside the repo
	gapped := filepath.Join(outer, "tools", "sub") // another module further down
	deep := filepath.Join(gapped, "pkg", "x")
	for _, d := range []string{deep, filepath.Join(infra, "stack"), filepath.Join(tmp, "lone", "a")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for f, module := range map[string]string{
		filepath.Join(outer, "go.mod"):  Module,
		filepath.Join(infra, "go.mod"):  Module + "/infra",
		filepath.Join(gapped, "go.mod"): "example.com/sub",
		filepath.Join(tmp, "go.mod"):    "example.com/outside",
	} {
		if err := os.WriteFile(f, []byte("module "+module+"\n\ngo 1.26\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, from, want string
	}{
		{"root itself", outer, outer},
		{"package below the root", filepath.Join(outer, "tools"), outer},
		{"module inside the root module", filepath.Join(infra, "stack"), outer},
		{"other module below the root", deep, outer},
		{"no movies module above", filepath.Join(tmp, "lone", "a"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Root(tc.from)
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Errorf("Root(%s) = %q, %v; want %q", tc.from, got, err, tc.want)
			}
		})
	}
}

func TestRootOfThisRepository(t *testing.T) {
	got, err := Root(".")
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Root(.) = %q, want %q", got, want)
	}
}
