//go:build linux

package devloop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies/devloop"
	"github.com/movieskit/movies/internal/proctest"
	"github.com/movieskit/movies/internal/rietest"
)

// What the end-to-end tests and the benchmark share: a copy of the module to
// edit, `movies serve --watch` running on it, edits of a handler's message,
// and clients that wait for the edit or load the server.

// Bounds on waits; they only stop a hung test.
const (
	buildWait   = 5 * time.Minute // a first build of a fresh copy on a busy machine
	editWait    = 3 * time.Minute // an edit until it is served
	requestWait = 30 * time.Second
)

// handlerFile is the handler the tests edit, and msgLine its line that holds
// the message of every 404 "movie not found".
const handlerFile = "api/get.go"

var msgLine = regexp.MustCompile(`(?m)^const msgNotFound = ".*"$`)

// notFoundPath is a request whose answer carries that message.
const notFoundPath = "/get/1900/No%20such%20movie"

// copyModule copies what go build needs of the module into a new directory
// and returns it: the non-test files of the module's packages that the
// server and the bootstrap import (with those that build constraints leave
// out, such as the serveonly build's), the files those embed, go.mod, go.sum,
// and the Makefile (the by-hand baseline runs make run). Go's build cache is
// shared, so building the copy compiles only the module's own packages.
func copyModule(tb testing.TB) string {
	tb.Helper()
	root := rietest.RepoRoot(tb)
	dst := filepath.Join(tb.TempDir(), "movies")
	ctx, cancel := context.WithTimeout(context.Background(), buildWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-json=Dir,Module,GoFiles,IgnoredGoFiles,CgoFiles,SFiles,HFiles,EmbedFiles",
		"./cmd/movies", "./cmd/bootstrap")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go list: %v", err)
	}
	files := []string{"go.mod", "go.sum", "Makefile"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir                                                           string
			Module                                                        *struct{ Main bool }
			GoFiles, IgnoredGoFiles, CgoFiles, SFiles, HFiles, EmbedFiles []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			tb.Fatalf("go list: %v", err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			tb.Fatal(err)
		}
		for _, group := range [][]string{p.GoFiles, p.IgnoredGoFiles, p.CgoFiles, p.SFiles, p.HFiles, p.EmbedFiles} {
			for _, f := range group {
				files = append(files, filepath.Join(rel, f))
			}
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(f)), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dst
}

// buildMovies builds ./cmd/movies in dir as make build does and returns it.
func buildMovies(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "movies")
	ctx, cancel := context.WithTimeout(context.Background(), buildWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/movies")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./cmd/movies: %v\n%s", err, out)
	}
	return bin
}

// setMessage rewrites the handler's not-found message in the copy dir, as
// an editor saves a file, and returns when the write was done.
func setMessage(tb testing.TB, dir, msg string) time.Time {
	tb.Helper()
	return editHandler(tb, dir, func(src string) string {
		return msgLine.ReplaceAllLiteralString(src, fmt.Sprintf("const msgNotFound = %q", msg))
	})
}

// editHandler rewrites the handler file with edit.
func editHandler(tb testing.TB, dir string, edit func(string) string) time.Time {
	tb.Helper()
	path := filepath.Join(dir, handlerFile)
	src, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	out := edit(string(src))
	if out == string(src) {
		tb.Fatalf("the edit did not change %s (is msgNotFound still there?)", handlerFile)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		tb.Fatal(err)
	}
	return time.Now()
}

