package reliability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/faultproxy"
	"github.com/movieskit/movies/internal/loopback"
	"github.com/movieskit/movies/storetest"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

// quietLogger discards everything: the fault tests provoke errors on purpose.
var quietLogger = slog.New(slog.DiscardHandler)

// putAll writes ms into s.
func putAll(tb testing.TB, s movies.Store, ms []movies.Movie) {
	tb.Helper()
	if len(ms) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Put(ctx, ms); err != nil {
		tb.Fatalf("put %d movies: %v", len(ms), err)
	}
}

// createTable creates table name on srv and waits until it is active.
func createTable(tb testing.TB, srv *ddblocal.Server, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamodb.CreateTable(ctx, dynamodb.NewClient(srv.Config()), dynamodb.TableSpec{Name: name}, true); err != nil {
		tb.Fatalf("create table %s: %v", name, err)
	}
}

// serveAPI serves store through the api handlers behind the gateway, in
// process, on a real loopback listener, and returns the base URL. The
// server is shut down, and Serve awaited, when the test ends.
func serveAPI(tb testing.TB, store movies.Store, timeout time.Duration) string {
	tb.Helper()
	inv := gateway.InProcess(api.Functions(store, quietLogger))
	return serveInvoker(tb, inv, timeout)
}

// serveInvoker serves the routes table through the gateway in front of inv.
func serveInvoker(tb testing.TB, inv gateway.Invoker, timeout time.Duration) string {
	tb.Helper()
	ln, err := loopback.Listen(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	h := gateway.New(gateway.Config{Invoker: inv, Timeout: timeout, Logger: quietLogger})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- gateway.Serve(ctx, ln, h, 0, quietLogger) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// newClient returns an HTTP client for the loopback API: no proxy, a
// whole-request timeout as the liveness bound, idle connections closed at
// the end of the test.
func newClient(tb testing.TB, timeout time.Duration, conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     30 * time.Second,
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// response is a fetched HTTP response.
type response struct {
	status      int
	contentType string
	body        []byte
}

// fetch GETs url and reads the whole body.
func fetch(ctx context.Context, client *http.Client, url string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return response{}, fmt.Errorf("build request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("GET %s: read body: %w", url, err)
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}, nil
}

// errorMessage returns the message of a {"message": string} body and
// reports whether body has exactly that shape.
func errorMessage(body []byte) (string, bool) {
	var v map[string]json.RawMessage
	if json.Unmarshal(body, &v) != nil || len(v) != 1 {
		return "", false
	}
	var msg string
	if json.Unmarshal(v["message"], &msg) != nil {
		return "", false
	}
	return msg, true
}

// scanKeys returns every key in table, read with a paginated Scan. Its
// client has no response-header timeout of its own (the store's is 10 s):
// DynamoDB Local on two busy cores can take longer than that to answer a
// page of items of a megabyte; the context bounds the whole scan.
func scanKeys(tb testing.TB, srv *ddblocal.Server, table string) map[movies.Key]bool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := ddb.NewFromConfig(srv.Config(), func(o *ddb.Options) { o.DisableValidateResponseChecksum = true })
	keys := map[movies.Key]bool{}
	p := ddb.NewScanPaginator(client, &ddb.ScanInput{TableName: aws.String(table), ProjectionExpression: aws.String("#y, title"),
		ExpressionAttributeNames: map[string]string{"#y": "year"}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			tb.Fatalf("scan %s: %v", table, err)
		}
		for _, item := range page.Items {
			k, err := itemKey(item)
			if err != nil {
				tb.Fatalf("scan %s: %v", table, err)
			}
			keys[k] = true
		}
	}
	return keys
}

// itemKey reads the key of a scanned item.
func itemKey(item map[string]types.AttributeValue) (movies.Key, error) {
	y, ok1 := item["year"].(*types.AttributeValueMemberN)
	t, ok2 := item["title"].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return movies.Key{}, fmt.Errorf("item without a number year and string title: %v", item)
	}
	year, err := strconv.Atoi(y.Value)
	if err != nil {
		return movies.Key{}, fmt.Errorf("item year %q: %w", y.Value, err)
	}
	return movies.Key{Year: year, Title: t.Value}, nil
}

// fixtures returns the storetest fixtures.
func fixtures() []movies.Movie { return storetest.Fixtures() }

// slowProxy starts a fault proxy in front of srv that delays every call by
// 30 ms, so that an interruption lands in the middle of a load. It is closed
// when the test ends.
func slowProxy(t *testing.T, srv *ddblocal.Server) *faultproxy.Server {
	t.Helper()
	proxy, err := faultproxy.Start(faultproxy.Config{Upstream: srv.Endpoint, Latency: 30 * time.Millisecond})
	if err != nil {
		t.Fatalf("start fault proxy: %v", err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	return proxy
}

// requireExactKeys fails the test unless the table's keys after a rerun are
// exactly the file's.
func requireExactKeys(t *testing.T, got, want map[movies.Key]bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("after rerun the table has %d items, want %d", len(got), len(want))
	}
	for k := range want {
		if !got[k] {
			t.Fatalf("after rerun %v is missing", k)
		}
	}
}
