package reliability_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/internal/rietest"
)

// ddbEnv returns the environment that points the CLI at DynamoDB Local.
func ddbEnv(srv *ddblocal.Server) []string {
	return append(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB="+srv.Endpoint, "AWS_REGION="+ddblocal.Region,
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local")
}

// runMovies runs the CLI and returns its exit code and combined output.
func runMovies(t *testing.T, bin string, env []string, stdin *os.File, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if stdin != nil {
		cmd.Stdin = stdin
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	default:
		t.Fatalf("run movies %v: %v", args, err)
		return -1, ""
	}
}

// TestLoadRefusesWhatDynamoDBWouldRefuse: 500 good movies and one that
// breaks a DynamoDB rule on items (one case per rule, listed with its source
// in docs/RELIABILITY.md, "DynamoDB write limits"). The dry run and the real
// load into DynamoDB Local both refuse the file with exit 65, naming record
// 500 and the rule, and the table stays empty. (The load used to write the
// good movies and fail half-way, for each rule the validator did not know.)
func TestLoadRefusesWhatDynamoDBWouldRefuse(t *testing.T) {
	srv := ddblocal.Shared(t)
	bin := rietest.BuildPackage(t, "../cmd/movies")
	good, err := json.Marshal(generateMovies(500))
	if err != nil {
		t.Fatal(err)
	}
	// 199,000 ones: 398 KB of JSON, about 597 KB as a DynamoDB list.
	ones := `[` + strings.TrimSuffix(strings.Repeat("1,", 199_000), ",") + `]`
	tests := []struct {
		name, record, reason string
		key                  string // the problem's start after "record 500 ("; "2000/Bad): " when empty
	}{
		{"number out of range", `{"year":2000,"title":"Bad","info":{"r":1e400}}`, "out of DynamoDB's range", ""},
		{"number below the smallest", `{"year":2000,"title":"Bad","info":{"r":[-1e-131]}}`, "out of DynamoDB's range", ""},
		{"too many digits", `{"year":2000,"title":"Bad","info":{"r":1.23456789012345678901234567890123456789}}`,
			"significant digits", ""},
		{"zero with an exponent DynamoDB cannot read", `{"year":2000,"title":"Bad","info":{"r":0e-2147483648}}`,
			"exponent is out of range", ""},
		{"item over 400 KB in DynamoDB", `{"year":2000,"title":"Bad","info":{"r":` + ones + `}}`,
			"bytes in DynamoDB, more than the 409600-byte limit", ""},
		{"empty attribute name", `{"year":2000,"title":"Bad","info":{"":1}}`, "empty key", ""},
		{"attribute name of 65,536 bytes", `{"year":2000,"title":"Bad","info":{"a":[{"` + strings.Repeat("n", 65536) + `":1}]}}`,
			"info has a key of 65536 bytes", ""},
		{"sort key of 1,025 bytes", `{"year":2000,"title":"` + strings.Repeat("t", 1025) + `"}`, "title must be at most 1024 bytes", "2000/ttt"},
		{"empty sort key", `{"year":2000,"title":""}`, "title must not be empty", "2000/): "},
		{"nested 32 levels", `{"year":2000,"title":"Bad","info":` + strings.Repeat(`{"a":`, 32) + "1" + strings.Repeat("}", 32) + `}`,
			"nested more than 30 levels", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := ddbtest.NewTable(t, srv)
			in := strings.TrimSuffix(string(good), "]") + `,` + tt.record + `]`
			path := filepath.Join(t.TempDir(), "movies.json")
			if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
				t.Fatal(err)
			}
			key := tt.key
			if key == "" {
				key = "2000/Bad): "
			}
			problem := "record 500 (" + key
			for _, args := range [][]string{
				{"load", "--dry-run", "--store", "dynamodb:" + table, path},
				{"load", "--store", "dynamodb:" + table, path},
			} {
				code, out := runMovies(t, bin, ddbEnv(srv), nil, args...)
				if code != 65 || !strings.Contains(out, problem) || !strings.Contains(out, tt.reason) {
					t.Fatalf("%v: exit %d, want 65 naming record 500 and %q:\n%s", args, code, tt.reason, truncateOutput(out))
				}
			}
			if n := len(scanKeys(t, srv, table)); n != 0 {
				t.Fatalf("the table holds %d items after a refused load", n)
			}
		})
	}
}

// truncateOutput shortens a command's output for a failure message.
func truncateOutput(out string) string {
	const maxLen = 2000
	if len(out) <= maxLen {
		return out
	}
	return out[:maxLen] + "…"
}

