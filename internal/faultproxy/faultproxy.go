// Package faultproxy is a loopback-only HTTP proxy for tests that sits between
// the AWS SDK and DynamoDB Local and injects the faults real DynamoDB
// produces: throttling errors, partially processed BatchWriteItem calls,
// connection resets (before or after the call reaches the table) and latency.
// Faults are drawn from a seeded random source, so a given configuration
// injects the same mix every run, and every injected fault is counted.
//
// A partially processed BatchWriteItem forwards only some of its items and
// answers with the others as UnprocessedItems, as DynamoDB does, so a client
// that resubmits unprocessed items ends with exactly the items it sent. The
// forwarded body differs from the signed one; that works because DynamoDB
// Local does not verify SigV4 signatures (the package tests check this).
package faultproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MaxBodyBytes bounds a request body (DynamoDB's own request limit is 16 MB).
const MaxBodyBytes = 16 << 20

// Config says where to forward and which faults to inject. Shares are
// probabilities from 0 to 1, drawn independently per request in the order
// reset, lost response, throttle, unprocessed, latency.
type Config struct {
	// Upstream is the base URL of DynamoDB Local; its host must be a loopback address.
	Upstream string
	// Seed makes the fault sequence reproducible.
	Seed uint64
	// Throttle is the share of requests answered with HTTP 400
	// ProvisionedThroughputExceededException without reaching upstream.
	Throttle float64
	// Unprocessed is the share of BatchWriteItem requests of which only some
	// items are forwarded, the rest returned as UnprocessedItems.
	Unprocessed float64
	// Reset is the share of requests whose connection is reset before forwarding.
	Reset float64
	// LostResponse is the share of requests that are forwarded and then have
	// their connection reset, so the write happens but the client never hears of it.
	LostResponse float64
	// Latency is added to a LatencyShare of requests (to all of them when LatencyShare is 0).
	Latency      time.Duration
	LatencyShare float64
}

// Counts are the requests seen and the faults injected so far.
type Counts struct {
	Requests      int64 // requests received
	Forwarded     int64 // requests sent upstream (whole or partial)
	Throttled     int64 // answered with ProvisionedThroughputExceededException
	Partial       int64 // BatchWriteItem calls answered with UnprocessedItems
	WithheldItems int64 // items returned as unprocessed
	Resets        int64 // connections reset before forwarding
	LostResponses int64 // connections reset after forwarding
	Delayed       int64 // requests given extra latency
}

// Proxy is an http.Handler that forwards to Config.Upstream and injects faults.
type Proxy struct {
	cfg      Config
	upstream *url.URL
	client   *http.Client

	mu  sync.Mutex
	rng *rand.Rand

	requests, forwarded, throttled, partial, withheld, resets, lost, delayed atomic.Int64
}

// New checks cfg and returns a Proxy. It refuses an upstream that is not on
// a loopback address, so it can never be pointed at a real AWS endpoint.
func New(cfg Config) (*Proxy, error) {
	u, err := CheckLoopback(cfg.Upstream)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]float64{"Throttle": cfg.Throttle, "Unprocessed": cfg.Unprocessed,
		"Reset": cfg.Reset, "LostResponse": cfg.LostResponse, "LatencyShare": cfg.LatencyShare} {
		if v < 0 || v > 1 {
			return nil, fmt.Errorf("faultproxy: %s share %v is not between 0 and 1", name, v)
		}
	}
	if cfg.Latency < 0 {
		return nil, fmt.Errorf("faultproxy: negative latency %v", cfg.Latency)
	}
	tr := &http.Transport{
		Proxy:               nil, // never via an HTTP proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &Proxy{
		cfg:      cfg,
		upstream: u,
		client:   &http.Client{Transport: tr, Timeout: 60 * time.Second},
		rng:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
	}, nil
}

// CheckLoopback parses raw as an http(s) URL and reports an error unless its
// host is localhost or a loopback IP address.
func CheckLoopback(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: upstream %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("faultproxy: upstream %q must be an http or https URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return u, nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return u, nil
	}
	return nil, fmt.Errorf("faultproxy: refusing to proxy to %q: upstream must be a loopback address", host)
}

