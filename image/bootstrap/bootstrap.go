// Package bootstrap builds the Lambda bootstrap binary (./cmd/bootstrap)
// exactly as the image holds it: static, for linux on one of Lambda's
// architectures, with the image's go build flags. The image, the edit loop
// of `movies serve --watch`, `movies serve --invoke rie` and the tests all
// build it here; it is a package of its own so that the programs that only
// compile the bootstrap do not link the image writer and its registry client.
package bootstrap

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/movieskit/movies/internal/repo"
)

// Package is the Go package of the Lambda bootstrap binary, relative to the module root.
const Package = "./cmd/bootstrap"

// Flags are the go build flags of the bootstrap: no cgo (set in the
// environment), reproducible paths, no RPC mode in aws-lambda-go, stripped
// symbols and no build id. The Makefile's bootstrap target and the Dockerfile
// spell them out; TestMakefileAndDockerfileUseFlags checks that they agree.
var Flags = []string{"-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid="}

// Architectures lists the architectures Lambda supports, in the order images are built.
var Architectures = []string{"arm64", "amd64"}

// CheckArch returns an error naming the supported architectures when arch is
// not one of them.
func CheckArch(arch string) error {
	if slices.Contains(Architectures, arch) {
		return nil
	}
	return fmt.Errorf("architecture %q is not supported (use one of %s)", arch, strings.Join(Architectures, ", "))
}

// Build compiles the bootstrap of the movies module that holds dir (its root
// or any directory below it) for linux/goarch into outPath, with Flags and
// CGO_ENABLED=0. A failure carries the compiler's output.
func Build(ctx context.Context, dir, goarch, outPath string) error {
	cmd, err := Command(ctx, dir, goarch, outPath)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bootstrap: go build %s for linux/%s: %w\n%s", Package, goarch, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// Command returns the go build command that Build runs, with its output not
// yet redirected, for callers that show the compiler's messages as they are
// (the edit loop of `movies serve --watch`).
func Command(ctx context.Context, dir, goarch, outPath string) (*exec.Cmd, error) {
	if err := CheckArch(goarch); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	root, err := repo.Root(dir)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	out, err := filepath.Abs(outPath)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: output path: %w", err)
	}
	args := append([]string{"build"}, Flags...)
	args = append(args, "-o", out, Package)
	cmd := exec.CommandContext(ctx, GoCommand(), args...) //nolint:gosec // G204: runs the go toolchain on our own package
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	return cmd, nil
}

// GoCommand returns the go command: $GOROOT/bin/go when GOROOT is set, else go on PATH.
func GoCommand() string {
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil { //nolint:gosec // G703: GOROOT is the caller's own toolchain setting
			return p
		}
	}
	return "go"
}
