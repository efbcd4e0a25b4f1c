package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies/bolt"
)

const (
	validFile   = `[{"year":2013,"title":"Rush","info":{"rating":8.3}},{"year":2013,"title":"Prisoners"},{"year":1997,"title":"Face/Off"}]`
	invalidFile = `[{"year":2013,"title":"Rush"},{"year":"x","title":"Bad"},{"year":2013,"title":"Rush"},{"year":0,"title":"Zero"}]`
)

// boltCount opens the embedded store at path and returns its number of movies.
func boltCount(t *testing.T, path string) int {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := s.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fileWriter returns a function that writes a file of the given name and
// content into dir and returns its path.
func fileWriter(t *testing.T, dir string) func(name, content string) string {
	return func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

func TestLoadCommand(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(t, dir)
	valid, invalid := write("valid.json", validFile), write("invalid.json", invalidFile)
	notArray := write("object.json", `{"year":2013}`)
	escapes := write("escapes.json", `[{"year":2013,"title":"a\u001b[31mred","x":1},{"year":2013,"title":"Rush","Year":1}]`)
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	if f, err := zw.Create("m\x1b[2J.json"); err != nil {
		t.Fatal(err)
	} else if _, err := io.WriteString(f, invalidFile); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	escapedEntry := write("escaped-entry.zip", zipped.String())
	tests := []struct {
		name      string
		args      func(db string) []string
		stdin     string
		wantCode  int
		wantErr   []string // substrings of stderr
		wantItems int      // movies in the store afterwards; -1: the store file must not exist
	}{
		{name: "file", args: func(db string) []string { return []string{"--store", "file:" + db, valid} },
			wantErr: []string{"loaded 3 of 3 movies in", "movies/s, 0 retries) into file:"}, wantItems: 3},
		{name: "stdin", args: func(db string) []string { return []string{"--store", "file:" + db, "--workers", "2", "-"} },
			stdin: validFile, wantErr: []string{"loaded 3 of 3 movies"}, wantItems: 3},
		{name: "dry run", args: func(db string) []string { return []string{"--store", "file:" + db, "--dry-run", valid} },
			wantErr: []string{"3 valid movies; nothing written (dry run)"}, wantItems: -1},
		{name: "invalid records", args: func(db string) []string { return []string{"--store", "file:" + db, invalid} },
			wantCode: exitInvalidInput, wantErr: []string{
				"record 1: year must be an integer\n",
				"record 2 (2013/Rush): duplicate key: same year and title as record 0\n",
				"record 3 (0/Zero): year must be an integer from 1 to 9999\n",
				"3 invalid record(s) out of 4; nothing was written"}},
		{name: "invalid dry run", args: func(db string) []string { return []string{"--store", "file:" + db, "--dry-run", invalid} },
			wantCode: exitInvalidInput, wantErr: []string{"record 1: year must be an integer"}, wantItems: -1},
		{name: "not an array", args: func(db string) []string { return []string{"--store", "file:" + db, notArray} },
			wantCode: exitInvalidInput, wantErr: []string{"input is not a JSON array"}},
		{name: "escape sequences in titles", args: func(db string) []string { return []string{"--store", "file:" + db, escapes} },
			wantCode: exitInvalidInput, wantErr: []string{
				`record 0 (2013/"a\x1b[31mred"): unknown field "x" (allowed: year, title, info)` + "\n",
				`record 1 (2013/Rush): unknown field "Year" (allowed: year, title, info)` + "\n"}},
		{name: "escape sequence in a zip entry name", args: func(db string) []string { return []string{"--store", "file:" + db, escapedEntry} },
			wantCode: exitInvalidInput, wantErr: []string{
				`"m\x1b[2J.json": record 1: year must be an integer` + "\n",
				`movies: zip entry "m\x1b[2J.json" has 3 invalid record(s) out of 4; nothing was written`}},
		{name: "missing file", args: func(db string) []string { return []string{"--store", "file:" + db, filepath.Join(dir, "nope.json")} },
			wantCode: 1, wantErr: []string{"no such file"}},
		{name: "bad store", args: func(string) []string { return []string{"--store", "s3:bucket", valid} },
			wantCode: 2, wantErr: []string{"want file:PATH or dynamodb:TABLE"}, wantItems: -1},
		{name: "bad workers", args: func(db string) []string { return []string{"--store", "file:" + db, "--workers", "0", valid} },
			wantCode: 2, wantErr: []string{"--workers must be from 1 to 256"}, wantItems: -1},
		{name: "no file", args: func(db string) []string { return []string{"--store", "file:" + db} },
			wantCode: 2, wantErr: []string{"accepts 1 arg"}, wantItems: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "movies.db")
			code, _, stderr := runSubcommand(t, newLoadCmd(), strings.NewReader(tt.stdin), tt.args(db)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			if strings.ContainsAny(stderr, "\x1b\a") {
				t.Errorf("stderr holds a raw control character: %q", stderr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, stderr)
				}
			}
			if tt.wantItems < 0 {
				if _, err := os.Stat(db); !os.IsNotExist(err) {
					t.Errorf("store file exists (stat err %v)", err)
				}
				return
			}
			if n := boltCount(t, db); n != tt.wantItems {
				t.Errorf("store has %d movies, want %d", n, tt.wantItems)
			}
		})
	}
}

