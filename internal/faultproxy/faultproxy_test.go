package faultproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		upstream string
		ok       bool
	}{
		{"http://127.0.0.1:8000", true},
		{"http://127.0.0.2:8000", true},
		{"http://localhost:8000", true},
		{"http://[::1]:8000", true},
		{"https://127.0.0.1", true},
		{"http://dynamodb.us-east-1.amazonaws.com", false},
		{"https://10.0.0.1:443", false},
		{"http://0.0.0.0:8000", false},
		{"http://localhost.example.com", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8000", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.upstream, func(t *testing.T) {
			_, err := New(Config{Upstream: tt.upstream})
			if (err == nil) != tt.ok {
				t.Fatalf("New(%q) err = %v, want ok=%v", tt.upstream, err, tt.ok)
			}
		})
	}
}

func TestNewRejectsBadShares(t *testing.T) {
	for _, cfg := range []Config{{Throttle: -0.1}, {Reset: 1.5}, {Unprocessed: 2}, {Latency: -time.Second}} {
		cfg.Upstream = "http://127.0.0.1:1"
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// fakeUpstream answers BatchWriteItem with an empty UnprocessedItems and
// records the bodies it received.
func fakeUpstream(t *testing.T) (*httptest.Server, *[][]byte) {
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{"UnprocessedItems":{}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &bodies
}

func startProxy(t *testing.T, cfg Config) *Server {
	t.Helper()
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func batchBody(n int) []byte {
	var reqs []string
	for i := range n {
		reqs = append(reqs, fmt.Sprintf(`{"PutRequest":{"Item":{"year":{"N":"2000"},"title":{"S":"t%d"}}}}`, i))
	}
	return []byte(`{"RequestItems":{"Movies":[` + strings.Join(reqs, ",") + `]}}`)
}

func post(t *testing.T, url, target string, body []byte) (*http.Response, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func checkCRC(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	if got := resp.Header.Get("X-Amz-Crc32"); got != want {
		t.Errorf("X-Amz-Crc32 = %q, want %q", got, want)
	}
}

func TestFaults(t *testing.T) {
	const target = "DynamoDB_20120810.BatchWriteItem"
	tests := []struct {
		name  string
		cfg   Config
		check func(t *testing.T, resp *http.Response, body []byte, err error, upstream [][]byte, c Counts)
	}{
		{name: "pass through", cfg: Config{}, check: func(t *testing.T, resp *http.Response, body []byte, err error, up [][]byte, c Counts) {
			if err != nil || resp.StatusCode != 200 || string(body) != `{"UnprocessedItems":{}}` {
				t.Fatalf("resp %v %s err %v", resp, body, err)
			}
			if len(up) != 1 || !bytes.Equal(up[0], batchBody(10)) || c.Forwarded != 1 {
				t.Fatalf("upstream got %d bodies, counts %+v", len(up), c)
			}
		}},
		{name: "throttle", cfg: Config{Throttle: 1}, check: func(t *testing.T, resp *http.Response, body []byte, err error, up [][]byte, c Counts) {
			if err != nil || resp.StatusCode != 400 || !strings.Contains(string(body), "#ProvisionedThroughputExceededException") {
				t.Fatalf("resp %v %s err %v", resp, body, err)
			}
			checkCRC(t, resp, body)
			if len(up) != 0 || c.Throttled != 1 {
				t.Fatalf("upstream got %d bodies, counts %+v", len(up), c)
			}
		}},
		{name: "unprocessed", cfg: Config{Unprocessed: 1, Seed: 7}, check: func(t *testing.T, resp *http.Response, body []byte, err error, up [][]byte, c Counts) {
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("resp %v %s err %v", resp, body, err)
			}
			checkCRC(t, resp, body)
			var out struct{ UnprocessedItems map[string][]json.RawMessage }
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			withheld := len(out.UnprocessedItems["Movies"])
			forwarded := 0
			if len(up) == 1 {
				var in struct{ RequestItems map[string][]json.RawMessage }
				if err := json.Unmarshal(up[0], &in); err != nil {
					t.Fatal(err)
				}
				forwarded = len(in.RequestItems["Movies"])
			}
			if withheld == 0 || withheld+forwarded != 10 || c.WithheldItems != int64(withheld) || c.Partial != 1 {
				t.Fatalf("withheld %d forwarded %d counts %+v", withheld, forwarded, c)
			}
		}},
		{name: "reset", cfg: Config{Reset: 1}, check: func(t *testing.T, resp *http.Response, body []byte, err error, up [][]byte, c Counts) {
			if !errors.Is(err, syscall.ECONNRESET) && (err == nil || !strings.Contains(err.Error(), "EOF")) {
				t.Fatalf("err = %v, want a connection reset", err)
			}
			if len(up) != 0 || c.Resets != 1 {
				t.Fatalf("upstream got %d bodies, counts %+v", len(up), c)
			}
		}},
		{name: "lost response", cfg: Config{LostResponse: 1}, check: func(t *testing.T, resp *http.Response, body []byte, err error, up [][]byte, c Counts) {
			if err == nil {
				t.Fatalf("no error, want a connection reset")
			}
			if len(up) != 1 || c.LostResponses != 1 {
				t.Fatalf("upstream got %d bodies, counts %+v", len(up), c)
			}
		}},
		{name: "latency", cfg: Config{Latency: 20 * time.Millisecond}, check: func(t *testing.T, resp *http.Response, body []byte, err error, up [][]byte, c Counts) {
			if err != nil || resp.StatusCode != 200 || c.Delayed != 1 {
				t.Fatalf("resp %v err %v counts %+v", resp, err, c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, bodies := fakeUpstream(t)
			tt.cfg.Upstream = up.URL
			p := startProxy(t, tt.cfg)
			resp, body, err := post(t, p.URL, target, batchBody(10))
			c := p.Counts()
			if c.Requests != 1 {
				t.Fatalf("requests = %d", c.Requests)
			}
			tt.check(t, resp, body, err, *bodies, c)
		})
	}
}

func TestUnprocessedOnlyForBatchWriteItem(t *testing.T) {
	up, bodies := fakeUpstream(t)
	p := startProxy(t, Config{Upstream: up.URL, Unprocessed: 1})
	_, _, err := post(t, p.URL, "DynamoDB_20120810.PutItem", []byte(`{"TableName":"Movies"}`))
	if err != nil || len(*bodies) != 1 || p.Counts().Partial != 0 {
		t.Fatalf("err %v bodies %d counts %+v", err, len(*bodies), p.Counts())
	}
}

func TestFaultsOnlyForOperation(t *testing.T) {
	up, bodies := fakeUpstream(t)
	p := startProxy(t, Config{Upstream: up.URL, Throttle: 1, Operation: "BatchWriteItem"})
	resp, _, err := post(t, p.URL, "DynamoDB_20120810.DescribeTable", []byte(`{"TableName":"Movies"}`))
	if err != nil || resp.StatusCode != 200 || len(*bodies) != 1 {
		t.Fatalf("DescribeTable: %v %v, %d forwarded", resp, err, len(*bodies))
	}
	resp, _, err = post(t, p.URL, "DynamoDB_20120810.BatchWriteItem", batchBody(1))
	if err != nil || resp.StatusCode != 400 || len(*bodies) != 1 || p.Counts().Throttled != 1 {
		t.Fatalf("BatchWriteItem: %v %v, %d forwarded, counts %+v", resp, err, len(*bodies), p.Counts())
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	draws := func(seed uint64) string {
		p, err := New(Config{Upstream: "http://127.0.0.1:1", Seed: seed, Throttle: 0.3, Reset: 0.1, Unprocessed: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for range 50 {
			fmt.Fprintf(&b, "%v", p.draw())
		}
		return b.String()
	}
	if first, again := draws(1), draws(1); first != again {
		t.Fatal("same seed, different faults")
	}
	if draws(1) == draws(2) {
		t.Fatal("different seeds, same faults")
	}
}

// TestDynamoDBLocalAcceptsRewrittenBatch checks the two assumptions behind
// partial BatchWriteItem: DynamoDB Local accepts a body that no longer matches
// its SigV4 signature, and the SDK accepts the proxy's response, including its
// X-Amz-Crc32 (checksum validation stays on for this client).
func TestDynamoDBLocalAcceptsRewrittenBatch(t *testing.T) {
	srv := ddblocal.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := dynamodb.NewClient(srv.Config())
	table := "FaultProxyCheck"
	if err := dynamodb.CreateTable(ctx, admin, dynamodb.TableSpec{Name: table}, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dynamodb.DeleteTable(context.Background(), admin, table, false) })

	p := startProxy(t, Config{Upstream: srv.Endpoint, Unprocessed: 1, Seed: 3})
	cfg := srv.Config()
	cfg.BaseEndpoint = aws.String(p.URL)
	client := ddb.NewFromConfig(cfg, func(o *ddb.Options) {
		o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 1)
	})
	var reqs []types.WriteRequest
	for i := range 25 {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"year": &types.AttributeValueMemberN{Value: "2001"}, "title": &types.AttributeValueMemberS{Value: fmt.Sprintf("t%02d", i)},
		}}})
	}
	out, err := client.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
	if err != nil {
		t.Fatalf("BatchWriteItem through proxy: %v", err)
	}
	left := len(out.UnprocessedItems[table])
	if left == 0 || left != int(p.Counts().WithheldItems) {
		t.Fatalf("unprocessed %d, proxy withheld %d", left, p.Counts().WithheldItems)
	}
	scan, err := admin.Scan(ctx, &ddb.ScanInput{TableName: aws.String(table), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if int(scan.Count) != 25-left {
		t.Fatalf("table has %d items, want the %d forwarded", scan.Count, 25-left)
	}
}

// TestAnswersKeepAliveWithDelayedBody: the proxy's answers, made up or
// forwarded, are HTTP/1.1 with Content-Length (and X-Amz-Crc32 when made
// up) on a connection kept for the next request, also when BodyDelay holds
// their bodies back, as Python's http.server answers.
func TestAnswersKeepAliveWithDelayedBody(t *testing.T) {
	up, _ := fakeUpstream(t)
	for _, cfg := range []Config{{Throttle: 1}, {}} {
		cfg.Upstream, cfg.BodyDelay = up.URL, 10*time.Millisecond
		p := startProxy(t, cfg)
		tr := &http.Transport{Proxy: nil}
		t.Cleanup(tr.CloseIdleConnections)
		client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		for i := range 2 {
			var reused bool
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
			})
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(batchBody(3)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", "DynamoDB_20120810.BatchWriteItem")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.ProtoMajor != 1 || resp.ProtoMinor != 1 || resp.ContentLength != int64(len(body)) || resp.Close {
				t.Errorf("%s, Content-Length %d for %d bytes, close %v", resp.Proto, resp.ContentLength, len(body), resp.Close)
			}
			if cfg.Throttle == 1 {
				checkCRC(t, resp, body)
			}
			if i == 1 && !reused {
				t.Error("the second request did not reuse the connection")
			}
		}
	}
}
