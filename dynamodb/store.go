// Package dynamodb implements movies.Store on an Amazon DynamoDB table with
// partition key year (Number) and sort key title (String). It owns the
// mapping between movie records and DynamoDB items, maps SDK errors to the
// domain's error codes, and manages the table itself (create, describe, delete).
package dynamodb

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"golang.org/x/sync/semaphore"
)

// Network bounds and the SDK's retries, which serve every call but those
// made with singleAttempt (Put's, which retries itself: see put.go, and
// CreateTable's). A stopped or unreachable DynamoDB fails at dial time, so
// Get returns within well under a second after its three attempts; a server
// that accepts connections but never answers costs up to maxAttempts ×
// responseHeaderTimeout unless the caller's context is shorter. The header
// timeout is generous because DynamoDB Local can take seconds to answer its
// first calls on a busy machine.
const (
	dialTimeout           = 2 * time.Second
	responseHeaderTimeout = 10 * time.Second
	requestTimeout        = 30 * time.Second
	maxAttempts           = 3
	maxRetryBackoff       = 250 * time.Millisecond
)

// Store is a movies.Store on one DynamoDB table. It is safe for concurrent use.
type Store struct {
	client   *ddb.Client
	table    string
	inFlight *semaphore.Weighted // BatchWriteItem request bytes being sent (see put.go)
	retries  atomic.Int64        // BatchWriteItem calls retried (see Retries)
}

var _ movies.Store = (*Store)(nil)

// NewFromConfig returns a store on table using cfg. The store makes one
// client, with bounded retries and network timeouts, and reuses it.
func NewFromConfig(cfg aws.Config, table string) *Store {
	return &Store{client: NewClient(cfg), table: table, inFlight: semaphore.NewWeighted(maxInFlightBytes)}
}

// NewClient returns a DynamoDB client for cfg with the retries and network
// bounds above, request bodies that cannot close a connection under its
// answer (see readOnlyBodies), and response checksum validation turned off
// when cfg points at a custom endpoint such as DynamoDB Local.
func NewClient(cfg aws.Config) *ddb.Client {
	return ddb.NewFromConfig(cfg, func(o *ddb.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.MaxBackoff = maxRetryBackoff
			so.RateLimiter = ratelimit.None
		})
		if bc, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
			o.HTTPClient = withTimeouts(bc)
		}
		o.HTTPClient = readOnlyBodies{o.HTTPClient}
		if o.BaseEndpoint != nil {
			o.DisableValidateResponseChecksum = true
		}
	})
}

// singleAttempt makes the SDK try one call once, without its retries.
func singleAttempt(o *ddb.Options) { o.Retryer = aws.NopRetryer{} }

// readOnlyBodies is an HTTP client that hands net/http request bodies with
// Read and Close only.
//
// The SDK (smithy-go) closes a request's body as soon as Do returns, that is
// as soon as the answer's status and headers are in, and its closed body's
// WriteTo returns io.EOF. net/http, after writing Content-Length bytes of
// the body, copies the body once more to check that it has ended (into
// io.Discard, with io.Copy, which uses WriteTo). When DynamoDB answers
// before that copy, as it does a throttled call within a fraction of a
// millisecond, the copy fails with io.EOF, net/http takes that as a failed
// write and closes the connection, and the SDK's read of the answer's body
// fails: "failed to copy error response body ... use of closed network
// connection", or "failed to discard remaining HTTP response body" after a
// success. Without WriteTo the copy reads the closed body, gets io.EOF, and
// ends cleanly.
type readOnlyBodies struct{ next aws.HTTPClient }

// Unwrap returns the HTTP client that sends the requests.
func (c readOnlyBodies) Unwrap() aws.HTTPClient { return c.next }

// Do sends req, whose body the SDK built for this one attempt, through the
// wrapped client.
func (c readOnlyBodies) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return c.next.Do(req) // the SDK wraps and classifies transport errors
}

// withTimeouts adds dial, response-header and whole-request timeouts to the
// SDK's own HTTP client, keeping its other settings (such as AWS_CA_BUNDLE).
func withTimeouts(bc *awshttp.BuildableClient) *awshttp.BuildableClient {
	return bc.WithTimeout(requestTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout }).
		WithTransportOptions(func(t *http.Transport) { t.ResponseHeaderTimeout = responseHeaderTimeout })
}

