package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Some requests never reach a handler: net/http answers them itself, with a
// plain-text body written straight to the connection (a request line or
// header it cannot parse, a path that is not valid URL encoding, headers over
// MaxHeaderBytes, an unsupported transfer encoding or HTTP version, an
// Expect header it does not support). API Gateway answers every request with
// a JSON {"message": ...} body and an apigw-requestid header, so the
// listener's connections rewrite those answers: a response written while no
// handler has the connection's current request is replaced by the JSON one,
// with the same status, and logged like any other request.

// connKey is the context key of the *errorConn a request arrived on.
type connKey struct{}

// errorListener wraps each accepted connection in an errorConn and holds at
// most max connections open: Accept waits for a slot, leaving further
// clients in the kernel's backlog.
type errorListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{} // closed by Close, ends a wait for a slot
	closeOnce sync.Once
	log       logFunc
}

// logFunc writes the access-log line of a request net/http answered itself.
type logFunc func(c net.Conn, requestID string, status, bytes int, serverErr string)

func newErrorListener(ln net.Listener, maxConns int, log logFunc) *errorListener {
	return &errorListener{Listener: ln, slots: make(chan struct{}, maxConns), done: make(chan struct{}), log: log}
}

// Accept waits for a free slot, then accepts.
func (l *errorListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &errorConn{Conn: c, release: func() { <-l.slots }, log: l.log}, nil
}

// Close closes the listener and ends a wait for a slot.
func (l *errorListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// errorConn is a connection whose server-made error answers become API
// Gateway's JSON errors.
type errorConn struct {
	net.Conn
	handled   atomic.Bool // a handler has the current request
	closeOnce sync.Once
	release   func()
	log       logFunc
}

// Write passes the handler's response through and rewrites a response the
// server wrote on its own.
func (c *errorConn) Write(p []byte) (int, error) {
	if c.handled.Load() {
		return c.Conn.Write(p)
	}
	status, line, ok := parseStatusLine(p)
	if !ok {
		return c.Conn.Write(p)
	}
	resp := errorResponse(status, http.StatusText(status))
	requestID := NewRequestID()
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Apigw-Requestid: " + requestID + "\r\n")
	b.WriteString("Connection: close\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(resp.body)) + "\r\n")
	b.WriteString("Content-Type: application/json\r\n")
	b.WriteString("Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\n\r\n")
	b.WriteString(resp.body)
	if c.log != nil { // before the answer, so that the line is there when the client has it
		c.log(c.Conn, requestID, status, len(resp.body), line)
	}
	if _, err := c.Conn.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close releases the connection's listener slot once.
func (c *errorConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(c.release)
	return err
}

// parseStatusLine reads the status of a response that starts with its status
// line, e.g. "HTTP/1.1 431 Request Header Fields Too Large\r\n...": the
// status code, the line, and whether p starts so.
func parseStatusLine(p []byte) (status int, line string, ok bool) {
	if !bytes.HasPrefix(p, []byte("HTTP/1.")) || len(p) < len("HTTP/1.1 200") {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(p[9:12]))
	if err != nil || status < 100 || status > 599 || p[8] != ' ' {
		return 0, "", false
	}
	end := bytes.Index(p, []byte("\r\n"))
	if end < 0 {
		end = len(p)
	}
	return status, string(p[9:end]), true
}

// markHandled tells the connection of r that a handler has its current
// request, so that the response passes unchanged.
func markHandled(r *http.Request) {
	if c, ok := r.Context().Value(connKey{}).(*errorConn); ok {
		c.handled.Store(true)
	}
}

// connContext stores the connection in its requests' context.
func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// connState clears the mark when a connection goes idle after a response:
// the next request on it has no handler yet.
func connState(c net.Conn, state http.ConnState) {
	if ec, ok := c.(*errorConn); ok && state == http.StateIdle {
		ec.handled.Store(false)
	}
}

// logServerError writes the access-log line of a request net/http answered
// itself.
func logServerError(logger *slog.Logger) logFunc {
	return func(c net.Conn, requestID string, status, bytes int, serverErr string) {
		logger.LogAttrs(context.Background(), slog.LevelWarn, "request",
			slog.String("requestId", requestID),
			slog.String("ip", hostOf(c.RemoteAddr().String())),
			slog.Int("status", status),
			slog.Int("bytes", bytes),
			slog.String("serverError", serverErr),
		)
	}
}
