// Package repo finds the repository root, the directory of the go.mod that
// declares the movies module, for the tools and tests that read files of the
// repository (the Makefile, the Dockerfile, ../shared next to it).
package repo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Module is the module path the root's go.mod declares.
const Module = "github.com/movieskit/movies"

// Root returns the directory of the nearest go.mod at or above dir that
// declares Module. Other modules on the way up (infra's) are passed over.
func Root(dir string) (string, error) {
	start, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("repository root: %w", err)
	}
	for d := start; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod")) //nolint:gosec // G304: reads only go.mod files above the caller's directory
		if err == nil && bytes.Contains(b, []byte("module "+Module+"\n")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("repository root: no go.mod of %s at or above %s", Module, start)
		}
	}
}
