package bootstrap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/movieskit/movies/internal/repo"
)

// TestMakefileAndDockerfileUseFlags checks that the two build commands
// written outside Go compile the bootstrap as Build does: Flags,
// no cgo, for linux.
func TestMakefileAndDockerfileUseFlags(t *testing.T) {
	root, err := repo.Root(".")
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"go", "build"}
	for _, f := range Flags {
		if strings.ContainsAny(f, " =") {
			f = `"` + f + `"`
		}
		words = append(words, f)
	}
	want := strings.Join(words, " ")
	for _, tt := range []struct{ file, goos string }{
		{"Makefile", "GOOS=linux"},
		{"Dockerfile", "GOOS=$TARGETOS"}, // ARG TARGETOS=linux
	} {
		file := tt.file
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Fatal(err)
			}
			cmd := bootstrapBuildLine(string(b))
			if cmd == "" {
				t.Fatalf("%s has no go build of %s", file, Package)
			}
			for _, w := range []string{want, "CGO_ENABLED=0", tt.goos} {
				if !strings.Contains(cmd, w) {
					t.Errorf("%s builds the bootstrap with\n\t%s\nwhich lacks\n\t%s", file, cmd, w)
				}
			}
		})
	}
}

// bootstrapBuildLine returns the command line of text (a Makefile or a
// Dockerfile, continuation lines joined, $(GO) read as go) that runs go build
// on the bootstrap package.
func bootstrapBuildLine(text string) string {
	text = strings.ReplaceAll(text, "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		line = strings.Join(strings.Fields(strings.ReplaceAll(line, "$(GO)", "go")), " ")
		if strings.Contains(line, "go build") && strings.HasSuffix(line, " "+Package) {
			return line
		}
	}
	return ""
}
