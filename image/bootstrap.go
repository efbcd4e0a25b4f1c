package image

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/movieskit/movies/internal/repo"
)

// BootstrapPackage is the Go package of the Lambda bootstrap binary, relative to the module root.
const BootstrapPackage = "./cmd/bootstrap"

// BuildFlags are the go build flags of the bootstrap: no cgo (set in the
// environment), reproducible paths, no RPC mode in aws-lambda-go, stripped
// symbols and no build id. The Makefile's bootstrap target and the Dockerfile
// spell them out; TestMakefileAndDockerfileUseBuildFlags checks that they agree.
var BuildFlags = []string{"-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid="}

// BuildBootstrap compiles the bootstrap of the movies module that holds dir
// (its root or any directory below it) for linux/goarch (arm64 or amd64) into
// outPath, with BuildFlags and CGO_ENABLED=0.
func BuildBootstrap(ctx context.Context, dir, goarch, outPath string) error {
	cmd, err := BootstrapCommand(ctx, dir, goarch, outPath)
	if err != nil {
		return err
	}
	return runBuild(cmd, BootstrapPackage, goarch)
}

// BootstrapCommand returns the go build command that BuildBootstrap runs,
// with its output not yet redirected, for callers that show the compiler's
// messages as they are (the edit loop of `movies serve --watch`).
func BootstrapCommand(ctx context.Context, dir, goarch, outPath string) (*exec.Cmd, error) {
	root, err := repo.Root(dir)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return linuxBuildCommand(ctx, root, BootstrapPackage, goarch, outPath)
}

// buildLinux runs go build for pkg in dir, targeting a static linux/goarch binary.
func buildLinux(ctx context.Context, dir, pkg, goarch, outPath string) error {
	cmd, err := linuxBuildCommand(ctx, dir, pkg, goarch, outPath)
	if err != nil {
		return err
	}
	return runBuild(cmd, pkg, goarch)
}

// linuxBuildCommand returns the go build command for pkg in dir, targeting a
// static linux/goarch binary at outPath.
func linuxBuildCommand(ctx context.Context, dir, pkg, goarch, outPath string) (*exec.Cmd, error) {
	if !validArch(goarch) {
		return nil, fmt.Errorf("image: architecture %q is not supported (use one of %s)", goarch, strings.Join(Architectures, ", "))
	}
	out, err := filepath.Abs(outPath)
	if err != nil {
		return nil, fmt.Errorf("image: output path: %w", err)
	}
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, GoCommand(), args...) //nolint:gosec // G204: runs the go toolchain on our own package
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	return cmd, nil
}

// runBuild runs a build command made by linuxBuildCommand; a failure carries
// the compiler's output.
func runBuild(cmd *exec.Cmd, pkg, goarch string) error {
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("image: go build %s for linux/%s: %w\n%s", pkg, goarch, err, strings.TrimSpace(stderr.String()))
	}
	return nil
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
