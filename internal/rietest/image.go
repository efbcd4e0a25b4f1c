//go:build linux

package rietest

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/movieskit/movies/image"
	"github.com/movieskit/movies/image/bootstrap"
)

// bootstraps holds the bootstrap extracted from each architecture's image,
// built once per test binary.
var bootstraps struct {
	sync.Mutex
	byArch map[string]*extracted
}

// extracted is one architecture's bootstrap, or the error that prevented it.
type extracted struct {
	once sync.Once
	path string
	err  error
}

// imageBootstrap builds the amd64 image once per test binary with the real
// bootstrap, takes the bootstrap back out of the image's filesystem and
// returns its path (under .cache/rietest, overwritten on each run).
func imageBootstrap(tb testing.TB) string {
	tb.Helper()
	return imageBootstrapFor(tb, "amd64")
}

// imageBootstrapFor is imageBootstrap for the image of arch (arm64 or amd64).
// The file taken out is the image's entrypoint, after checking that the
// image's configuration names arch and the bootstrap as its entrypoint.
func imageBootstrapFor(tb testing.TB, arch string) string {
	tb.Helper()
	root := RepoRoot(tb)
	bootstraps.Lock()
	if bootstraps.byArch == nil {
		bootstraps.byArch = map[string]*extracted{}
	}
	e := bootstraps.byArch[arch]
	if e == nil {
		e = &extracted{}
		bootstraps.byArch[arch] = e
	}
	bootstraps.Unlock()
	e.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		e.path, e.err = buildAndExtract(ctx, root, filepath.Join(root, ".cache", "rietest"), arch)
	})
	if e.err != nil {
		tb.Fatal(e.err)
	}
	return e.path
}

func buildAndExtract(ctx context.Context, root, dir, arch string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	built := filepath.Join(dir, fmt.Sprintf("built-%s-%d", arch, os.Getpid()))
	defer func() { _ = os.Remove(built) }() // best effort: the directory is a cache
	if err := bootstrap.Build(ctx, root, arch, built); err != nil {
		return "", err
	}
	img, err := image.Build(image.Options{Arch: arch, Bootstrap: built})
	if err != nil {
		return "", err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return "", fmt.Errorf("read %s image configuration: %w", arch, err)
	}
	if cfg.Architecture != arch || cfg.OS != "linux" {
		return "", fmt.Errorf("image built for %s says it is %s/%s", arch, cfg.OS, cfg.Architecture)
	}
	if ep := cfg.Config.Entrypoint; len(ep) != 1 || ep[0] != image.BootstrapPath {
		return "", fmt.Errorf("%s image entrypoint is %q, want [%s]", arch, ep, image.BootstrapPath)
	}
	data, mode, err := extractFile(mutate.Extract(img), strings.TrimPrefix(image.BootstrapPath, "/"))
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "bootstrap-"+arch)
	tmp := fmt.Sprintf("%s.%d", out, os.Getpid())
	if err := os.WriteFile(tmp, data, os.FileMode(mode&0o777)); err != nil {
		return "", fmt.Errorf("write bootstrap: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("install bootstrap: %w", err)
	}
	return out, nil
}

// qemuAarch64 returns the user-mode arm64 emulator that runs the arm64
// bootstrap on other machines: $MOVIES_QEMU_AARCH64, else
// qemu-aarch64-static on PATH (Debian package qemu-user-static). It is called
// explicitly, so no binfmt_misc registration is needed. It skips the test when
// the emulator is missing, and fails instead under CI=true.
func qemuAarch64(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("MOVIES_QEMU_AARCH64")
	if p == "" {
		p = "qemu-aarch64-static"
	}
	found, err := exec.LookPath(p)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s not found: %v; install the Debian package qemu-user-static (.ci/run does when it runs as root)", p, err)
		}
		tb.Skipf("skipping the arm64 image test: %s not found; install it with `apt-get install qemu-user-static` (or set MOVIES_QEMU_AARCH64)", p)
	}
	return found
}

// extractFile returns the contents and mode of the regular file name in a tar stream.
func extractFile(rc io.ReadCloser, name string) ([]byte, int64, error) {
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("%s is not in the image", name)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read image filesystem: %w", err)
		}
		if strings.TrimPrefix(hdr.Name, "/") == name && hdr.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			if err != nil {
				return nil, 0, fmt.Errorf("read %s: %w", name, err)
			}
			return data, hdr.Mode, nil
		}
	}
}
