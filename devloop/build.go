package devloop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/movieskit/movies/image/bootstrap"
)

// Builds go to .cache/dev/PID/N under the module root, one directory per
// build, so that a build never writes over the binary of a server that is
// still running (or draining); a directory is removed once its server has
// exited, and the PID directory when the loop ends. The cache directory is
// git-ignored.
const buildsDir = ".cache/dev"

// serverFlags are the go build flags of the server: the serveonly tag, which
// builds the CLI with its serve command alone (the same serve, without the
// commands and packages it does not use: a smaller main package and binary
// to compile and link after each edit); no DWARF and no symbol table
// (-s -w), which makes linking a good deal faster (stack traces keep their
// file:line); and no version-control stamp, which would run git on every
// build. None of them changes how a package compiles, so compiled packages
// are shared with `make build`.
var serverFlags = []string{"-tags=serveonly", "-buildvcs=false", "-ldflags=-s -w"}

// buildWaitDelay is how long a cancelled go build has to stop after SIGINT
// before it is killed.
const buildWaitDelay = 5 * time.Second

// target is one binary that each build makes.
type target struct {
	name string // the binary's file name
	// command returns the go build command that writes the binary to out.
	command func(ctx context.Context, root, out string) (*exec.Cmd, error)
}

// serverTarget builds the server's main package pkg with serverFlags.
func serverTarget(pkg string) target {
	return target{name: "server", command: func(ctx context.Context, root, out string) (*exec.Cmd, error) {
		args := append([]string{"build"}, serverFlags...)
		args = append(args, "-o", out, pkg)
		cmd := exec.CommandContext(ctx, bootstrap.GoCommand(), args...) //nolint:gosec // G204: the go toolchain on the module's own package
		cmd.Dir = root
		return cmd, nil
	}}
}

// bootstrapTarget builds the Lambda bootstrap exactly as the image does
// (bootstrap.Command: the image's flags, static, for linux), for this
// machine's architecture so that it runs here under aws-lambda-rie.
var bootstrapTarget = target{name: "bootstrap", command: func(ctx context.Context, root, out string) (*exec.Cmd, error) {
	cmd, err := bootstrap.Command(ctx, root, runtime.GOARCH, out)
	if err != nil {
		return nil, fmt.Errorf("build the bootstrap: %w", err)
	}
	return cmd, nil
}}

// build is one successful build of every target.
type build struct {
	seq  int
	dir  string            // holds the binaries
	bins map[string]string // target name → binary path
	took time.Duration
}

// CompileError is a build that failed in the compiler (or the go command):
// Output holds its messages as go build printed them, file:line:col first,
// each line once even when several targets failed on the same package.
type CompileError struct {
	Output string
	took   time.Duration // how long the failed build ran
}

func (e *CompileError) Error() string { return "go build failed:\n" + e.Output }

// builder makes numbered builds of the targets under dir.
type builder struct {
	root    string
	dir     string
	targets []target
	seq     int
}

// build builds every target at once into a new directory. A failure of the
// compiler is a *CompileError; the directory is then removed.
func (b *builder) build(ctx context.Context) (*build, error) {
	b.seq++
	dir := filepath.Join(b.dir, strconv.Itoa(b.seq))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("build directory: %w", err)
	}
	start := time.Now()
	outputs := make([][]byte, len(b.targets))
	errs := make([]error, len(b.targets))
	bins := map[string]string{}
	var wg sync.WaitGroup
	for i, t := range b.targets {
		out := filepath.Join(dir, t.name)
		bins[t.name] = out
		wg.Go(func() {
			cmd, err := t.command(ctx, b.root, out)
			if err != nil {
				errs[i] = err
				return
			}
			// A build cancelled (files changed again, or the loop stops)
			// is interrupted as a whole; see interruptGroup.
			cmd.SysProcAttr = buildAttr()
			cmd.Cancel = func() error { return interruptGroup(cmd.Process) }
			cmd.WaitDelay = buildWaitDelay
			outputs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	took := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		_ = os.RemoveAll(dir)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return nil, err
		}
		return nil, &CompileError{Output: mergeOutputs(outputs), took: took}
	}
	return &build{seq: b.seq, dir: dir, bins: bins, took: took}, nil
}

// mergeOutputs joins the outputs of several go build commands, each line
// once, in order: two targets that fail on the same package print the same
// "# package" header and messages.
func mergeOutputs(outputs [][]byte) string {
	seen := map[string]bool{}
	var b strings.Builder
	for _, out := range outputs {
		for line := range strings.SplitSeq(strings.TrimRight(string(out), "\n"), "\n") {
			if line == "" || seen[line] {
				continue
			}
			seen[line] = true
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// sameBinaries reports whether every binary of a is byte for byte the one
// of b: a change that does not reach the binaries (a comment edited in
// place, a package neither binary imports) needs no new server.
func sameBinaries(a, b *build) bool {
	if a == nil || b == nil {
		return false
	}
	for name, pa := range a.bins {
		same, err := sameFile(pa, b.bins[name])
		if err != nil || !same {
			return false
		}
	}
	return true
}

// sameFile compares two files' contents, stopping at the first difference.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Open(a) //nolint:gosec // G304: binaries this loop built
	if err != nil {
		return false, err
	}
	defer func() { _ = fa.Close() }() // read only
	fb, err := os.Open(b)             //nolint:gosec // G304: binaries this loop built
	if err != nil {
		return false, err
	}
	defer func() { _ = fb.Close() }() // read only
	sa, err := fa.Stat()
	if err != nil {
		return false, err
	}
	sb, err := fb.Stat()
	if err != nil {
		return false, err
	}
	if sa.Size() != sb.Size() {
		return false, nil
	}
	bufA, bufB := make([]byte, 1<<16), make([]byte, 1<<16)
	for {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		if errA != nil || errB != nil {
			eof := func(err error) bool { return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) }
			if eof(errA) && eof(errB) {
				return true, nil
			}
			return false, errors.Join(errA, errB)
		}
	}
}

// embedded lists the files that the module's own packages among the
// dependencies of pkgs embed (//go:embed), relative to root and
// slash-separated, for the watcher.
func embedded(ctx context.Context, root string, pkgs []string) ([]string, error) {
	args := append([]string{"list", "-e", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{range .EmbedFiles}}{{$.Dir}}{{"\t"}}{{.}}{{"\n"}}{{end}}{{end}}{{end}}`}, pkgs...)
	cmd := exec.CommandContext(ctx, bootstrap.GoCommand(), args...) //nolint:gosec // G204: the go toolchain on the module's own packages
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list the embedded files: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var files []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		dir, file, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		rel, err := filepath.Rel(root, filepath.Join(dir, file))
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		files = append(files, filepath.ToSlash(rel))
	}
	return files, nil
}
