package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/storetest"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestGetPut(t *testing.T) {
	s := ddbtest.NewStore(t, ddblocal.Shared(t))
	ctx := testContext(t)
	rush := movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"rank":2,"big":12345678901234567890,"tiny":1.5e-10,"genres":["Action"],"plot":"","seen":false,"x":null}`)}
	bare := movies.Movie{Year: 2013, Title: "Bare"}
	if err := s.Put(ctx, []movies.Movie{rush, bare}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	tests := []struct {
		name string
		key  movies.Key
		want *movies.Movie
		code string
	}{
		{"with info", rush.Key(), &rush, ""},
		{"without info", bare.Key(), &bare, ""},
		{"missing", movies.Key{Year: 2013, Title: "Nope"}, nil, movies.ENOTFOUND},
		{"bad year", movies.Key{Year: 0, Title: "Rush"}, nil, movies.EINVALID},
		{"empty title", movies.Key{Year: 2013}, nil, movies.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Get(ctx, tt.key)
			if code := movies.ErrorCode(err); code != tt.code {
				t.Fatalf("Get error code = %q (%v), want %q", code, err, tt.code)
			}
			if tt.want == nil {
				return
			}
			if got.Key() != tt.want.Key() {
				t.Errorf("key = %v, want %v", got.Key(), tt.want.Key())
			}
			t.Logf("info after the round trip: %s", got.Info)
			if !sameJSON(t, got.Info, tt.want.Info) {
				t.Errorf("info = %s, want %s", got.Info, tt.want.Info)
			}
		})
	}
	if got, _ := s.Get(ctx, movies.Key{Year: 2013, Title: "Nope"}); got != nil {
		t.Error("Get of a missing movie returned a movie")
	}
	if msg := movies.ErrorMessage(func() error { _, err := s.Get(ctx, movies.Key{Year: 2013, Title: "Nope"}); return err }()); msg != "movie not found" {
		t.Errorf("not-found message = %q", msg)
	}
}

// sameJSON reports whether a and b are both absent or hold the same JSON value, numbers compared exactly.
func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	eq, err := storetest.EqualJSON(a, b)
	if err != nil {
		t.Fatalf("compare %s and %s: %v", a, b, err)
	}
	return eq
}

func TestPutManyWithDuplicates(t *testing.T) {
	s := ddbtest.NewStore(t, ddblocal.Shared(t))
	ctx := testContext(t)
	var ms []movies.Movie
	for i := range 60 {
		ms = append(ms, movies.Movie{Year: 2000 + i%3, Title: fmt.Sprintf("Movie %02d", i), Info: json.RawMessage(`{"v":1}`)})
	}
	// Duplicates within what would be one batch, and across batches; the last one wins.
	ms = append(ms, movies.Movie{Year: 2000, Title: "Movie 00", Info: json.RawMessage(`{"v":2}`)})
	ms = append([]movies.Movie{{Year: 2001, Title: "Movie 01", Info: json.RawMessage(`{"v":3}`)}}, ms...)
	if err := s.Put(ctx, ms); err != nil {
		t.Fatalf("Put: %v", err)
	}
	all := listAll(t, s, movies.ListOptions{Limit: 7})
	if len(all) != 60 {
		t.Fatalf("listed %d movies, want 60", len(all))
	}
	for _, tt := range []struct {
		key  movies.Key
		info string
	}{
		{movies.Key{Year: 2000, Title: "Movie 00"}, `{"v":2}`},
		{movies.Key{Year: 2001, Title: "Movie 01"}, `{"v":1}`}, // the later original wins over the earlier duplicate
		{movies.Key{Year: 2002, Title: "Movie 59"}, `{"v":1}`},
	} {
		got, err := s.Get(ctx, tt.key)
		if err != nil {
			t.Fatalf("Get %v: %v", tt.key, err)
		}
		if string(got.Info) != tt.info {
			t.Errorf("Get %v info = %s, want %s", tt.key, got.Info, tt.info)
		}
	}
}

func TestPutInvalidWritesNothing(t *testing.T) {
	s := ddbtest.NewStore(t, ddblocal.Shared(t))
	ctx := testContext(t)
	good := movies.Movie{Year: 2000, Title: "Good"}
	tests := []struct {
		name string
		bad  movies.Movie
	}{
		{"bad key", movies.Movie{Year: 0, Title: "x"}},
		{"info not an object", movies.Movie{Year: 2000, Title: "x", Info: json.RawMessage(`[1]`)}},
		{"too precise number", movies.Movie{Year: 2000, Title: "x", Info: json.RawMessage(`{"n":1234567890123456789012345678901234567890}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Put(ctx, []movies.Movie{good, tt.bad})
			if code := movies.ErrorCode(err); code != movies.EINVALID {
				t.Fatalf("Put code = %q (%v), want invalid", code, err)
			}
			if _, err := s.Get(ctx, good.Key()); movies.ErrorCode(err) != movies.ENOTFOUND {
				t.Fatalf("the valid movie was written: Get error %v", err)
			}
		})
	}
	if err := s.Put(ctx, nil); err != nil {
		t.Errorf("Put(nil) = %v", err)
	}
}

