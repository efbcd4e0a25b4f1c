package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Errors of the table functions, distinct so that a CLI can map them to
// distinct exit codes. Test them with errors.Is.
var (
	ErrTableExists   = errors.New("table already exists")
	ErrTableNotFound = errors.New("table not found")
	ErrKeySchema     = errors.New("table does not have the movies key schema")
)

// moviesKey is the primary key of a movies table, in DynamoDB's order:
// partition key year (Number), sort key title (String). CreateTable creates
// it and CheckKeySchema requires it.
var moviesKey = []KeyAttribute{
	{Name: attrYear, KeyType: string(types.KeyTypeHash), Type: string(types.ScalarAttributeTypeN)},
	{Name: attrTitle, KeyType: string(types.KeyTypeRange), Type: string(types.ScalarAttributeTypeS)},
}

// Billing modes of a TableSpec.
const (
	BillingOnDemand    = "on-demand"
	BillingProvisioned = "provisioned"
)

// Waiter bounds: DynamoDB Local is ready at once, AWS takes seconds.
const (
	waitMinDelay = 100 * time.Millisecond
	waitMaxDelay = 5 * time.Second
	waitMax      = 5 * time.Minute // used when ctx has no deadline
)

// TableSpec describes a movies table to create.
type TableSpec struct {
	Name string
	// Billing is BillingOnDemand (the default when empty) or BillingProvisioned.
	Billing string
	// RCU and WCU are the provisioned read and write capacity units;
	// both must be positive with BillingProvisioned and zero otherwise.
	RCU, WCU int64
}

// Validate checks the spec.
func (s TableSpec) Validate() error {
	if err := ValidateTableName(s.Name); err != nil {
		return err
	}
	switch s.Billing {
	case "", BillingOnDemand:
		if s.RCU != 0 || s.WCU != 0 {
			return errors.New("capacity units are only allowed with provisioned billing")
		}
	case BillingProvisioned:
		if s.RCU < 1 || s.WCU < 1 {
			return errors.New("provisioned billing needs positive read and write capacity units")
		}
	default:
		return fmt.Errorf("billing must be %q or %q, not %q", BillingOnDemand, BillingProvisioned, s.Billing)
	}
	return nil
}

// ValidateTableName reports whether name is a valid DynamoDB table name:
// 3 to 255 characters from a-z, A-Z, 0-9, '_', '-' and '.'.
func ValidateTableName(name string) error {
	if len(name) < 3 || len(name) > 255 {
		return fmt.Errorf("table name %q must be 3 to 255 characters long", name)
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return fmt.Errorf("table name %q may contain only a-z, A-Z, 0-9, '_', '-' and '.'", name)
		}
	}
	return nil
}

// TableAPI is the part of the DynamoDB client that the table functions use.
// *dynamodb.Client implements it.
type TableAPI interface {
	CreateTable(ctx context.Context, in *ddb.CreateTableInput, optFns ...func(*ddb.Options)) (*ddb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *ddb.DescribeTableInput, optFns ...func(*ddb.Options)) (*ddb.DescribeTableOutput, error)
	DeleteTable(ctx context.Context, in *ddb.DeleteTableInput, optFns ...func(*ddb.Options)) (*ddb.DeleteTableOutput, error)
}

// CreateTable creates a movies table: partition key year (Number), sort key
// title (String). If wait is true it waits, bounded by ctx, until the table is
// ACTIVE. An existing table is ErrTableExists.
func CreateTable(ctx context.Context, client TableAPI, spec TableSpec, wait bool) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	in := &ddb.CreateTableInput{
		TableName:   aws.String(spec.Name),
		BillingMode: types.BillingModePayPerRequest,
	}
	for _, k := range moviesKey {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String(k.Name), AttributeType: types.ScalarAttributeType(k.Type)})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: types.KeyType(k.KeyType)})
	}
	if spec.Billing == BillingProvisioned {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = &types.ProvisionedThroughput{
			ReadCapacityUnits:  aws.Int64(spec.RCU),
			WriteCapacityUnits: aws.Int64(spec.WCU),
		}
	}
	// One attempt only: a retry after a lost response would report the table
	// that the first attempt created as ErrTableExists.
	if _, err := client.CreateTable(ctx, in, singleAttempt); err != nil {
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			return fmt.Errorf("create table %s: %w", spec.Name, ErrTableExists)
		}
		return fmt.Errorf("create table %s: %w", spec.Name, err)
	}
	if !wait {
		return nil
	}
	w := ddb.NewTableExistsWaiter(client, waiterDelays)
	if err := w.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(spec.Name)}, waitLimit(ctx)); err != nil {
		return fmt.Errorf("create table %s: wait until active: %w", spec.Name, err)
	}
	return nil
}

