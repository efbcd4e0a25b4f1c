//go:build !serveonly

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/dynamodb"
	"github.com/spf13/cobra"
)

// Exit codes of `movies table`.
const (
	exitTableExists   = 3
	exitTableNotFound = 4
)

// tableOptions are the flags of `movies table`.
type tableOptions struct {
	table    string
	billing  string
	rcu, wcu int64
	noWait   bool
	timeout  time.Duration
}

// newTableCmd returns `movies table` with create, describe and delete.
func newTableCmd() *cobra.Command {
	o := &tableOptions{}
	cmd := &cobra.Command{
		Use:   "table create|describe|delete",
		Short: "Create, describe or delete the DynamoDB movies table",
		Long: `Manage the DynamoDB table (partition key year, sort key title) with the
standard AWS configuration; set AWS_ENDPOINT_URL_DYNAMODB to use DynamoDB Local.
Exit codes: 0 ok, 1 other error, 2 invalid arguments, 3 table already exists,
4 table does not exist.`,
	}
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if o.timeout <= 0 {
			return withExitCode(exitUsage, fmt.Errorf("--timeout must be positive, not %s", o.timeout))
		}
		return nil
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.table, "table", deploy.Table, "table name")
	pf.BoolVar(&o.noWait, "no-wait", false, "return without waiting for the table to become ACTIVE or be deleted")
	pf.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for DynamoDB")

	create := &cobra.Command{
		Use:   "create [--table T] [--billing on-demand|provisioned --rcu N --wcu N] [--no-wait]",
		Short: "Create the table",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tableCreate(cmd.Context(), *o, cmd.OutOrStdout())
		},
	}
	cf := create.Flags()
	cf.StringVar(&o.billing, "billing", dynamodb.BillingOnDemand, "billing mode: on-demand or provisioned")
	cf.Int64Var(&o.rcu, "rcu", 0, "read capacity units (provisioned billing)")
	cf.Int64Var(&o.wcu, "wcu", 0, "write capacity units (provisioned billing)")

	describe := &cobra.Command{
		Use:   "describe [--table T]",
		Short: "Show the table's status, item count, size, key schema and billing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tableDescribe(cmd.Context(), *o, cmd.OutOrStdout())
		},
	}
	del := &cobra.Command{
		Use:   "delete [--table T] [--no-wait]",
		Short: "Delete the table and all its movies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tableDelete(cmd.Context(), *o, cmd.OutOrStdout())
		},
	}
	cmd.AddCommand(create, describe, del)
	return cmd
}

// tableClient checks the table name (exit 2 when invalid), loads the
// standard AWS configuration and returns a DynamoDB client.
func tableClient(ctx context.Context, table string) (dynamodb.TableAPI, error) {
	if err := dynamodb.ValidateTableName(table); err != nil {
		return nil, withExitCode(2, err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return dynamodb.NewClient(cfg), nil
}

// tableExit maps the table errors to their exit codes.
func tableExit(err error) error {
	switch {
	case errors.Is(err, dynamodb.ErrTableExists):
		return withExitCode(exitTableExists, err)
	case errors.Is(err, dynamodb.ErrTableNotFound):
		return withExitCode(exitTableNotFound, err)
	default:
		return err
	}
}

func tableCreate(ctx context.Context, o tableOptions, out io.Writer) error {
	spec := dynamodb.TableSpec{Name: o.table, Billing: o.billing, RCU: o.rcu, WCU: o.wcu}
	if err := spec.Validate(); err != nil {
		return withExitCode(2, err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	client, err := tableClient(ctx, o.table)
	if err != nil {
		return err
	}
	if err := dynamodb.CreateTable(ctx, client, spec, !o.noWait); err != nil {
		return tableExit(err)
	}
	billing := spec.Billing
	if billing == dynamodb.BillingProvisioned {
		billing = fmt.Sprintf("provisioned, %d RCU, %d WCU", spec.RCU, spec.WCU)
	}
	verb := "created"
	if o.noWait {
		verb = "creating"
	}
	fmt.Fprintf(out, "%s table %s (%s)\n", verb, o.table, billing)
	return nil
}

func tableDescribe(ctx context.Context, o tableOptions, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	client, err := tableClient(ctx, o.table)
	if err != nil {
		return err
	}
	info, err := dynamodb.DescribeTable(ctx, client, o.table)
	if err != nil {
		return tableExit(err)
	}
	return printTableInfo(out, info)
}

// printTableInfo prints a table description as aligned "name value" lines.
func printTableInfo(out io.Writer, info *dynamodb.TableInfo) error {
	keys := make([]string, len(info.KeySchema))
	for i, k := range info.KeySchema {
		keys[i] = k.String()
	}
	billing := info.Billing
	if billing == dynamodb.BillingProvisioned {
		billing = fmt.Sprintf("provisioned, %d RCU, %d WCU", info.RCU, info.WCU)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "table\t%s\n", info.Name)
	fmt.Fprintf(tw, "status\t%s\n", info.Status)
	fmt.Fprintf(tw, "items\t%d (approximate)\n", info.ItemCount)
	fmt.Fprintf(tw, "size\t%d bytes (approximate)\n", info.SizeBytes)
	fmt.Fprintf(tw, "key\t%s\n", strings.Join(keys, ", "))
	fmt.Fprintf(tw, "billing\t%s\n", billing)
	if info.ARN != "" {
		fmt.Fprintf(tw, "arn\t%s\n", info.ARN)
	}
	if !info.CreatedAt.IsZero() {
		fmt.Fprintf(tw, "created\t%s\n", info.CreatedAt.UTC().Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print table description: %w", err)
	}
	return nil
}

func tableDelete(ctx context.Context, o tableOptions, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	client, err := tableClient(ctx, o.table)
	if err != nil {
		return err
	}
	if err := dynamodb.DeleteTable(ctx, client, o.table, !o.noWait); err != nil {
		return tableExit(err)
	}
	verb := "deleted"
	if o.noWait {
		verb = "deleting"
	}
	fmt.Fprintf(out, "%s table %s\n", verb, o.table)
	return nil
}
