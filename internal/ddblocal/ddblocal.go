// Package ddblocal runs the official DynamoDB Local jar for tests and benchmarks:
// it finds the jar installed by scripts/install-dynamodb-local.sh, starts it
// in memory on a free loopback port, waits until it accepts connections, and stops it.
package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// ErrNotInstalled is returned when the DynamoDB Local jar or Java cannot be found.
var ErrNotInstalled = errors.New("DynamoDB Local is not installed: run `make test` (or scripts/install-dynamodb-local.sh) first")

// Region is the region used with DynamoDB Local; any value works.
const Region = "us-east-1"

// Dir returns the directory that holds DynamoDBLocal.jar: $DYNAMODB_LOCAL_DIR,
// else .cache/dynamodb-local under the module root (found from the working directory).
func Dir() (string, error) {
	if d := os.Getenv("DYNAMODB_LOCAL_DIR"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("ddblocal: working directory: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil && !isSubmodule(d) {
			return filepath.Join(d, ".cache", "dynamodb-local"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("ddblocal: no go.mod above %s", wd)
		}
	}
}

// isSubmodule reports whether d is a nested module (such as infra/) rather than the repo root.
func isSubmodule(d string) bool {
	_, err := os.Stat(filepath.Join(filepath.Dir(d), "go.mod"))
	return err == nil
}

// Server is a running DynamoDB Local process.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Port     int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the running process has exited
	dir  string
}

// Start starts DynamoDB Local in memory on a free loopback port and waits
// (bounded by ctx and 60 s) until it accepts connections.
func Start(ctx context.Context) (*Server, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "DynamoDBLocal.jar")); err != nil {
		return nil, fmt.Errorf("%w (looked in %s)", ErrNotInstalled, dir)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return nil, fmt.Errorf("%w: java is not on PATH", ErrNotInstalled)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, dir: dir}
	if err := s.Restart(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Restart starts the process again on the same port after Stop. It does nothing if it is running.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	// Not CommandContext: the server outlives ctx, which bounds only the start; Stop ends it.
	cmd := exec.Command("java", "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", //nolint:noctx // see above
		"-inMemory", "-disableTelemetry", "-port", strconv.Itoa(s.Port))
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "DDB_LOCAL_TELEMETRY=0")
	setProcAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("ddblocal: start java: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			s.cmd, s.done = cmd, done
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("ddblocal: java exited before listening on %s", addr)
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("ddblocal: not listening on %s: %w", addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop kills the process and waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
	return nil
}

// Config returns an AWS configuration that talks to this server with dummy credentials.
// Pass it to the dynamodb store, or build a client with BaseEndpoint set to s.Endpoint.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("ddblocal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
