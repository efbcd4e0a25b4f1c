// Command infra is the AWS CDK v2 app of the movie catalogue: it synthesizes
// the Movies stack (DynamoDB table, two container-image Lambda functions, HTTP
// API, their alarms and dashboard) into a cloud assembly.
//
// Run it through the CDK CLI (cdk.json: `go mod download && go run .`), or
// directly with `go run . [-c key=value]...`, which needs no CLI: it then reads
// the context of cdk.json itself and writes the assembly to cdk.out.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// StackName is the name of the stack the app defines.
const StackName = "Movies"

func main() {
	err := run(os.Args[1:], os.Stderr)
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

// run builds the app from args and the environment and synthesizes it.
func run(args []string, stderr io.Writer) error {
	ctx, err := appContext(args, stderr)
	if err != nil {
		return err
	}
	outdir := ""
	if os.Getenv("CDK_OUTDIR") == "" { // not run by the CDK CLI
		outdir = "cdk.out"
	}
	repoRoot, err := filepath.Abs("..")
	if err != nil {
		return fmt.Errorf("repository root: %w", err)
	}
	app, _, err := newApp(ctx, outdir, repoRoot)
	if err != nil {
		return err
	}
	return synthesize(app)
}

// synthesize writes the cloud assembly of app. CDK reports a failed synthesis
// (e.g. cdk-nag errors) by throwing, which jsii turns into a panic.
func synthesize(app awscdk.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
	}()
	app.Synth(nil)
	return nil
}

// newApp defines the app with the Movies stack and the cdk-nag AwsSolutions
// checks. ctx is the app context, outdir the assembly directory ("" means the
// CDK default), assetDir the directory of the Dockerfile.
func newApp(ctx map[string]any, outdir, assetDir string) (awscdk.App, awscdk.Stack, error) {
	props := &awscdk.AppProps{Context: &ctx}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	cfg, err := ConfigFromContext(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err != nil {
		return nil, nil, fmt.Errorf("context: %w", err)
	}
	stack := NewMoviesStack(app, StackName, &MoviesStackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("movies: serverless movie catalogue API"),
			Env:         envFromCLI(),
		},
		Config:   cfg,
		AssetDir: assetDir,
	})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return app, stack, nil
}

// appContext returns the context given with -c key=value, on top of the
// context of cdk.json when the app runs without the CDK CLI (the CLI passes
// cdk.json and -c values in CDK_CONTEXT_JSON itself).
func appContext(args []string, stderr io.Writer) (map[string]any, error) {
	ctx := map[string]any{}
	if os.Getenv("CDK_CONTEXT_JSON") == "" {
		fromFile, err := cdkJSONContext("cdk.json")
		if err != nil {
			return nil, err
		}
		ctx = fromFile
	}
	fs := flag.NewFlagSet("infra", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(contextFlag(ctx), "c", "context `key=value` (repeatable), e.g. -c tableName=Movies")
	fs.Var(contextFlag(ctx), "context", "same as -c")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (use -c key=value)", fs.Arg(0))
	}
	return ctx, nil
}

// cdkJSONContext reads the "context" object of a cdk.json file; a missing
// file gives an empty context.
func cdkJSONContext(path string) (map[string]any, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the app's own cdk.json, named by the caller
	if errors.Is(err, os.ErrNotExist) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if file.Context == nil {
		file.Context = map[string]any{}
	}
	return file.Context, nil
}

// contextFlag is a flag.Value that adds key=value pairs to a context map.
type contextFlag map[string]any

// String returns nothing: the flag has no single value to show.
func (c contextFlag) String() string { return "" }

// Set adds one key=value pair.
func (c contextFlag) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(key) == "" {
		return fmt.Errorf("context %q: want key=value", s)
	}
	c[strings.TrimSpace(key)] = value
	return nil
}

// envFromCLI returns the account and region the CDK CLI resolved, or nil for
// an environment-agnostic stack.
func envFromCLI() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" && region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if account != "" {
		env.Account = jsii.String(account)
	}
	if region != "" {
		env.Region = jsii.String(region)
	}
	return env
}
