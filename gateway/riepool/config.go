package riepool

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/movieskit/movies/gateway"
)

// The emulator's invocation endpoint and the pool's defaults.
const (
	// InvokePath is the path of the Lambda Invoke API served by aws-lambda-rie.
	InvokePath = "/2015-03-31/functions/function/invocations"
	// restartTimeout bounds one try of a background restart.
	restartTimeout = 30 * time.Second
	// relPath is where the Makefile installs aws-lambda-rie, relative to the repo root.
	relPath = ".cache/bin/aws-lambda-rie"
	// maxStarts is how many times a process start is tried (ports can be taken
	// between choosing and binding them).
	maxStarts = 3
	// restartBackoff is the pause between failed background restarts.
	restartBackoff = 500 * time.Millisecond
)

// ErrClosed is returned by Pool.Invoke after Close.
var ErrClosed = errors.New("rie pool closed")

// Config configures a Pool.
type Config struct {
	// RIE is the path to the aws-lambda-rie binary. Empty means DefaultPath().
	RIE string
	// Bootstrap is the path to the Lambda bootstrap binary. Required.
	Bootstrap string
	// Functions are the handler names; each gets its own processes. Required.
	Functions []string
	// Size is the number of processes per function; zero means runtime.NumCPU().
	Size int
	// Env is extra environment for the function, e.g. "TABLE_NAME=Movies",
	// added to this process's environment.
	Env []string
	// Timeout is the function timeout: each invocation is cut off after it
	// (the function's own context gets the same deadline). Zero means
	// gateway.DefaultTimeout.
	Timeout time.Duration
	// Logger receives process starts, exits and restarts, and at debug level
	// the emulator's and the function's output. Nil discards them.
	Logger *slog.Logger
}

// withDefaults returns cfg with zero fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.RIE == "" {
		cfg.RIE = DefaultPath()
	}
	if cfg.Size <= 0 {
		cfg.Size = runtime.NumCPU()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = gateway.DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// validate reports a missing binary or an empty function list.
func (cfg Config) validate() error {
	if len(cfg.Functions) == 0 {
		return errors.New("rie pool: no functions")
	}
	for _, f := range cfg.Functions {
		if f == "" {
			return errors.New("rie pool: empty function name")
		}
	}
	for _, bin := range []struct{ name, path string }{{"aws-lambda-rie", cfg.RIE}, {"bootstrap", cfg.Bootstrap}} {
		if bin.path == "" {
			return fmt.Errorf("rie pool: %s path is empty", bin.name)
		}
		fi, err := os.Stat(bin.path)
		if err != nil {
			return fmt.Errorf("rie pool: %s: %w", bin.name, err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("rie pool: %s %s is not an executable file", bin.name, bin.path)
		}
	}
	return nil
}

// DefaultPath returns the aws-lambda-rie binary to use: $MOVIES_RIE when
// set, else .cache/bin/aws-lambda-rie in the nearest directory above the
// working directory that has one (where the Makefile installs it), else
// aws-lambda-rie from $PATH, else "".
func DefaultPath() string {
	if p := os.Getenv("MOVIES_RIE"); p != "" {
		return p
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, relPath)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	return ""
}