// DeleteTable deletes the table name. If wait is true it waits, bounded by
// ctx, until the table is gone. A missing table is ErrTableNotFound.
func DeleteTable(ctx context.Context, client TableAPI, name string, wait bool) error {
	_, err := client.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("delete table %s: %w", name, tableError(err))
	}
	if !wait {
		return nil
	}
	w := ddb.NewTableNotExistsWaiter(client, func(o *ddb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = waitMinDelay, waitMaxDelay
	})
	if err := w.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)}, waitLimit(ctx)); err != nil {
		return fmt.Errorf("delete table %s: wait until deleted: %w", name, err)
	}
	return nil
}

// TableInfo is what DescribeTable reports about a table.
type TableInfo struct {
	Name      string
	ARN       string
	Status    string // CREATING, ACTIVE, DELETING, UPDATING, ...
	ItemCount int64  // approximate; DynamoDB updates it about every six hours
	SizeBytes int64  // approximate, like ItemCount
	KeySchema []KeyAttribute
	Billing   string // BillingOnDemand or BillingProvisioned
	RCU, WCU  int64  // provisioned capacity; zero when on demand
	CreatedAt time.Time
}

// KeyAttribute is one attribute of a table's primary key.
type KeyAttribute struct {
	Name    string // e.g. year
	KeyType string // HASH or RANGE
	Type    string // N, S or B
}

// String returns the attribute as "year (N, HASH)".
func (k KeyAttribute) String() string { return fmt.Sprintf("%s (%s, %s)", k.Name, k.Type, k.KeyType) }

// CheckKeySchema reports whether the table's primary key is the movies key,
// year (N, HASH) and title (S, RANGE). DynamoDB refuses every movie written
// into a table of another key, or, when the table's key is year alone or
// title alone, keeps one movie per key and drops the others without an
// error. The error wraps ErrKeySchema.
func (t *TableInfo) CheckKeySchema() error {
	if slices.Equal(t.KeySchema, moviesKey) {
		return nil
	}
	return fmt.Errorf("%w: table %s has the key %s; movies need %s",
		ErrKeySchema, t.Name, keyString(t.KeySchema), keyString(moviesKey))
}

// keyString returns a key schema as "year (N, HASH), title (S, RANGE)".
func keyString(key []KeyAttribute) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = k.String()
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ", ")
}

// DescribeTable returns the status, size, key schema and billing of the
// table name. A missing table is ErrTableNotFound.
func DescribeTable(ctx context.Context, client TableAPI, name string) (*TableInfo, error) {
	out, err := client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("describe table %s: %w", name, tableError(err))
	}
	if out.Table == nil {
		return nil, fmt.Errorf("describe table %s: empty response", name)
	}
	return tableInfo(out.Table), nil
}

// tableInfo converts the SDK's table description.
func tableInfo(t *types.TableDescription) *TableInfo {
	info := &TableInfo{
		Name:      aws.ToString(t.TableName),
		ARN:       aws.ToString(t.TableArn),
		Status:    string(t.TableStatus),
		ItemCount: aws.ToInt64(t.ItemCount),
		SizeBytes: aws.ToInt64(t.TableSizeBytes),
		Billing:   BillingProvisioned,
		CreatedAt: aws.ToTime(t.CreationDateTime),
	}
	attrTypes := map[string]string{}
	for _, d := range t.AttributeDefinitions {
		attrTypes[aws.ToString(d.AttributeName)] = string(d.AttributeType)
	}
	for _, k := range t.KeySchema {
		name := aws.ToString(k.AttributeName)
		info.KeySchema = append(info.KeySchema, KeyAttribute{Name: name, KeyType: string(k.KeyType), Type: attrTypes[name]})
	}
	switch {
	case t.BillingModeSummary != nil:
		if t.BillingModeSummary.BillingMode == types.BillingModePayPerRequest {
			info.Billing = BillingOnDemand
		}
	case t.ProvisionedThroughput == nil || aws.ToInt64(t.ProvisionedThroughput.ReadCapacityUnits) == 0:
		info.Billing = BillingOnDemand // on-demand tables report zero provisioned capacity
	}
	if p := t.ProvisionedThroughput; p != nil && info.Billing == BillingProvisioned {
		info.RCU, info.WCU = aws.ToInt64(p.ReadCapacityUnits), aws.ToInt64(p.WriteCapacityUnits)
	}
	return info
}

// tableError maps a missing table to ErrTableNotFound and keeps other errors.
func tableError(err error) error {
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return ErrTableNotFound
	}
	return err
}

// waiterDelays makes the table-exists waiter poll quickly.
func waiterDelays(o *ddb.TableExistsWaiterOptions) {
	o.MinDelay, o.MaxDelay = waitMinDelay, waitMaxDelay
}

// waitLimit returns how long a waiter may run: until ctx's deadline, or waitMax.
func waitLimit(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return waitMax
}
