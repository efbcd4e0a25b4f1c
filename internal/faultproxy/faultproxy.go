// Package faultproxy is a loopback-only HTTP proxy for tests that sits between
// the AWS SDK and DynamoDB Local and injects the faults real DynamoDB
// produces: throttling errors, partially processed BatchWriteItem calls,
// connection resets (before or after the call reaches the table), latency,
// and answers whose body follows their headers after a pause.
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
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
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
	// Operation, when set, limits the faults to calls of that DynamoDB
	// operation ("BatchWriteItem"); other calls are forwarded untouched.
	Operation string
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
	// BodyDelay holds back the body of every response for this long after
	// its status line and headers have been sent, as a server does that
	// writes the two separately with Nagle's algorithm on (Python's
	// http.server, for one: the body waits for the client to acknowledge
	// the headers). The client then has the response while its body is
	// still to come, and reads the body from the connection.
	BodyDelay time.Duration
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
	if cfg.Latency < 0 || cfg.BodyDelay < 0 {
		return nil, fmt.Errorf("faultproxy: negative latency %v or body delay %v", cfg.Latency, cfg.BodyDelay)
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
