package reliability_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/internal/rietest"
)

// TestLoadCommandKilledAndRerun runs `movies load` into DynamoDB Local through
// a proxy that slows every call, kills the process with SIGKILL (no chance to
// clean up) once part of the file is in the table, then reruns the command and
// checks that the table holds exactly the file's items. It runs on each
// full-size catalogue.
func TestLoadCommandKilledAndRerun(t *testing.T) {
	srv := ddblocal.Shared(t)
	bin := rietest.BuildPackage(t, "../cmd/movies")
	for _, f := range loadFiles(t) {
		t.Run(f.name, func(t *testing.T) { loadKilledAndRerun(t, srv, bin, f.path, f.want) })
	}
}

// loadKilledAndRerun runs TestLoadCommandKilledAndRerun on the file at path.
func loadKilledAndRerun(t *testing.T, srv *ddblocal.Server, bin, path string, want map[movies.Key]bool) {
	table := ddbtest.NewTable(t, srv)
	proxy := slowProxy(t, srv)

	env := func(endpoint string) []string {
		return append(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB="+endpoint, "AWS_REGION="+ddblocal.Region,
			"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "load", "--store", "dynamodb:"+table, path)
	cmd.Env = env(proxy.URL)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start movies load: %v", err)
	}
	// Kill once some writes have landed, well before the end.
	deadline := time.Now().Add(2 * time.Minute)
	for n := 0; n < 50; n = len(scanKeys(t, srv, table)) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no writes reached the table; output:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill: %v", err)
	}
	_ = cmd.Wait()
	partial := scanKeys(t, srv, table)
	t.Logf("killed load left %d of %d items", len(partial), len(want))
	if len(partial) >= len(want) {
		t.Fatalf("the load finished before it was killed; slow the proxy down")
	}

	out.Reset()
	rerun := exec.CommandContext(ctx, bin, "load", "--store", "dynamodb:"+table, path)
	rerun.Env = env(srv.Endpoint)
	rerun.Stdout, rerun.Stderr = &out, &out
	if err := rerun.Run(); err != nil {
		t.Fatalf("rerun: %v\n%s", err, out.String())
	}
	requireExactKeys(t, scanKeys(t, srv, table), want)
}
