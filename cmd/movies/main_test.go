package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExitCodes runs every subcommand with bad input and checks the exit
// code the README promises (2 for usage errors, 65 for an invalid file) and
// that stderr says why. None of these cases reaches AWS or a network.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(t, dir)
	db := "file:" + filepath.Join(dir, "movies.db")
	tests := []struct {
		args []string
		code int
		why  string
	}{
		{[]string{"bogus"}, 2, `unknown command "bogus" for "movies"`},
		{[]string{}, 2, "missing command"},
		{[]string{"--bogus"}, 2, "unknown flag: --bogus"},

		{[]string{"serve", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"serve", "extra"}, 2, `unknown command "extra" for "movies serve"`},
		{[]string{"serve", "--timeout", "soon"}, 2, `invalid argument "soon" for "--timeout"`},
		{[]string{"serve", "--store", "mysql:x"}, 2, "want file:PATH or dynamodb:TABLE"},
		{[]string{"serve", "--addr", "127.0.0.1:99999"}, 2, `--addr "127.0.0.1:99999": want HOST:PORT with a port from 0 to 65535`},
		{[]string{"serve", "--addr", "127.0.0.1:-1"}, 2, "want HOST:PORT"},
		{[]string{"serve", "--addr", "127.0.0.1"}, 2, "missing port in address"},
		{[]string{"serve", "--addr", "127.0.0.1:no-such-service"}, 2, "want HOST:PORT"},
		{[]string{"serve", "--timeout", "-1s"}, 2, "--timeout must be from 50ms to 30s (API Gateway's integration timeout), not -1s"},
		{[]string{"serve", "--timeout", "0s"}, 2, "--timeout must be from 50ms to 30s"},
		{[]string{"serve", "--timeout", "49ms"}, 2, "--timeout must be from 50ms to 30s"},
		{[]string{"serve", "--timeout", "100h"}, 2, "--timeout must be from 50ms to 30s"},
		{[]string{"serve", "--timeout", "30.001s"}, 2, "--timeout must be from 50ms to 30s"},

		{[]string{"load"}, 2, "accepts 1 arg(s), received 0"},
		{[]string{"load", "a.json", "b.json"}, 2, "accepts 1 arg(s), received 2"},
		{[]string{"load", "--bogus", "a.json"}, 2, "unknown flag: --bogus"},
		{[]string{"load", "--workers", "many", "a.json"}, 2, `invalid argument "many" for "--workers"`},
		{[]string{"load", "--workers", "0", "a.json"}, 2, "--workers must be from 1 to 256"},
		{[]string{"load", "--store", "s3:bucket", "a.json"}, 2, "want file:PATH or dynamodb:TABLE"},
		{[]string{"load", "--store", db, write("malformed.json", `[{"year":2013,"title":"Rush"} x]`)}, 65, "malformed JSON at byte"},
		{[]string{"load", "--store", db, write("truncated.json", `[{"year":2013,"title":"Rush"}`)}, 65, "input is truncated"},
		{[]string{"load", "--store", db, write("empty.json", ``)}, 65, "input is truncated"},
		{[]string{"load", "--store", db, write("object.json", `{"year":2013}`)}, 65, "input is not a JSON array"},
		{[]string{"load", "--store", db, write("trailing.json", `[] {}`)}, 65, "data after the JSON array"},
		{[]string{"load", "--store", db, write("record.json", `[{"year":2013,"title":"Rush","title":"X"}]`)}, 65, `record 0 (2013/X): field "title" appears more than once`},
		{[]string{"load", "--store", db, write("broken.zip", "PK\x03\x04 not really")}, 65, "zip input is not a readable archive"},
		{[]string{"load", "--store", db, write("broken.json.gz", "\x1f\x8b not really")}, 65, "gzip input is corrupt"},
		{[]string{"load", "--store", db, filepath.Join(dir, "missing.json")}, 1, "no such file"},

		{[]string{"table"}, 2, "missing command: want one of create, delete, describe"},
		{[]string{"table", "bogus"}, 2, `unknown command "bogus" for "movies table"`},
		{[]string{"table", "create", "extra"}, 2, `unknown command "extra" for "movies table create"`},
		{[]string{"table", "create", "--billing", "free"}, 2, `billing must be "on-demand" or "provisioned"`},
		{[]string{"table", "describe", "--table"}, 2, "flag needs an argument: --table"},
		{[]string{"table", "delete", "--table", "bad!name"}, 2, `table name "bad!name" may contain only`},
		{[]string{"table", "create", "--timeout", "-1s"}, 2, "--timeout must be positive"},
		{[]string{"table", "describe", "--timeout", "0s"}, 2, "--timeout must be positive"},
		{[]string{"table", "delete", "--timeout", "-5m"}, 2, "--timeout must be positive"},

		{[]string{"event"}, 2, "want one function name"},
		{[]string{"event", "bogus"}, 2, `unknown function "bogus"`},
		{[]string{"event", "list", "--bogus"}, 2, "unknown flag: --bogus"},

		{[]string{"invoke"}, 2, "want one function name"},
		{[]string{"invoke", "get", "extra"}, 2, "want one function name"},
		{[]string{"invoke", "list", "--timeout", "-1s"}, 2, "--timeout must be positive"},

		{[]string{"image"}, 2, "missing command: want one of build"},
		{[]string{"image", "bogus"}, 2, `unknown command "bogus" for "movies image"`},
		{[]string{"image", "build", "extra"}, 2, `unknown command "extra" for "movies image build"`},
		{[]string{"image", "build", "--arch", "386"}, 2, `"386" is not supported`},

		{[]string{"cost", "extra"}, 2, "takes no arguments"},
		{[]string{"cost", "--format", "xml"}, 2, "--format must be table or json"},
		{[]string{"cost", "--bogus"}, 2, "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var stderr strings.Builder
			code := run(ctx, tt.args, strings.NewReader(""), io.Discard, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.why) {
				t.Fatalf("exit %d, want %d; stderr does not say %q:\n%s", code, tt.code, tt.why, stderr.String())
			}
			if tt.code == 2 && !strings.Contains(stderr.String(), "--help' for usage") {
				t.Errorf("a usage error does not point to --help:\n%s", stderr.String())
			}
		})
	}
}