func TestLoadCommandIntoDynamoDBLocal(t *testing.T) {
	useDynamoDBLocal(t)
	if code, _, stderr := runSubcommand(t, newTableCmd(), strings.NewReader(""), "create", "--table", "CLILoad"); code != 0 {
		t.Fatalf("create table: %d %s", code, stderr)
	}
	t.Cleanup(func() {
		runSubcommand(t, newTableCmd(), strings.NewReader(""), "delete", "--table", "CLILoad", "--no-wait")
	})
	code, _, stderr := runSubcommand(t, newLoadCmd(), strings.NewReader(validFile), "--store", "dynamodb:CLILoad", "-")
	if code != 0 || !strings.Contains(stderr, "loaded 3 of 3 movies") {
		t.Fatalf("load: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := runSubcommand(t, newTableCmd(), strings.NewReader(""), "describe", "--table", "CLILoad")
	if code != 0 || !strings.Contains(stdout, "items    3") {
		t.Fatalf("describe: exit %d\n%s", code, stdout)
	}
}

func TestLoadCommandMissingTable(t *testing.T) {
	useDynamoDBLocal(t)
	code, _, stderr := runSubcommand(t, newLoadCmd(), strings.NewReader(validFile), "--store", "dynamodb:NoSuchTable", "-")
	if code != exitTableNotFound || !strings.Contains(stderr, "movies table create --table NoSuchTable") {
		t.Fatalf("exit %d, want %d with a hint:\n%s", code, exitTableNotFound, stderr)
	}
}

// TestLoadFIFOWithoutWriter: `movies load FIFO` waiting for a writer that
// never comes stops when interrupted, with exit 130 and nothing written. (The
// open blocked outside any context: Ctrl-C and SIGTERM were ignored.)
func TestLoadFIFOWithoutWriter(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "movies.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		// Let the open left waiting finish, so that its goroutine ends.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		} else if !errors.Is(err, syscall.ENXIO) {
			t.Errorf("open the FIFO for writing: %v", err)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"load", "--dry-run", fifo}, strings.NewReader(""), &stdout, &stderr) }()
	time.Sleep(200 * time.Millisecond) // the open is waiting for a writer
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted || !strings.Contains(stderr.String(), "nothing was written") {
			t.Fatalf("exit %d, want %d and nothing written:\n%s", code, exitInterrupted, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("movies load did not return within 10 s of the interruption")
	}
}

// TestLoadInterruptedCheckingTheTable: Ctrl-C while the load waits for
// DynamoDB to describe the table exits 130, as an interrupted load does (it
// exited 1).
func TestLoadInterruptedCheckingTheTable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 16)
	go func() { // an endpoint that accepts and never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		for len(accepted) > 0 {
			_ = (<-accepted).Close()
		}
	})
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://"+ln.Addr().String())
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"load", "--store", "dynamodb:Movies", "-"}, strings.NewReader(validFile), &stdout, &stderr)
	}()
	select {
	case c := <-accepted: // the table check is waiting for its answer
		accepted <- c
	case <-time.After(10 * time.Second):
		t.Fatal("the load did not call DynamoDB")
	}
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("movies load did not return within 10 s of the interruption")
	}
}
