package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

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

// targetPrefix starts the X-Amz-Target header of every DynamoDB call; the
// operation's name follows.
const targetPrefix = "DynamoDB_20120810."

// ServeHTTP forwards r upstream, injecting the faults drawn for it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		http.Error(w, "faultproxy: cannot read request body", http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	var pl plan // no faults
	if p.cfg.Operation == "" || target == targetPrefix+p.cfg.Operation {
		pl = p.draw()
	}
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
		p.writeThrottle(w, r)
		return
	}
	if pl.unprocessed && target == targetPrefix+"BatchWriteItem" {
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
	p.respond(w, r, resp.StatusCode, respBody)
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
