package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
