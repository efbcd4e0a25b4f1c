package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/spf13/cobra"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

// runSubcommand executes cmd with args and stdin and returns the process
// exit code run would give, and what it wrote to stdout and stderr.
func runSubcommand(t *testing.T, cmd *cobra.Command, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	usageErrors(cmd)
	if err := cmd.ExecuteContext(ctx); err != nil {
		errOut.WriteString("movies: " + err.Error() + "\n")
		return exitCode(err), out.String(), errOut.String()
	}
	return 0, out.String(), errOut.String()
}

// useDynamoDBLocal points the standard AWS configuration at the shared DynamoDB Local.
func useDynamoDBLocal(t *testing.T) {
	srv := ddblocal.Shared(t)
	dir := t.TempDir()
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", ddblocal.Region)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
}

func TestTableCommand(t *testing.T) {
	useDynamoDBLocal(t)
	steps := []struct {
		args     []string
		wantCode int
		wantOut  []string // substrings of stdout (or of stderr when the code is not 0)
	}{
		{[]string{"describe", "--table", "CLITable"}, exitTableNotFound, []string{"table not found"}},
		{[]string{"delete", "--table", "CLITable"}, exitTableNotFound, []string{"table not found"}},
		{[]string{"create", "--table", "CLITable"}, 0, []string{"created table CLITable (on-demand)"}},
		{[]string{"create", "--table", "CLITable"}, exitTableExists, []string{"already exists"}},
		{[]string{"describe", "--table", "CLITable"}, 0, []string{"status   ACTIVE", "items    0", "year (N, HASH), title (S, RANGE)", "billing  on-demand"}},
		{[]string{"delete", "--table", "CLITable"}, 0, []string{"deleted table CLITable"}},
		{[]string{"describe", "--table", "CLITable"}, exitTableNotFound, nil},
		{[]string{"create", "--table", "CLIProv", "--billing", "provisioned", "--rcu", "5", "--wcu", "7", "--no-wait"}, 0, []string{"creating table CLIProv (provisioned, 5 RCU, 7 WCU)"}},
		{[]string{"describe", "--table", "CLIProv"}, 0, []string{"billing  provisioned, 5 RCU, 7 WCU"}},
		{[]string{"delete", "--table", "CLIProv", "--no-wait"}, 0, []string{"deleting table CLIProv"}},
		{[]string{"create", "--table", "CLIBad", "--billing", "free"}, 2, []string{`billing must be "on-demand" or "provisioned"`}},
		{[]string{"create", "--table", "CLIBad", "--rcu", "5"}, 2, []string{"only allowed with provisioned billing"}},
		{[]string{"create", "--table", "CLIBad", "--billing", "provisioned"}, 2, []string{"positive read and write capacity"}},
		{[]string{"create", "extra"}, 2, []string{"unknown command"}},
		{[]string{"create", "--table", "ab"}, 2, []string{"3 to 255 characters"}},
		{[]string{"describe", "--table", "bad name"}, 2, []string{"may contain only"}},
	}
	for _, s := range steps {
		code, stdout, stderr := runSubcommand(t, newTableCmd(), strings.NewReader(""), s.args...)
		if code != s.wantCode {
			t.Fatalf("table %v: exit %d, want %d\nstdout: %s\nstderr: %s", s.args, code, s.wantCode, stdout, stderr)
		}
		got := stdout
		if code != 0 {
			got = stderr
		}
		for _, w := range s.wantOut {
			if !strings.Contains(got, w) {
				t.Errorf("table %v: output %q does not contain %q", s.args, got, w)
			}
		}
	}
}
