package gateway

import (
	"bytes"
	"container/list"
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
//
// Why at the connection: http.Server has no hook for its own answers (it
// writes them to the net.Conn itself, past Handler, ErrorLog and every
// callback), and checking requests before net/http does would mean parsing
// HTTP twice, with a second set of rules to keep in step with the first. Of
// net/http's bytes only the status code of the status line is read, whose
// form RFC 9112 (section 4) fixes; its wording is logged, never parsed.

// connKey is the context key of the *errorConn a request arrived on.
type connKey struct{}

// errorListener wraps each accepted connection in an errorConn and holds at
// most max connections open. A client that arrives while all are taken is
// accepted and waits, unserved, for a slot; to free one, the connection that
// has been idle the longest between two requests is closed at once, and while
// none is idle the client waits until one closes or goes idle. So idle
// keep-alive connections never keep a new client out, and at most max+1
// connections are open, the one over max waiting; further clients wait in
// the kernel's backlog.
//
// Closing an idle connection races with its client sending the next request
// (the bytes may be on the wire, out of reach): like the idle timeout, and
// net/http's own Shutdown, it closes only connections in StateIdle that have
// not read a byte since, and HTTP/1.1 clients retry a request that a closed
// keep-alive connection cut off (RFC 9112, section 9.3.1).
type errorListener struct {
	net.Listener
	slots     chan struct{}
	idleSeen  chan struct{} // signalled when a connection goes idle
	done      chan struct{} // closed by Close, ends a wait for a slot
	closeOnce sync.Once
	log       logFunc

	mu   sync.Mutex
	idle list.List // of *errorConn, idle between requests, the longest idle first
}

// logFunc writes the access-log line of a request net/http answered itself.
type logFunc func(c net.Conn, requestID string, status, bytes int, serverErr string)

func newErrorListener(ln net.Listener, maxConns int, log logFunc) *errorListener {
	return &errorListener{
		Listener: ln, slots: make(chan struct{}, maxConns), idleSeen: make(chan struct{}, 1),
		done: make(chan struct{}), log: log,
	}
}

// Accept accepts a connection, then waits for a slot for it.
func (l *errorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if err := l.acquire(); err != nil {
		_ = c.Close()
		return nil, err
	}
	return &errorConn{Conn: c, l: l}, nil
}

// acquire takes a slot, closing idle connections to free one, or waits until
// a connection closes or goes idle.
func (l *errorListener) acquire() error {
	for {
		select {
		case l.slots <- struct{}{}:
			return nil
		default:
		}
		if c := l.longestIdle(); c != nil {
			_ = c.Close() // frees its slot
			continue
		}
		select {
		case l.slots <- struct{}{}:
			return nil
		case <-l.idleSeen:
		case <-l.done:
			return net.ErrClosed
		}
	}
}

// longestIdle takes the connection idle the longest off the idle list, or
// returns nil.
func (l *errorListener) longestIdle() *errorConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.idle.Front()
	if e == nil {
		return nil
	}
	c, _ := l.idle.Remove(e).(*errorConn) // the list holds nothing else
	c.idleAt = nil
	c.listed.Store(false)
	return c
}

// setIdle puts c at the end of the idle list and wakes a waiting acquire.
func (l *errorListener) setIdle(c *errorConn) {
	l.mu.Lock()
	if c.idleAt == nil {
		c.idleAt = l.idle.PushBack(c)
		c.listed.Store(true)
	}
	l.mu.Unlock()
	select {
	case l.idleSeen <- struct{}{}:
	default:
	}
}

// setBusy takes c off the idle list.
func (l *errorListener) setBusy(c *errorConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.idleAt != nil {
		l.idle.Remove(c.idleAt)
		c.idleAt = nil
		c.listed.Store(false)
	}
}

// Close closes the listener and ends a wait for a slot.
func (l *errorListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// errorConn is a connection whose server-made error answers become API
// Gateway's JSON errors, and that its listener may close while it is idle.
type errorConn struct {
	net.Conn
	l         *errorListener
	handled   atomic.Bool   // a handler has the current request
	listed    atomic.Bool   // on the listener's idle list
	idleAt    *list.Element // on the idle list; guarded by l.mu
	closeOnce sync.Once
}

// Read takes a connection that receives the start of a new request off the
// idle list before net/http sees the request and calls it active.
func (c *errorConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.listed.Load() {
		c.l.setBusy(c)
	}
	return n, err
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
	resp := errorResponse(status)
	requestID := NewRequestID()
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Apigw-Requestid: " + requestID + "\r\n")
	b.WriteString("Connection: close\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(resp.body)) + "\r\n")
	b.WriteString("Content-Type: application/json\r\n")
	b.WriteString("Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\n\r\n")
	b.WriteString(resp.body)
	if c.l.log != nil { // before the answer, so that the line is there when the client has it
		c.l.log(c.Conn, requestID, status, len(resp.body), line)
	}
	if _, err := c.Conn.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close takes the connection off the idle list and releases its listener
// slot once.
func (c *errorConn) Close() error {
	c.l.setBusy(c)
	err := c.Conn.Close()
	c.closeOnce.Do(func() { <-c.l.slots })
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

// connState follows a connection's state: going idle after a response, it
// loses its handled mark (the next request on it has no handler yet) and may
// be closed for a new client; any other state keeps it open.
func connState(c net.Conn, state http.ConnState) {
	ec, ok := c.(*errorConn)
	if !ok {
		return
	}
	if state == http.StateIdle {
		ec.handled.Store(false)
		ec.l.setIdle(ec)
		return
	}
	ec.l.setBusy(ec)
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
