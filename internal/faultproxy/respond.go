package faultproxy

import (
	"hash/crc32"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
)

// writeThrottle answers like DynamoDB when a table's capacity is exceeded.
func (p *Proxy) writeThrottle(w http.ResponseWriter, r *http.Request) {
	body := []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
		`"message":"The level of configured provisioned throughput for the table was exceeded. (injected by faultproxy)"}`)
	p.writeJSON(w, r, http.StatusBadRequest, body)
}

// requestIDs numbers the responses the proxy makes up.
var requestIDs atomic.Uint64

// writeJSON writes a DynamoDB-style JSON response with a correct X-Amz-Crc32.
func (p *Proxy) writeJSON(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Del("Content-Encoding")
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("X-Amzn-Requestid", "faultproxy-"+strconv.FormatUint(requestIDs.Add(1), 10))
	p.respond(w, r, status, body)
}

// respond sends every answer of the proxy, made up or forwarded: HTTP/1.1
// with Content-Length on a connection kept alive, the status line and
// headers in one write and the body in a second one, Config.BodyDelay later.
func (p *Proxy) respond(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if err := http.NewResponseController(w).Flush(); err != nil {
		return // the client has gone
	}
	if p.cfg.BodyDelay > 0 && !sleep(r.Context(), p.cfg.BodyDelay) {
		return
	}
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