// Counts returns the counters so far.
func (p *Proxy) Counts() Counts {
	return Counts{
		Requests: p.requests.Load(), Forwarded: p.forwarded.Load(), Throttled: p.throttled.Load(),
		Partial: p.partial.Load(), WithheldItems: p.withheld.Load(), Resets: p.resets.Load(),
		LostResponses: p.lost.Load(), Delayed: p.delayed.Load(),
	}
}

// plan is the faults drawn for one request.
type plan struct {
	reset, lost, throttle, unprocessed, delay bool
	seed                                      uint64 // for choosing withheld items
}

func (p *Proxy) draw() plan {
	p.mu.Lock()
	defer p.mu.Unlock()
	hit := func(share float64) bool { return share > 0 && p.rng.Float64() < share }
	pl := plan{
		reset:       hit(p.cfg.Reset),
		lost:        hit(p.cfg.LostResponse),
		throttle:    hit(p.cfg.Throttle),
		unprocessed: hit(p.cfg.Unprocessed),
	}
	if p.cfg.Latency > 0 {
		pl.delay = p.cfg.LatencyShare == 0 || hit(p.cfg.LatencyShare)
	}
	pl.seed = p.rng.Uint64()
	return pl
}

// ServeHTTP forwards r upstream, injecting the faults drawn for it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		http.Error(w, "faultproxy: cannot read request body", http.StatusBadRequest)
		return
	}
	pl := p.draw()
	if pl.delay {
		p.delayed.Add(1)
		if !sleep(r.Context(), p.cfg.Latency) {
			return
		}
	}
	switch {
	case pl.reset:
		p.resets.Add(1)
		resetConn(w)
		return
	case pl.throttle:
		p.throttled.Add(1)
		writeThrottle(w)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	if pl.unprocessed && target == "DynamoDB_20120810.BatchWriteItem" {
		if p.partialBatchWrite(w, r, body, pl) {
			return
		}
	}
	resp, err := p.forward(r, body, false)
	if err != nil {
		http.Error(w, "faultproxy: upstream unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, "faultproxy: upstream response failed", http.StatusBadGateway)
		return
	}
	if pl.lost {
		p.lost.Add(1)
		resetConn(w)
		return
	}
	copyHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// forward sends body to the upstream with r's method, path and headers.
// When identity is set the upstream is asked not to compress its answer.
func (p *Proxy) forward(r *http.Request, body []byte, identity bool) (*http.Response, error) {
	u := *p.upstream
	u.Path = r.URL.Path
	u.RawQuery = r.URL.RawQuery
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("faultproxy: build upstream request: %w", err)
	}
	copyHeader(out.Header, r.Header)
	out.Header.Del("Content-Length")
	if identity {
		out.Header.Set("Accept-Encoding", "identity")
	}
	out.ContentLength = int64(len(body))
	p.forwarded.Add(1)
	resp, err := p.client.Do(out)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: upstream: %w", err)
	}
	return resp, nil
}

// batchWrite is the part of a BatchWriteItem request the proxy rewrites;
// the other fields are kept as they are.
type batchWrite map[string]json.RawMessage

// partialBatchWrite forwards some of the request's items and answers with the
// others as UnprocessedItems. It reports false, having written nothing, when
// the request cannot be split (the caller then forwards it whole).
func (p *Proxy) partialBatchWrite(w http.ResponseWriter, r *http.Request, body []byte, pl plan) bool {
	var req batchWrite
	var items map[string][]json.RawMessage
	if json.Unmarshal(body, &req) != nil || json.Unmarshal(req["RequestItems"], &items) != nil {
		return false
	}
	keep, withheld, n := splitItems(items, rand.New(rand.NewPCG(pl.seed, 1)))
	if n == 0 {
		return false
	}
	upstream := map[string]json.RawMessage{}
	if len(keep) > 0 {
		var err error
		if req["RequestItems"], err = json.Marshal(keep); err != nil {
			return false
		}
		newBody, err := json.Marshal(req)
		if err != nil {
			return false
		}
		resp, err := p.forward(r, newBody, true)
		if err != nil {
			http.Error(w, "faultproxy: upstream unreachable", http.StatusBadGateway)
			return true
		}
		defer resp.Body.Close()
		respBody, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, "faultproxy: upstream response failed", http.StatusBadGateway)
			return true
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(respBody, &upstream) != nil {
			// Pass errors through untouched: the whole batch failed, none is lost.
			copyHeader(w.Header(), resp.Header)
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write(respBody)
			return true
		}
	}
	out, err := mergeUnprocessed(upstream, withheld)
	if err != nil {
		http.Error(w, "faultproxy: cannot merge response", http.StatusBadGateway)
		return true
	}
	p.partial.Add(1)
	p.withheld.Add(int64(n))
	writeJSON(w, http.StatusOK, out)
	return true
}

