// Package ddblocal runs the official DynamoDB Local jar for tests and benchmarks:
// it finds the jar installed by scripts/install-dynamodb-local.sh, starts it
// in memory on a free loopback port, waits until it accepts connections, and stops it.
package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/movieskit/movies/internal/loopback"
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
	ports, err := loopback.FreePorts(1)
	if err != nil {
		return nil, fmt.Errorf("ddblocal: %w", err)
	}
	port := ports[0]
	s := &Server{Endpoint: "http://" + loopback.Addr(port), Port: port, dir: dir}
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
	if err := loopback.WaitListening(ctx, loopback.Addr(s.Port), done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("ddblocal: java: %w", err)
	}
	s.cmd, s.done = cmd, done
	return nil
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

// Env returns the environment that points a process's AWS SDK at this
// server with dummy credentials, for the CLI and the Lambda bootstrap run
// as processes: add it to os.Environ().
func (s *Server) Env() []string {
	return []string{"AWS_ENDPOINT_URL_DYNAMODB=" + s.Endpoint, "AWS_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local"}
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
