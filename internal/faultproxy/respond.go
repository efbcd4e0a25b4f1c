package faultproxy

import (
	"hash/crc32"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
)

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