// TestLoadCommandCompressed loads the sample as the AWS guide ships it (a
// zip holding moviedata.json) and as a .json.gz, built here; an invalid
// record in the zip is reported with the entry name and record index.
func TestLoadCommandCompressed(t *testing.T) {
	dir := t.TempDir()
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	f, err := zw.Create("moviedata.json")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(f, validFile)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var gbuf bytes.Buffer
	gw := gzip.NewWriter(&gbuf)
	_, _ = io.WriteString(gw, validFile)
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	var bad bytes.Buffer
	zw = zip.NewWriter(&bad)
	f, _ = zw.Create("moviedata.json")
	_, _ = io.WriteString(f, invalidFile)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"moviedata.zip": zbuf.Bytes(), "moviedata.json.gz": gbuf.Bytes(), "bad.zip": bad.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"moviedata.zip", "moviedata.json.gz"} {
		db := filepath.Join(t.TempDir(), "movies.db")
		var stderr strings.Builder
		code := run(context.Background(), []string{"load", "--store", "file:" + db, filepath.Join(dir, name)}, strings.NewReader(""), io.Discard, &stderr)
		if code != 0 || boltCount(t, db) != 3 {
			t.Fatalf("%s: exit %d\n%s", name, code, stderr.String())
		}
	}
	var stderr strings.Builder
	code := run(context.Background(), []string{"load", "--dry-run", filepath.Join(dir, "bad.zip")}, strings.NewReader(""), io.Discard, &stderr)
	for _, want := range []string{"moviedata.json: record 1: year must be an integer", "zip entry moviedata.json has 3 invalid record(s) out of 4"} {
		if code != exitInvalidInput || !strings.Contains(stderr.String(), want) {
			t.Fatalf("exit %d, stderr does not say %q:\n%s", code, want, stderr.String())
		}
	}
}

// TestLoadCommandInterruptedWhileValidating: Ctrl-C while a slow stdin is
// being validated exits promptly with 130 and writes nothing.
func TestLoadCommandInterruptedWhileValidating(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte(`[{"year":2013,"title":"Rush"},`)) }()
	ctx, cancel := context.WithCancel(context.Background())
	db := filepath.Join(t.TempDir(), "movies.db")
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"load", "--store", "file:" + db, "-"}, pr, io.Discard, &stderr) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted || boltCount(t, db) != 0 {
			t.Fatalf("exit %d, want %d with nothing written:\n%s", code, exitInterrupted, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("movies load did not exit within 10 s of the interrupt")
	}
}
