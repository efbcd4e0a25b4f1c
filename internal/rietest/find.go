package rietest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/repo"
)

// The test support every package's RIE tests share: the repository root, the
// aws-lambda-rie binary and Go binaries built for a test. A missing RIE skips
// the test with a message to run make test, and fails it under CI=true.

// RepoRoot returns the repository root (the movies module's directory) for a
// test running anywhere inside it.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := repo.Root(".")
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// RIEPath returns the aws-lambda-rie binary that riepool.DefaultPath finds
// ($MOVIES_RIE, else .cache/bin/aws-lambda-rie where make installs it, else
// the one on $PATH). It skips the test when there is none, and fails it
// instead under CI=true.
func RIEPath(tb testing.TB) string {
	tb.Helper()
	p := riepool.DefaultPath()
	err := errors.New("not in $MOVIES_RIE, .cache/bin or $PATH")
	if p != "" {
		_, err = os.Stat(p)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("aws-lambda-rie not found: %v; run `make test`, which installs it", err)
		}
		tb.Skipf("skipping RIE test: aws-lambda-rie not found: %v; run `make test` (or `make rie`) first", err)
	}
	return p
}

// TestBootstrap is the tiny Lambda bootstrap that the gateway, pool and CLI
// tests run under aws-lambda-rie, as an import path for Build and BuildPackage.
const TestBootstrap = "github.com/movieskit/movies/gateway/testdata/riebootstrap"

// BuildPackage builds the Go main package pkg (an import path, or a path
// such as "../cmd/bootstrap" relative to the test's package directory) as a
// static binary into the test's temporary directory and returns its path.
func BuildPackage(tb testing.TB, pkg string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), filepath.Base(pkg))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := Build(ctx, pkg, out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// Build builds the Go main package pkg as a static binary at out. It is
// BuildPackage for a binary that must outlive one test, such as the
// bootstrap of a pool that a whole test binary shares.
func Build(ctx context.Context, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}
