//go:build linux

package rietest

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/movieskit/movies/image"
)

// invokePath is the RIE endpoint that invokes the function.
const invokePath = "/2015-03-31/functions/function/invocations"

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
	if err := image.BuildBootstrap(ctx, root, arch, built); err != nil {
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

// rie is one running RIE process serving one function.
type rie struct {
	cmd  *exec.Cmd
	url  string // invoke URL
	done chan struct{}
	out  *syncBuffer // RIE's and the bootstrap's output, for failure messages
	once sync.Once
}

// startRIE starts RIE on free loopback ports with bootstrap as the runtime
// and handler as its argument, in env (a complete environment). It does not
// wait for RIE to listen; use waitReady. The process group is killed in cleanup.
func startRIE(tb testing.TB, riePath, bootstrap, handler string, env []string) *rie {
	tb.Helper()
	return startRIECommand(tb, riePath, []string{bootstrap, handler}, env)
}

// startRIECommand is startRIE with the runtime's whole command line: RIE
// execs command[0] with the rest as its arguments and takes the last one as
// the handler name, so a runtime can be started through an emulator such as
// qemu-aarch64-static.
func startRIECommand(tb testing.TB, riePath string, command, env []string) *rie {
	tb.Helper()
	addr, apiAddr := freeAddr(tb), freeAddr(tb)
	args := append([]string{
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr,
		"--log-level", "error",
	}, command...)
	// Not CommandContext: RIE outlives the call that starts it and is stopped in cleanup.
	cmd := exec.Command(riePath, args...) //nolint:noctx // see above
	cmd.Env = env
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so that stopping RIE also stops the bootstrap it
	// spawned; both die with the test process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start RIE: %v", err)
	}
	r := &rie{cmd: cmd, url: "http://" + addr + invokePath, done: make(chan struct{}), out: out}
	go func() { _ = cmd.Wait(); close(r.done) }()
	tb.Cleanup(r.stop)
	return r
}

// stop kills RIE and the bootstrap and waits for RIE to exit. Calling it again does nothing.
func (r *rie) stop() {
	r.once.Do(func() {
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.done
	})
}

// waitReady waits until RIE accepts connections.
func (r *rie) waitReady(ctx context.Context) error {
	host := strings.TrimPrefix(strings.TrimSuffix(r.url, invokePath), "http://")
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-r.done:
			return fmt.Errorf("RIE exited before listening:\n%s", r.out.String())
		case <-ctx.Done():
			return fmt.Errorf("RIE not listening on %s: %w", host, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// bootstrapPID returns the process id of the bootstrap that RIE started, or 0.
// Any of RIE's threads may have started it, so every thread's children are read.
func (r *rie) bootstrapPID() int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", r.cmd.Process.Pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			if pid, err := strconv.Atoi(f[0]); err == nil {
				return pid
			}
		}
	}
	return 0
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// invoke posts payload to the function and returns RIE's status and body.
func (r *rie) invoke(ctx context.Context, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, fmt.Errorf("invoke request: %w", err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("read invoke response: %w", err)
	}
	return resp.StatusCode, body, nil
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
