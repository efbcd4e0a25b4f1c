package faultproxy

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
)

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
			p.respond(w, r, resp.StatusCode, respBody)
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
	p.writeJSON(w, r, http.StatusOK, out)
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
