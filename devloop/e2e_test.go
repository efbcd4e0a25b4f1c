//go:build linux

package devloop_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies/devloop"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/internal/rietest"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

// swapsUnderLoad is how many swaps the steady clients go through.
const swapsUnderLoad = 3

// TestEditLoop runs `movies serve --watch` on a copy of the module, in both
// invoke modes: it edits a handler's message and waits until the API answers
// with it; breaks the build and checks that the compiler's message is
// printed once and the old code still answers; fixes it; rewrites 50 files
// at once and checks that this makes one build; runs eight steady keep-alive
// clients and two that open a connection per request through several swaps,
// counting every answer but 200 and every transport error as a failure
// (there must be none), while in each swap a connection that the old server
// accepted sends its request after the new server serves, and must be
// answered; kills the server and checks that it is started again. Finally
// Ctrl-C stops the loop with exit code 0 and nothing left running.
func TestEditLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module several times")
	}
	dir := copyModule(t)
	bin := buildMovies(t, dir)
	t.Run("invoke=inprocess,store=file", func(t *testing.T) {
		testEditLoop(t, dir, bin, true, os.Environ(), "--store", "file:"+filepath.Join(t.TempDir(), "movies.db"))
	})
	t.Run("invoke=rie,store=dynamodb", func(t *testing.T) {
		rie := rietest.RIEPath(t)
		srv := ddblocal.Shared(t)
		table := ddbtest.NewTable(t, srv)
		testEditLoop(t, dir, bin, false, append(os.Environ(), srv.Env()...),
			"--store", "dynamodb:"+table, "--invoke", "rie", "--rie", rie, "--pool", "1")
	})
}

// testEditLoop runs the test on the module copy dir with the loop binary bin,
// env and the serve flags args; seeded says the store is the embedded one,
// which the loop seeds with the built-in sample.
func testEditLoop(t *testing.T, dir, bin string, seeded bool, env []string, args ...string) {
	original, err := os.ReadFile(filepath.Join(dir, handlerFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.WriteFile(filepath.Join(dir, handlerFile), original, 0o644) })
	s := startDev(t, bin, dir, env, args...)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	waitMessage(t, client, s.URL, "movie not found")

	setMessage(t, dir, "movie not found (edited)")
	waitMessage(t, client, s.URL, "movie not found (edited)")
	s.waitStderr(t, 0, "rebuilt after "+handlerFile+" changed: build ")

	// A broken build: the compiler's message, once, and the old code serves.
	offset := s.stderr.Len()
	editHandler(t, dir, func(src string) string {
		return src + "\nfunc brokenOnPurpose() int { return undefinedOnPurpose }\n"
	})
	s.waitStderr(t, offset, "still serving the last good build")
	printed := s.stderr.String()[offset:]
	compilerMsg := regexp.MustCompile(regexp.QuoteMeta(handlerFile) + `:\d+:\d+: undefined: undefinedOnPurpose`)
	if n := len(compilerMsg.FindAllString(printed, -1)); n != 1 {
		t.Errorf("the compiler's message (file:line:col: undefined: undefinedOnPurpose) was printed %d times, want once:\n%s", n, printed)
	}
	if !strings.Contains(printed, "build failed after "+handlerFile+" changed") {
		t.Errorf("no line says the build failed:\n%s", printed)
	}
	waitMessage(t, client, s.URL, "movie not found (edited)")

	// Fixed: the next good save serves.
	editHandler(t, dir, func(string) string {
		return msgLine.ReplaceAllLiteralString(string(original), `const msgNotFound = "movie not found (fixed)"`)
	})
	waitMessage(t, client, s.URL, "movie not found (fixed)")

	// A burst of 50 writes (a git checkout) makes one build; the same
	// contents make the same binaries, and the server keeps running.
	offset = s.stderr.Len()
	rewriteGoFiles(t, dir, 50)
	s.waitStderr(t, offset, "and 49 more changed: build ")
	time.Sleep(time.Second) // a second build would start within the quiet period
	if n := strings.Count(s.stderr.String()[offset:], " changed"); n != 1 {
		t.Errorf("a burst of 50 writes made %d builds, want 1:\n%s", n, s.ownLines(offset))
	}
	if !strings.Contains(s.stderr.String()[offset:], "binaries unchanged: the server keeps running") {
		t.Errorf("writing the same contents swapped the server:\n%s", s.ownLines(offset))
	}

	// Swaps under steady load: not one failed request. In each, a
	// connection opened before the new build was written sends its request
	// just after the new server serves: the old server accepted it, and
	// must answer it, with the old code, before it shuts down.
	l := startLoad(8, 2, s.URL+"/list?limit=1")
	old := "movie not found (fixed)"
	for i := range swapsUnderLoad {
		h := startHolder(t, s.URL, dir)
		offset := s.stderr.Len()
		msg := "movie not found (swap " + string(rune('1'+i)) + ")"
		setMessage(t, dir, msg)
		held := h.take(t)
		s.waitStderr(t, offset, "new code serving")
		time.Sleep(20 * time.Millisecond) // the old server has been told to stop
		switch got, err := held.ask(); {
		case err != nil:
			t.Errorf("swap %d: %v", i+1, err)
		case got != old:
			t.Logf("swap %d: the connection held through it was answered by the new server (%q)", i+1, got)
		}
		waitMessage(t, client, s.URL, msg)
		old = msg
		time.Sleep(200 * time.Millisecond) // load on the new server while the old one drains
	}
	res := l.finish()
	t.Logf("%d swaps under load: %d requests answered 200, %d failed; Go's client sent %d again on a new connection",
		swapsUnderLoad, res.ok, res.failed, res.retried)
	if res.failed != 0 || res.ok == 0 {
		t.Errorf("%d swaps under load with 10 clients: %d failed requests, %d ok; want 0 failed; first failures: %q",
			swapsUnderLoad, res.failed, res.ok, res.failures)
	}

	// A server that dies is started again, with the same code.
	offset = s.stderr.Len()
	servers := s.servers()
	for deadline := time.Now().Add(devloop.StopTimeout); len(servers) != 1 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the old server of the last swap is still exiting
		servers = s.servers()
	}
	if len(servers) != 1 {
		t.Fatalf("%d servers run after the swaps, want 1: %v", len(servers), servers)
	}
	if err := syscall.Kill(servers[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitStderr(t, offset, "starting it again")
	waitMessage(t, client, s.URL, old)

	// The embedded store kept its data through the swaps.
	if body, err := get(t.Context(), client, s.URL+"/list?limit=1"); seeded && (err != nil || !strings.Contains(body, `"title"`)) {
		t.Errorf("after the swaps /list?limit=1 answered %s, %v; want a movie", body, err)
	}

	// Ctrl-C: exit 0, no server or emulator left, no build left behind.
	s.stop(t)
	if left := processesUnder(dir); len(left) > 0 {
		t.Errorf("processes left after serve --watch exited:\n%s", strings.Join(left, "\n"))
	}
	if entries, err := os.ReadDir(filepath.Join(dir, ".cache", "dev")); err == nil {
		for _, e := range entries {
			t.Errorf("build directory left behind: .cache/dev/%s", e.Name())
		}
	}
}