// listAll walks a listing to its end and fails on a repeated key.
func listAll(t *testing.T, s movies.Store, opts movies.ListOptions) []movies.Movie {
	t.Helper()
	ctx := testContext(t)
	var all []movies.Movie
	seen := map[movies.Key]bool{}
	for range 1000 {
		p, err := s.List(ctx, opts)
		if err != nil {
			t.Fatalf("List(%+v): %v", opts, err)
		}
		if p.Movies == nil {
			t.Fatal("List returned a nil slice")
		}
		if len(p.Movies) > opts.Limit {
			t.Fatalf("List returned %d movies, limit %d", len(p.Movies), opts.Limit)
		}
		for _, m := range p.Movies {
			if seen[m.Key()] {
				t.Fatalf("movie %v listed twice", m.Key())
			}
			seen[m.Key()] = true
		}
		all = append(all, p.Movies...)
		if p.Next == "" {
			return all
		}
		opts.Cursor = p.Next
	}
	t.Fatal("listing did not end")
	return nil
}

func TestListByYear(t *testing.T) {
	s := ddbtest.NewStore(t, ddblocal.Shared(t))
	ctx := testContext(t)
	var ms []movies.Movie
	for _, title := range []string{"b", "a", "C", "é", "aa", "z"} {
		ms = append(ms, movies.Movie{Year: 1990, Title: title})
	}
	ms = append(ms, movies.Movie{Year: 1991, Title: "other"})
	if err := s.Put(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 2, 5, 6, 100} {
		got := listAll(t, s, movies.ListOptions{Year: 1990, Limit: limit})
		var titles []string
		for _, m := range got {
			titles = append(titles, m.Title)
		}
		if want := "C a aa b z é"; strings.Join(titles, " ") != want {
			t.Errorf("limit %d: titles %q, want %q", limit, titles, want)
		}
	}
	p, err := s.List(ctx, movies.ListOptions{Year: 1992})
	if err != nil || p.Movies == nil || len(p.Movies) != 0 || p.Next != "" {
		t.Errorf("empty year: page %+v, err %v", p, err)
	}
}

func TestListInvalid(t *testing.T) {
	s := ddbtest.NewStore(t, ddblocal.Shared(t))
	ctx := testContext(t)
	for _, opts := range []movies.ListOptions{
		{Limit: -1},
		{Limit: movies.MaxLimit + 1},
		{Year: 10000},
		{Cursor: "not a cursor"},
		{Year: 2000, Cursor: movies.EncodeCursor(movies.Key{Year: 2001, Title: "x"})},
	} {
		if _, err := s.List(ctx, opts); movies.ErrorCode(err) != movies.EINVALID {
			t.Errorf("List(%+v) error %v, want invalid", opts, err)
		}
	}
	p, err := s.List(ctx, movies.ListOptions{})
	if err != nil || p.Movies == nil || len(p.Movies) != 0 || p.Next != "" {
		t.Errorf("empty table: page %+v, err %v", p, err)
	}
}

