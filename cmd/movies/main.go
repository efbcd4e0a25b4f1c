// Command movies runs, loads, packages and prices the movie-catalogue API.
//
// Run `movies --help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the CLI with args and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "movies:", err)
		code := exitCode(err)
		if code == exitUsage && cmd != nil {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return code
	}
	return 0
}

// newRootCmd builds the command tree. Each subcommand lives in its own file;
// subcommands lists them.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "movies",
		Short:         "Serve, load, package and price the movie-catalogue API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(subcommands()...)
	usageErrors(root)
	return root
}

// exitUsage is the exit code of a usage error: an unknown command or flag, a
// missing or extra argument, a bad flag value.
const exitUsage = 2

// usageErrors makes every usage error of cmd and its subcommands exit with
// exitUsage: flag parsing errors, argument errors, and an unknown or missing
// subcommand of a command group (cobra would print the group's help and
// exit 0 for `movies table bogus`).
func usageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withExitCode(exitUsage, err) })
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = groupArgs
			c.RunE = func(c *cobra.Command, _ []string) error {
				return withExitCode(exitUsage, fmt.Errorf("missing command: want one of %s", subcommandNames(c)))
			}
		}
		if args := c.Args; args != nil {
			c.Args = func(c *cobra.Command, a []string) error {
				err := args(c, a)
				var e *exitError
				if err != nil && !errors.As(err, &e) {
					err = withExitCode(exitUsage, err)
				}
				return err
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
}

// groupArgs refuses any argument of a command group: it is not one of its commands.
func groupArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return fmt.Errorf("unknown command %q for %q: want one of %s", args[0], c.CommandPath(), subcommandNames(c))
}

// subcommandNames lists the available subcommands of c.
func subcommandNames(c *cobra.Command) string {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return strings.Join(names, ", ")
}

// exitError carries a specific process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withExitCode wraps err so that the process exits with code.
func withExitCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// exitCode returns the exit code for an error returned by a command: the code
// of an exitError (usage errors are exitUsage, see usageErrors), and 1 otherwise.
func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}