// splitItems withholds a random, non-empty subset of the write requests
// (possibly all of them) and returns what to forward, what to withhold and
// how many were withheld.
func splitItems(items map[string][]json.RawMessage, rng *rand.Rand) (keep, withheld map[string][]json.RawMessage, n int) {
	keep, withheld = map[string][]json.RawMessage{}, map[string][]json.RawMessage{}
	total := 0
	for _, reqs := range items {
		total += len(reqs)
	}
	if total == 0 {
		return keep, withheld, 0
	}
	// Withhold each item with probability 1/2, and at least one.
	forced := rng.IntN(total)
	i := 0
	for table, reqs := range items {
		for _, wr := range reqs {
			if i == forced || rng.IntN(2) == 0 {
				withheld[table] = append(withheld[table], wr)
				n++
			} else {
				keep[table] = append(keep[table], wr)
			}
			i++
		}
	}
	return keep, withheld, n
}

// mergeUnprocessed adds withheld to the UnprocessedItems of an upstream
// BatchWriteItem response (or of an empty one) and returns the new body.
func mergeUnprocessed(resp map[string]json.RawMessage, withheld map[string][]json.RawMessage) ([]byte, error) {
	unprocessed := map[string][]json.RawMessage{}
	if raw, ok := resp["UnprocessedItems"]; ok {
		if err := json.Unmarshal(raw, &unprocessed); err != nil {
			return nil, fmt.Errorf("faultproxy: upstream UnprocessedItems: %w", err)
		}
	}
	for table, reqs := range withheld {
		unprocessed[table] = append(unprocessed[table], reqs...)
	}
	raw, err := json.Marshal(unprocessed)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: encode UnprocessedItems: %w", err)
	}
	resp["UnprocessedItems"] = raw
	body, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: encode response: %w", err)
	}
	return body, nil
}

// writeThrottle answers like DynamoDB when a table's capacity is exceeded.
func writeThrottle(w http.ResponseWriter) {
	body := []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
		`"message":"The level of configured provisioned throughput for the table was exceeded. (injected by faultproxy)"}`)
	writeJSON(w, http.StatusBadRequest, body)
}

// requestIDs numbers the responses the proxy makes up.
var requestIDs atomic.Uint64

// writeJSON writes a DynamoDB-style JSON response with a correct X-Amz-Crc32.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Del("Content-Encoding")
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("X-Amzn-Requestid", "faultproxy-"+strconv.FormatUint(requestIDs.Add(1), 10))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// resetConn closes the client connection abruptly (TCP RST where possible).
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: net/http aborts the stream
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// sleep waits for d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

var hopHeaders = map[string]bool{"Connection": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Transfer-Encoding": true, "Upgrade": true, "Te": true, "Trailer": true}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		if hopHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		dst[k] = append([]string(nil), vs...)
	}
}

// Server is a Proxy listening on a loopback port.
type Server struct {
	*Proxy
	// URL is the proxy's base URL, http://127.0.0.1:PORT: use it as the DynamoDB endpoint.
	URL string

	srv  *http.Server
	done chan struct{}
}

// Start starts a Proxy for cfg on a free loopback port.
func Start(cfg Config) (*Server, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	s := &Server{
		Proxy: p,
		URL:   "http://" + l.Addr().String(),
		srv:   &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second},
		done:  make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(l) // returns http.ErrServerClosed after Close
	}()
	return s, nil
}

// Close stops the server, closes its connections and waits for it to finish.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	s.client.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("faultproxy: close: %w", err)
	}
	return nil
}