func TestMissingTableIsUnavailable(t *testing.T) {
	srv := ddblocal.Shared(t)
	s := dynamodb.NewFromConfig(srv.Config(), "no-such-table")
	ctx := testContext(t)
	_, err := s.Get(ctx, movies.Key{Year: 2000, Title: "x"})
	if code := movies.ErrorCode(err); code != movies.EUNAVAILABLE {
		t.Fatalf("Get code = %q (%v), want unavailable", code, err)
	}
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("error %v does not wrap ResourceNotFoundException", err)
	}
	if msg := movies.ErrorMessage(err); strings.Contains(msg, "no-such-table") {
		t.Errorf("caller-safe message %q leaks the table name", msg)
	}
	if _, err := s.List(ctx, movies.ListOptions{}); movies.ErrorCode(err) != movies.EUNAVAILABLE {
		t.Errorf("List error %v, want unavailable", err)
	}
	err = s.Put(ctx, []movies.Movie{{Year: 2000, Title: "x"}})
	if movies.ErrorCode(err) != movies.EUNAVAILABLE || !strings.Contains(movies.ErrorMessage(err), "wrote 0 of 1") {
		t.Errorf("Put error %v, want unavailable saying 0 of 1 written", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := ddbtest.NewStore(t, ddblocal.Shared(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Get(ctx, movies.Key{Year: 2000, Title: "x"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Get error %v does not wrap context.Canceled", err)
	}
	if _, err := s.List(ctx, movies.ListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("List error %v does not wrap context.Canceled", err)
	}
	if err := s.Put(ctx, []movies.Movie{{Year: 2000, Title: "x"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put error %v does not wrap context.Canceled", err)
	}
}

// TestNewFromEnvironment checks that a store made from the standard AWS
// configuration (as the CLI makes it) picks up the endpoint, region and
// credentials from the environment and that the store's timeouts keep working
// with a custom CA bundle (AWS_CA_BUNDLE).
func TestNewFromEnvironment(t *testing.T) {
	srv := ddblocal.Shared(t)
	const bundle = "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(bundle); err == nil {
		t.Setenv("AWS_CA_BUNDLE", bundle)
	}
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.Endpoint)
	t.Setenv("AWS_REGION", ddblocal.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_PROFILE", "")
	ctx := testContext(t)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	s := dynamodb.NewFromConfig(cfg, "from-env")
	defer s.Close()
	wrapped, ok := s.Client().Options().HTTPClient.(interface{ Unwrap() aws.HTTPClient })
	if !ok {
		t.Fatalf("HTTP client is %T, want the store's wrapper of the SDK's", s.Client().Options().HTTPClient)
	}
	bc, ok := wrapped.Unwrap().(*awshttp.BuildableClient)
	if !ok {
		t.Fatalf("HTTP client wraps %T, want the SDK's BuildableClient", wrapped.Unwrap())
	}
	tr := bc.GetTransport()
	if os.Getenv("AWS_CA_BUNDLE") != "" && (tr.TLSClientConfig == nil || tr.TLSClientConfig.RootCAs == nil) {
		t.Error("the custom CA bundle was lost")
	}
	if tr.ResponseHeaderTimeout == 0 || bc.GetTimeout() == 0 || bc.GetDialer().Timeout == 0 {
		t.Errorf("missing timeouts: header %v, request %v, dial %v", tr.ResponseHeaderTimeout, bc.GetTimeout(), bc.GetDialer().Timeout)
	}
	if !s.Client().Options().DisableValidateResponseChecksum {
		t.Error("response checksum validation is on for DynamoDB Local")
	}
	if got := s.Client().Options().Retryer.MaxAttempts(); got != 3 {
		t.Errorf("retryer allows %d attempts, want 3", got)
	}
	if err := dynamodb.CreateTable(ctx, s.Client(), dynamodb.TableSpec{Name: s.Table()}, true); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() { _ = dynamodb.DeleteTable(context.Background(), s.Client(), s.Table(), false) })
	rush := movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3}`)}
	if err := s.Put(ctx, []movies.Movie{rush}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, err := s.Get(ctx, rush.Key())
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !sameJSON(t, got.Info, rush.Info) {
		t.Errorf("info = %s, want %s", got.Info, rush.Info)
	}
}

func TestTableLifecycle(t *testing.T) {
	srv := ddblocal.Shared(t)
	client := dynamodb.NewClient(srv.Config())
	ctx := testContext(t)
	tests := []struct {
		spec    dynamodb.TableSpec
		billing string
		rcu     int64
	}{
		{dynamodb.TableSpec{Name: "lifecycle-ondemand"}, dynamodb.BillingOnDemand, 0},
		{dynamodb.TableSpec{Name: "lifecycle-provisioned", Billing: dynamodb.BillingProvisioned, RCU: 3, WCU: 4}, dynamodb.BillingProvisioned, 3},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Name, func(t *testing.T) {
			if err := dynamodb.CreateTable(ctx, client, tt.spec, true); err != nil {
				t.Fatalf("CreateTable: %v", err)
			}
			err := dynamodb.CreateTable(ctx, client, tt.spec, false)
			if !errors.Is(err, dynamodb.ErrTableExists) {
				t.Errorf("second CreateTable error %v, want ErrTableExists", err)
			}
			info, err := dynamodb.DescribeTable(ctx, client, tt.spec.Name)
			if err != nil {
				t.Fatalf("DescribeTable: %v", err)
			}
			want := []dynamodb.KeyAttribute{{Name: "year", KeyType: "HASH", Type: "N"}, {Name: "title", KeyType: "RANGE", Type: "S"}}
			if fmt.Sprint(info.KeySchema) != fmt.Sprint(want) {
				t.Errorf("key schema %v, want %v", info.KeySchema, want)
			}
			if info.Status != "ACTIVE" || info.Billing != tt.billing || info.RCU != tt.rcu || info.Name != tt.spec.Name {
				t.Errorf("info %+v, want ACTIVE %s rcu %d", info, tt.billing, tt.rcu)
			}
			if err := dynamodb.DeleteTable(ctx, client, tt.spec.Name, true); err != nil {
				t.Fatalf("DeleteTable: %v", err)
			}
			if err := dynamodb.DeleteTable(ctx, client, tt.spec.Name, false); !errors.Is(err, dynamodb.ErrTableNotFound) {
				t.Errorf("second DeleteTable error %v, want ErrTableNotFound", err)
			}
			if _, err := dynamodb.DescribeTable(ctx, client, tt.spec.Name); !errors.Is(err, dynamodb.ErrTableNotFound) {
				t.Errorf("DescribeTable after delete error %v, want ErrTableNotFound", err)
			}
		})
	}
	if errors.Is(dynamodb.ErrTableExists, dynamodb.ErrTableNotFound) {
		t.Error("table errors are not distinct")
	}
}

func TestTableSpecValidate(t *testing.T) {
	tests := []struct {
		spec dynamodb.TableSpec
		ok   bool
	}{
		{dynamodb.TableSpec{Name: "tbl"}, true},
		{dynamodb.TableSpec{Name: "tbl", Billing: "on-demand"}, true},
		{dynamodb.TableSpec{Name: "tbl", Billing: "provisioned", RCU: 1, WCU: 1}, true},
		{dynamodb.TableSpec{}, false},
		{dynamodb.TableSpec{Name: "tbl", Billing: "provisioned"}, false},
		{dynamodb.TableSpec{Name: "tbl", RCU: 1, WCU: 1}, false},
		{dynamodb.TableSpec{Name: "tbl", Billing: "free"}, false},
	}
	for _, tt := range tests {
		if err := tt.spec.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: Validate() = %v, want ok %v", tt.spec, err, tt.ok)
		}
	}
}

// TestStoppedServer uses its own DynamoDB Local so that stopping it does not
// disturb the other tests.
func TestStoppedServer(t *testing.T) {
	ddblocal.Shared(t) // skips when DynamoDB Local is not installed
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv, err := ddblocal.Start(ctx)
	if err != nil {
		t.Fatalf("start DynamoDB Local: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	s := ddbtest.NewStore(t, srv)
	rush := movies.Movie{Year: 2013, Title: "Rush"}
	if err := s.Put(ctx, []movies.Movie{rush}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}

	getCtx, getCancel := context.WithTimeout(ctx, 10*time.Second)
	defer getCancel()
	began := time.Now()
	_, err = s.Get(getCtx, rush.Key())
	t.Logf("Get on a stopped server failed after %v: %v", time.Since(began).Round(time.Millisecond), err)
	if code := movies.ErrorCode(err); code != movies.EUNAVAILABLE {
		t.Fatalf("Get on a stopped server: code %q (%v), want unavailable", code, err)
	}
	if getCtx.Err() != nil {
		t.Fatalf("Get took until the context expired: %v", err)
	}
	if msg := movies.ErrorMessage(err); msg != "the movie store is unavailable" {
		t.Errorf("message %q", msg)
	}

	// A write is retried while the calls fail in transit, up to ten in a row.
	before := s.Retries()
	err = s.Put(ctx, []movies.Movie{rush})
	if code, msg := movies.ErrorCode(err), movies.ErrorMessage(err); code != movies.EUNAVAILABLE || msg != "the movie store is unavailable: wrote 0 of 1 movies" {
		t.Fatalf("Put on a stopped server: code %q, message %q (%v)", code, msg, err)
	}
	if n := s.Retries() - before; n != 9 {
		t.Errorf("Put on a stopped server retried %d times, want 9", n)
	}

	// In-memory DynamoDB Local loses its tables on restart: recreate the table.
	if err := srv.Restart(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if err := dynamodb.CreateTable(ctx, s.Client(), dynamodb.TableSpec{Name: s.Table()}, true); err != nil {
		t.Fatalf("create table after restart: %v", err)
	}
	if err := s.Put(ctx, []movies.Movie{rush}); err != nil {
		t.Fatalf("Put after restart: %v", err)
	}
	if _, err := s.Get(ctx, rush.Key()); err != nil {
		t.Fatalf("Get after restart: %v", err)
	}
}

// TestThrottledPutRetries checks that Put retries throttling until its
// context ends, counts each retry, and then reports how many movies it
// wrote.
func TestThrottledPutRetries(t *testing.T) {
	srv := ddblocal.Shared(t)
	name := "throttled"
	var calls atomic.Int64
	cfg := srv.Config()
	cfg.APIOptions = append(cfg.APIOptions, throttleAfter(1, &calls))
	s := dynamodb.NewFromConfig(cfg, name)
	ctx := testContext(t)
	if err := dynamodb.CreateTable(ctx, dynamodb.NewClient(srv.Config()), dynamodb.TableSpec{Name: name}, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dynamodb.DeleteTable(context.Background(), dynamodb.NewClient(srv.Config()), name, false) })
	var ms []movies.Movie
	for i := range 30 {
		ms = append(ms, movies.Movie{Year: 2000, Title: fmt.Sprint(i)})
	}
	putCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := s.Put(putCtx, ms)
	if code := movies.ErrorCode(err); code != movies.EUNAVAILABLE {
		t.Fatalf("Put code %q (%v), want unavailable", code, err)
	}
	if msg := movies.ErrorMessage(err); !strings.Contains(msg, "wrote 25 of 30 movies") {
		t.Errorf("message %q does not say 25 of 30 were written", msg)
	}
	// The first batch took one call, the second was throttled until the
	// context ended: every call after its first was a retry.
	if n := calls.Load(); n < 3 || s.Retries() != n-2 {
		t.Errorf("%d BatchWriteItem calls and %d retries counted, want %d", n, s.Retries(), n-2)
	}
}

// throttleAfter returns an API option that lets the first n BatchWriteItem
// calls through and fails every later one with a ThrottlingException,
// counting the calls.
func throttleAfter(n int64, calls *atomic.Int64) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("throttle",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error) {
				if awsmiddleware.GetOperationName(ctx) == "BatchWriteItem" && calls.Add(1) > n {
					return middleware.InitializeOutput{}, middleware.Metadata{},
						&smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}