// TestLoadRefusesATableOfAnotherKey: `movies load` into a table whose key is
// not year (N, HASH) + title (S, RANGE) exits 1 naming both keys before it
// writes anything. (Into a table keyed on year alone the load used to report
// all 501 movies loaded while the table kept one movie per year.)
func TestLoadRefusesATableOfAnotherKey(t *testing.T) {
	srv := ddblocal.Shared(t)
	bin := rietest.BuildPackage(t, "../cmd/movies")
	good, err := json.Marshal(generateMovies(501))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "movies.json")
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	client := dynamodb.NewClient(srv.Config())
	type key struct{ name, typ, keyType string }
	tests := []struct {
		name string
		key  []key
		want string
	}{
		{"year alone", []key{{"year", "N", "HASH"}}, "has the key year (N, HASH); movies need year (N, HASH), title (S, RANGE)"},
		{"title alone", []key{{"title", "S", "HASH"}}, "has the key title (S, HASH);"},
		{"keys swapped", []key{{"title", "S", "HASH"}, {"year", "N", "RANGE"}}, "has the key title (S, HASH), year (N, RANGE);"},
		{"year a string", []key{{"year", "S", "HASH"}, {"title", "S", "RANGE"}}, "has the key year (S, HASH), title (S, RANGE);"},
		{"another key", []key{{"id", "S", "HASH"}}, "has the key id (S, HASH);"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := fmt.Sprintf("OtherKey%d_%d", os.Getpid(), i)
			in := &ddb.CreateTableInput{TableName: &table, BillingMode: types.BillingModePayPerRequest}
			for _, k := range tt.key {
				in.AttributeDefinitions = append(in.AttributeDefinitions,
					types.AttributeDefinition{AttributeName: aws.String(k.name), AttributeType: types.ScalarAttributeType(k.typ)})
				in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.name), KeyType: types.KeyType(k.keyType)})
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := client.CreateTable(ctx, in); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = dynamodb.DeleteTable(context.Background(), client, table, false) })
			code, out := runMovies(t, bin, ddbEnv(srv), nil, "load", "--store", "dynamodb:"+table, path)
			if code != 1 || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want 1 and %q:\n%s", code, tt.want, out)
			}
			scan, err := client.Scan(ctx, &ddb.ScanInput{TableName: &table, Select: types.SelectCount})
			if err != nil {
				t.Fatal(err)
			}
			if scan.Count != 0 {
				t.Fatalf("the table holds %d items after a refused load", scan.Count)
			}
		})
	}
}

// TestLoadInterruptedWhileValidatingStdin: SIGINT while `movies load -`
// validates a stdin that has stopped sending exits promptly with 130. (It
// used to wait for stdin and exit 1.)
func TestLoadInterruptedWhileValidatingStdin(t *testing.T) {
	bin := rietest.BuildPackage(t, "../cmd/movies")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	defer pr.Close()
	if _, err := pw.WriteString(`[{"year":2013,"title":"Rush"},`); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "movies.db")
	interruptLoad(t, bin, pr, syscall.SIGINT, "load", "--store", "file:"+db, "-")
}

// TestLoadInterruptedWaitingForFIFO: SIGINT or SIGTERM while `movies load
// FIFO` waits for a writer to open the named pipe exits promptly with 130.
// (Both were ignored: the open blocked outside any context.)
func TestLoadInterruptedWaitingForFIFO(t *testing.T) {
	bin := rietest.BuildPackage(t, "../cmd/movies")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "movies.fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			interruptLoad(t, bin, nil, sig, "load", "--dry-run", fifo)
		})
	}
}

// interruptLoad starts the CLI with args, sends it sig once it waits for its
// input, and fails unless it exits with 130, saying that nothing was written,
// within 10 s.
func interruptLoad(t *testing.T, bin string, stdin *os.File, sig syscall.Signal, args ...string) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if stdin != nil {
		cmd.Stdin = stdin
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the load is waiting for its input
	sent := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(out.String(), "nothing was written") {
			t.Fatalf("exit %v, want 130 and nothing written:\n%s", err, out.String())
		}
		t.Logf("exited 130 %v after %v: %s", time.Since(sent).Round(time.Millisecond), sig, strings.TrimSpace(out.String()))
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("no exit within 10 s of %v:\n%s", sig, out.String())
	}
}

// TestLoadKilledLeavesNoTempFiles: `movies load` killed with SIGKILL leaves
// nothing in $TMPDIR. Its temporary files, the copy of a zip read from stdin
// and the validated copy of the input, are removed from the directory as
// soon as they are created: the test waits until the process holds one open
// and checks that the directory is empty while it runs and after the kill.
// (They used to be removed at the end of the load only.)
func TestLoadKilledLeavesNoTempFiles(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc")
	}
	bin := rietest.BuildPackage(t, "../cmd/movies")
	in, err := json.Marshal(generateMovies(500))
	if err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, err := zw.Create("moviedata.json")
	if err == nil {
		_, err = f.Write(in)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin []byte // the part of the input sent before stdin stalls
		args  []string
	}{
		{"zip on stdin", zipped.Bytes()[:zipped.Len()/2], []string{"load", "--dry-run", "-"}},
		{"JSON on stdin", in[:len(in)/2], []string{"load", "--store", "file:" + filepath.Join(t.TempDir(), "movies.db"), "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			defer pw.Close()
			go func() { _, _ = pw.Write(tt.stdin) }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, bin, tt.args...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = pr, &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			held := waitForOpenFileIn(t, cmd.Process.Pid, tmp)
			t.Logf("the load holds %s open", held)
			requireEmptyDir(t, tmp, "while the load runs")
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			requireEmptyDir(t, tmp, "after SIGKILL")
		})
	}
}

// waitForOpenFileIn waits until process pid has a file in dir open and
// returns its path as /proc shows it.
func waitForOpenFileIn(t *testing.T, pid int, dir string) string {
	t.Helper()
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		entries, _ := os.ReadDir(fds)
		for _, e := range entries {
			if target, err := os.Readlink(filepath.Join(fds, e.Name())); err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
				return target
			}
		}
	}
	t.Fatalf("process %d opened no file in %s within 30 s", pid, dir)
	return ""
}

// requireEmptyDir fails the test if dir has entries.
func requireEmptyDir(t *testing.T, dir, when string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s: %s is in $TMPDIR", when, e.Name())
	}
}
