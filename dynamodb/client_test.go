package dynamodb_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
)

// lateWriter makes one request go out in the order that closed connections
// under throttling answers: its HTTP client's connections hold up the
// transport's write of a request body until the SDK has closed that body,
// which the SDK does as soon as the answer has arrived. The server then
// sends the answer's body once the transport has finished writing.
type lateWriter struct {
	bodyClosed  chan struct{} // closed when the SDK closes the request body
	writeDone   chan struct{} // closed when the held write returns
	closeOnce   sync.Once
	releaseOnce sync.Once
}

func newLateWriter() *lateWriter {
	return &lateWriter{bodyClosed: make(chan struct{}), writeDone: make(chan struct{})}
}

// Do is the SDK's HTTP client: it wraps the request body to see it closed,
// keeping its WriteTo method, if any, for net/http to use.
func (l *lateWriter) Do(req *http.Request) (*http.Response, error) {
	tr := &http.Transport{Proxy: nil, DialContext: l.dial}
	defer tr.CloseIdleConnections()
	if req.Body != nil && req.Body != http.NoBody {
		body := &signalBody{ReadCloser: req.Body, l: l}
		req.Body = body
		if wt, ok := body.ReadCloser.(io.WriterTo); ok {
			req.Body = signalBodyWriterTo{signalBody: body, wt: wt}
		}
	}
	return (&http.Client{Transport: tr}).Do(req)
}

type signalBody struct {
	io.ReadCloser
	l *lateWriter
}

func (b *signalBody) Close() error {
	b.l.closeOnce.Do(func() { close(b.l.bodyClosed) })
	return b.ReadCloser.Close()
}

type signalBodyWriterTo struct {
	*signalBody
	wt io.WriterTo
}

func (b signalBodyWriterTo) WriteTo(w io.Writer) (int64, error) { return b.wt.WriteTo(w) }

func (l *lateWriter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &lateConn{Conn: c, l: l}, nil
}

// lateConn holds up every write but the request head (which starts with the
// method) until the SDK has closed the request body.
type lateConn struct {
	net.Conn
	l *lateWriter
}

func (c *lateConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if !strings.HasPrefix(string(p), http.MethodPost+" ") {
		select {
		case <-c.l.bodyClosed:
		case <-time.After(5 * time.Second): // liveness bound
		}
		c.l.releaseOnce.Do(func() { close(c.l.writeDone) })
	}
	return n, err
}

// TestAnswerBeforeTheBodyWriteEnds: DynamoDB's answer (here a throttling
// error and a success) arrives while the transport is still finishing the
// request body's write. The SDK closes the request body as soon as the answer
// is in; net/http then copies the body once more to check that it has ended,
// and the SDK's closed body, through its WriteTo, answered that copy with
// io.EOF, which failed the write: net/http closed the connection under the
// answer's body ("failed to copy error response body ... use of closed
// network connection"). The store's client keeps the connection and reads
// the answer.
func TestAnswerBeforeTheBodyWriteEnds(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		check  func(*testing.T, error)
	}{
		{"throttled", http.StatusBadRequest,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}`,
			func(t *testing.T, err error) {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ProvisionedThroughputExceededException" {
					t.Fatalf("err = %v, want the throttling error DynamoDB sent", err)
				}
			}},
		{"written", http.StatusOK, `{"UnprocessedItems":{}}`, func(t *testing.T, err error) {
			if err != nil {
				t.Fatalf("err = %v, want success", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLateWriter()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.Header().Set("Content-Length", strconv.Itoa(len(tt.body)))
				w.WriteHeader(tt.status)
				_ = http.NewResponseController(w).Flush()
				select { // the body follows once the transport's write has ended
				case <-l.writeDone:
					time.Sleep(50 * time.Millisecond)
				case <-r.Context().Done():
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			cfg := (&ddblocal.Server{Endpoint: srv.URL}).Config()
			cfg.HTTPClient = l
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := dynamodb.NewClient(cfg).BatchWriteItem(ctx, &ddb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{"Movies": {{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"year": &types.AttributeValueMemberN{Value: "2013"}, "title": &types.AttributeValueMemberS{Value: "Rush"},
				}}}}},
			}, func(o *ddb.Options) { o.Retryer = aws.NopRetryer{} })
			tt.check(t, err)
		})
	}
}

// TestPutRefusesUnprocessedRequestsItDidNotSend: an answer whose
// UnprocessedItems holds a request that is not a put (no real DynamoDB sends
// one; a broken proxy might) ends Put with an error instead of a nil
// dereference in the retry loop.
func TestPutRefusesUnprocessedRequestsItDidNotSend(t *testing.T) {
	const body = `{"UnprocessedItems":{"Movies":[{"DeleteRequest":{"Key":{"year":{"N":"2013"},"title":{"S":"Rush"}}}}]}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	store := dynamodb.NewFromConfig((&ddblocal.Server{Endpoint: srv.URL}).Config(), "Movies")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := store.Put(ctx, []movies.Movie{{Year: 2013, Title: "Rush"}})
	if err == nil || !strings.Contains(err.Error(), "not a put") {
		t.Fatalf("Put = %v, want an error about the request that is not a put", err)
	}
}