// Client returns the store's DynamoDB client.
func (s *Store) Client() *ddb.Client { return s.client }

// Table returns the name of the store's table.
func (s *Store) Table() string { return s.table }

// Close releases the store's resources. The SDK client holds none that need
// releasing, so Close returns nil.
func (s *Store) Close() error { return nil }

// Get returns the movie with key k, or an ENOTFOUND error.
func (s *Store) Get(ctx context.Context, k movies.Key) (*movies.Movie, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	out, err := s.client.GetItem(ctx, &ddb.GetItemInput{
		TableName: aws.String(s.table),
		Key:       keyAttrs(k),
	})
	if err != nil {
		return nil, storeError(fmt.Errorf("get %s from table %s: %w", k, s.table, err))
	}
	if out.Item == nil {
		return nil, movies.Errorf(movies.ENOTFOUND, "movie not found")
	}
	m, err := itemToMovie(out.Item)
	if err != nil {
		return nil, storeError(fmt.Errorf("get %s from table %s: %w", k, s.table, err))
	}
	return m, nil
}

// maxListCalls bounds the Scan or Query calls one List makes to fill a page.
const maxListCalls = 32

// List returns up to opts.Limit movies after opts.Cursor. Without a year it
// scans the table (in DynamoDB's hash order); with a year it queries that
// partition in title order. Next is set when DynamoDB reported more items or
// when opts.MaxBytes cut the page short; then no further call is made.
func (s *Store) List(ctx context.Context, opts movies.ListOptions) (*movies.Page, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var start map[string]types.AttributeValue
	if opts.Cursor != "" {
		k, err := movies.DecodeCursor(opts.Cursor)
		if err != nil {
			return nil, err
		}
		start = keyAttrs(k)
	}
	page := &movies.Page{Movies: make([]movies.Movie, 0, min(opts.Limit, 64))}
	budget := movies.NewPageBudget(opts.MaxBytes)
	more, full := false, false
	for calls := 0; !full && len(page.Movies) < opts.Limit && calls < maxListCalls; calls++ {
		remaining := int32(opts.Limit - len(page.Movies)) //nolint:gosec // G115: Validate bounds Limit to movies.MaxLimit
		items, last, err := s.fetch(ctx, opts.Year, remaining, start)
		if err != nil {
			return nil, storeError(fmt.Errorf("list table %s: %w", s.table, err))
		}
		more, start = last != nil, last
		for i, item := range items {
			m, err := itemToMovie(item)
			if err != nil {
				return nil, storeError(fmt.Errorf("list table %s: %w", s.table, err))
			}
			if !budget.Add(m.EscapedSize()) {
				// The page is full: the rest of this response is dropped
				// unconverted and no further call is made. The movie that
				// did not fit follows, so the page continues after its last.
				more, full = true, true
				break
			}
			page.Movies = append(page.Movies, *m)
			items[i] = nil
		}
		if !more {
			break
		}
	}
	if more {
		if n := len(page.Movies); n > 0 {
			page.Next = movies.EncodeCursor(page.Movies[n-1].Key())
		} else if k, err := itemKey(start); err == nil {
			page.Next = movies.EncodeCursor(k)
		}
	}
	return page, nil
}

// fetch makes one Scan (year 0) or Query (one year) call for up to limit
// items after start and returns the items and DynamoDB's LastEvaluatedKey.
func (s *Store) fetch(ctx context.Context, year int, limit int32, start map[string]types.AttributeValue) (
	[]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
	if year == 0 {
		out, err := s.client.Scan(ctx, &ddb.ScanInput{
			TableName:         aws.String(s.table),
			Limit:             aws.Int32(limit),
			ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("scan: %w", err)
		}
		return out.Items, out.LastEvaluatedKey, nil
	}
	out, err := s.client.Query(ctx, &ddb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#y = :y"),
		ExpressionAttributeNames:  map[string]string{"#y": attrYear},
		ExpressionAttributeValues: map[string]types.AttributeValue{":y": &types.AttributeValueMemberN{Value: fmt.Sprint(year)}},
		Limit:                     aws.Int32(limit),
		ExclusiveStartKey:         start,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("query year %d: %w", year, err)
	}
	return out.Items, out.LastEvaluatedKey, nil
}