// rewriteGoFiles writes n of the copy's Go files again with the same
// contents, at once, as a git checkout does.
func rewriteGoFiles(tb testing.TB, dir string, n int) {
	tb.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") && !strings.Contains(p, "/.cache/") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < n {
		tb.Fatalf("%d Go files in the copy, want %d: %v", len(files), n, err)
	}
	for _, f := range files[:n] {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(f, data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// waitMessage asks base for a missing movie until the answer carries msg,
// and returns when that answer arrived.
func waitMessage(tb testing.TB, client *http.Client, base, msg string) time.Time {
	tb.Helper()
	want := fmt.Sprintf(`{"message":%q}`, msg)
	ctx, cancel := context.WithTimeout(context.Background(), editWait)
	defer cancel()
	last := ""
	for {
		body, err := get(ctx, client, base+notFoundPath)
		if err == nil && body == want {
			return time.Now()
		}
		if err != nil {
			last = err.Error()
		} else {
			last = body
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("%s did not answer %s within %s; last answer: %s", base, want, editWait, last)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// get returns the body of a GET of u.
func get(ctx context.Context, client *http.Client, u string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, requestWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

// heldConn is a connection opened before a swap whose request is sent after
// it: the old server accepted it, and must answer it.
type heldConn struct {
	net.Conn
}

// holder keeps a connection open to the server that serves now, until the
// next build is written: the connection it holds then was accepted by the
// old server. It replaces the connection every holdFor, since a server closes
// a connection that sends no request within gateway.ReadHeaderTimeout, and a
// build on a busy machine can take longer.
type holder struct {
	conn   net.Conn
	stop   chan struct{}
	done   chan struct{}
	dialed int
	err    error
}

const holdFor = time.Second

// startHolder starts holding connections to base until a new build of the
// loop running in dir appears.
func startHolder(tb testing.TB, base, dir string) *holder {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	builds := newestBuild(dir)
	h := &holder{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		var dialed time.Time
		for newestBuild(dir) == builds {
			if time.Since(dialed) >= holdFor {
				c, err := net.DialTimeout("tcp", u.Host, requestWait)
				if err != nil {
					h.err = err
					return
				}
				if h.conn != nil {
					_ = h.conn.Close()
				}
				h.conn, dialed = c, time.Now()
				h.dialed++
			}
			select {
			case <-h.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	tb.Cleanup(func() {
		h.halt()
		if h.conn != nil {
			_ = h.conn.Close()
		}
	})
	return h
}

// newestBuild returns the path of the newest server binary the loop in dir
// has built, or "".
func newestBuild(dir string) string {
	bins, _ := filepath.Glob(filepath.Join(dir, ".cache", "dev", "*", "*", "server"))
	newest, seq := "", -1
	for _, b := range bins {
		if n, err := strconv.Atoi(filepath.Base(filepath.Dir(b))); err == nil && n > seq {
			newest, seq = b, n
		}
	}
	return newest
}

func (h *holder) halt() {
	select {
	case <-h.done:
	default:
		close(h.stop)
		<-h.done
	}
}

// take waits until the new build appears and returns the connection held
// then.
func (h *holder) take(tb testing.TB) *heldConn {
	tb.Helper()
	select {
	case <-h.done:
	case <-time.After(editWait):
		tb.Fatal("no new build appeared")
	}
	if h.conn == nil {
		tb.Fatalf("no connection could be held: %v", h.err)
	}
	return &heldConn{Conn: h.conn}
}

// ask sends the not-found request on the held connection and returns the
// answer's message.
func (h *heldConn) ask() (string, error) {
	_ = h.SetDeadline(time.Now().Add(requestWait))
	if _, err := io.WriteString(h, "GET "+notFoundPath+" HTTP/1.1\r\nHost: movies\r\nConnection: close\r\n\r\n"); err != nil {
		return "", fmt.Errorf("send on a connection held through a swap: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(h), nil)
	if err != nil {
		return "", fmt.Errorf("answer on a connection held through a swap: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		return "", fmt.Errorf("answer on a connection held through a swap: %d %s, %w", resp.StatusCode, body, err)
	}
	var m struct{ Message string }
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("answer on a connection held through a swap: %s: %w", body, err)
	}
	return m.Message, nil
}

// syncBuffer is a bytes.Buffer safe for concurrent use: the loop's and
// its servers' stderr.
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

// Len returns how much was written so far.
func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// devServer is `movies serve --watch` running on a copy of the module.
type devServer struct {
	URL    string
	dir    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{}
	err    error
}

// startDev runs bin serve --watch in the module copy dir with env and args
// on a free loopback port, and returns once it printed its address.
func startDev(tb testing.TB, bin, dir string, env []string, args ...string) *devServer {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--watch", "--addr", "127.0.0.1:0"}, args...)...) //nolint:noctx // stopped by signals, as Ctrl-C stops it
	cmd.Dir, cmd.Env = dir, env
	s := &devServer{dir: dir, cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = s.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	banner := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			banner <- sc.Text()
		}
		close(banner)
		_, _ = io.Copy(io.Discard, stdout)
		s.err = cmd.Wait()
		close(s.exited)
	}()
	tb.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.stop(tb)
		}
		if tb.Failed() {
			tb.Logf("serve --watch said (its servers' JSON logs left out):\n%s", s.ownLines(0))
		}
	})
	select {
	case line, ok := <-banner:
		for f := range strings.FieldsSeq(line) {
			if ok && strings.HasPrefix(f, "http://") {
				s.URL = f
				return s
			}
		}
		tb.Fatalf("serve --watch printed %q, not its address; stderr:\n%s", line, s.stderr)
	case <-time.After(buildWait):
		tb.Fatal("serve --watch printed no address")
	}
	return nil
}

// ownLines returns the loop's own lines and the compiler's written after
// offset, without the servers' JSON logs.
func (s *devServer) ownLines(offset int) string {
	var b strings.Builder
	for line := range strings.SplitSeq(s.stderr.String()[offset:], "\n") {
		if !strings.HasPrefix(line, "{") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// waitStderr waits until the output written after offset contains s.
func (s *devServer) waitStderr(tb testing.TB, offset int, want string) {
	tb.Helper()
	deadline := time.Now().Add(editWait)
	for !strings.Contains(s.stderr.String()[offset:], want) {
		if time.Now().After(deadline) {
			tb.Fatalf("serve --watch did not print %q within %s", want, editWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop interrupts the loop as Ctrl-C does and checks that it exits 0.
func (s *devServer) stop(tb testing.TB) {
	tb.Helper()
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(devloop.StopTimeout + 30*time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		tb.Error("serve --watch did not exit after SIGINT")
		return
	}
	if s.err != nil {
		tb.Errorf("serve --watch exited with %v after SIGINT, want 0", s.err)
	}
}

// servers returns the process ids of the loop's running servers: its
// children that run a build.
func (s *devServer) servers() []int {
	procs, _ := proctest.List()
	var pids []int
	for _, p := range procs {
		if p.PPID == s.cmd.Process.Pid && strings.Contains(strings.Join(p.Argv, " "), "/.cache/dev/") {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

// processesUnder returns the processes whose command line names a file
// under dir (its servers and their emulators run binaries from dir/.cache).
func processesUnder(dir string) []string {
	procs, _ := proctest.List()
	var found []string
	for _, p := range procs {
		if cmdline := strings.Join(p.Argv, " "); strings.Contains(cmdline, dir+"/") {
			found = append(found, fmt.Sprintf("%d: %s", p.PID, cmdline))
		}
	}
	return found
}

// load is a steady set of clients: keepAlive of them reuse connections, as
// browsers and most clients do, and fresh more open a new connection for
// every request. Go's client sends a request again on a new connection when a
// reused one closes before any answer (RFC 9112, 9.3.1, allows it for
// idempotent requests); such requests count as retried. A request on a fresh
// connection is never sent again, so every request the swap loses, refuses
// or cuts off shows there as a failure.
type load struct {
	ok, failed atomic.Int64
	retried    atomic.Int64
	mu         sync.Mutex
	failures   []string // the first few
	stop       context.CancelFunc
	wg         sync.WaitGroup
}

// startLoad runs the clients; each GETs u in a loop and counts every answer
// other than 200, and every transport error, as a failure.
func startLoad(keepAlive, fresh int, u string) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{stop: cancel}
	reusing := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: keepAlive}}
	oneShot := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range keepAlive + fresh {
		client := reusing
		if i >= keepAlive {
			client = oneShot
		}
		l.wg.Go(func() {
			for ctx.Err() == nil {
				if err := l.once(ctx, client, u); err != nil && ctx.Err() == nil {
					l.failed.Add(1)
					l.mu.Lock()
					if len(l.failures) < 5 {
						l.failures = append(l.failures, err.Error())
					}
					l.mu.Unlock()
				}
			}
		})
	}
	return l
}

func (l *load) once(ctx context.Context, client *http.Client, u string) error {
	reqCtx, cancel := context.WithTimeout(ctx, requestWait)
	defer cancel()
	attempts := 0
	reqCtx = httptrace.WithClientTrace(reqCtx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { attempts++ }})
	defer func() {
		if attempts > 1 {
			l.retried.Add(1)
		}
	}()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("read the body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	l.ok.Add(1)
	return nil
}

// loadResult is what the clients saw.
type loadResult struct {
	ok, failed, retried int64
	failures            []string // the first few
}

// finish stops the clients and returns what they saw.
func (l *load) finish() loadResult {
	l.stop()
	l.wg.Wait()
	return loadResult{ok: l.ok.Load(), failed: l.failed.Load(), retried: l.retried.Load(), failures: l.failures}
}

// interrupt sends SIGINT to the process group led by pid (make run and the
// server it runs), as Ctrl-C in a terminal does.
func interrupt(pid int) error {
	return syscall.Kill(-pid, syscall.SIGINT)
}
