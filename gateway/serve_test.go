package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/movieskit/movies/internal/loopback"
	"github.com/movieskit/movies/internal/syncbuf"
)

// TestServeGracefulShutdown checks that cancelling Serve's context lets an
// in-flight request complete, then Serve returns nil and leaves nothing running.
func TestServeGracefulShutdown(t *testing.T) {
	checkNoGoroutineLeak(t)
	ln, err := loopback.Listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, 0, nil) }()

	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		reqCtx, reqCancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer reqCancel()
		req, _ := http.NewRequestWithContext(reqCtx, "GET", "http://"+ln.Addr().String()+"/", nil)
		resp, err := client.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()

	<-started
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond): // still draining, as it should
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "done" {
		t.Fatalf("in-flight request: body %q, err %v", r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve = %v, want nil after a clean shutdown", err)
		}
	case <-time.After(ShutdownTimeout + time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("listener still accepts after shutdown")
	}
}

// TestServeListenerError checks that Serve reports a listener that fails.
func TestServeListenerError(t *testing.T) {
	ln, err := loopback.Listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = Serve(context.Background(), ln, http.NotFoundHandler(), 0, nil)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve on a closed listener = %v, want an error", err)
	}
}

// testLimits are short server limits for tests.
var testLimits = serverLimits{
	readHeader: 2 * time.Second, read: 500 * time.Millisecond, write: 5 * time.Second,
	idle: 5 * time.Second, shutdown: 300 * time.Millisecond, maxConns: 8,
}

// startServe runs serve with lim on a loopback listener until the test ends,
// serving the handler newHandler makes with serve's logger, and returns its
// address and the log it writes.
func startServe(t *testing.T, newHandler func(*slog.Logger) http.Handler, lim serverLimits) (string, *syncbuf.Buffer) {
	t.Helper()
	ln, err := loopback.Listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return startServeOn(t, ln, newHandler, lim)
}

// startServeOn is startServe on the listener ln.
func startServeOn(t *testing.T, ln net.Listener, newHandler func(*slog.Logger) http.Handler, lim serverLimits) (string, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, newHandler(logger), lim, logger) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String(), logs
}

// rawExchange writes raw to addr and reads the response until the server
// closes the connection or 5 s pass.
func rawExchange(t *testing.T, addr, raw string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response to %.60q: %v", raw, err)
	}
	return resp
}

// TestServeServerErrorsAreJSON sends requests net/http answers itself and
// checks that each gets API Gateway's JSON error body, an apigw-requestid
// and an access-log line; OPTIONS * goes to the gateway like any request.
func TestServeServerErrorsAreJSON(t *testing.T) {
	addr, logs := startServe(t, func(l *slog.Logger) http.Handler {
		return New(Config{Invoker: InProcess(okFuncs()), Logger: l})
	}, testLimits)
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"bad escape in the path", "GET /get/2013/bad%zz HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusBadRequest},
		{"bad request line", "GARBAGE\r\n\r\n", http.StatusBadRequest},
		{"no host", "GET /list HTTP/1.1\r\n\r\n", http.StatusBadRequest},
		{"unsupported version", "GET /list HTTP/2.0\r\nHost: x\r\n\r\n", http.StatusHTTPVersionNotSupported},
		{"unsupported transfer encoding", "GET /list HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", http.StatusNotImplemented},
		{"header over the limit", "GET /list HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", MaxHeaderBytes+4096) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"unsupported expectation", "GET /list HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", http.StatusExpectationFailed},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := rawExchange(t, addr, tt.raw)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, tt.status, body)
			}
			var msg map[string]string
			if err := json.Unmarshal(body, &msg); err != nil || len(msg) != 1 || msg["message"] == "" {
				t.Errorf("body %q, want {\"message\": string}", body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type %q, want application/json", ct)
			}
			id := resp.Header.Get("Apigw-Requestid")
			if id == "" {
				t.Fatal("no apigw-requestid")
			}
			if !strings.Contains(logs.String(), `"requestId":"`+id+`"`) {
				t.Errorf("no access-log line for request %s in\n%s", id, logs.String())
			}
		})
	}
}

// TestServeBoundsSlowClients checks that clients that send their body too
// slowly are cut off after the read timeout, that at most maxConns
// connections are open at once, and that the rest are served once slots
// free up.
func TestServeBoundsSlowClients(t *testing.T) {
	var open, peak atomic.Int64
	h := New(Config{Invoker: InProcess(okFuncs())})
	lim := testLimits
	addr, _ := startServe(t, func(*slog.Logger) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := open.Add(1)
			defer open.Add(-1)
			raisePeak(&peak, n)
			h.ServeHTTP(w, r)
		})
	}, lim)
	const clients = 3 * 8
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
			// Headers promise 100 bytes of body; one byte comes, then nothing.
			if _, err := io.WriteString(conn, "GET /list HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nx"); err != nil {
				errs <- err
				return
			}
			if _, err := io.Copy(io.Discard, conn); err != nil { // until the server closes it
				errs <- fmt.Errorf("connection not closed by the server: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if p := peak.Load(); p > int64(lim.maxConns) {
		t.Errorf("%d requests in handlers at once, want at most %d", p, lim.maxConns)
	}
}

// raisePeak sets peak to n when n is higher.
func raisePeak(peak *atomic.Int64, n int64) {
	for {
		p := peak.Load()
		if n <= p || peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// TestServeShutdownWithStalledClient checks that a client that never gets
// its answer does not keep Serve from returning nil soon after the shutdown
// timeout.
func TestServeShutdownWithStalledClient(t *testing.T) {
	ln, err := loopback.Listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	stuck := make(chan struct{})
	defer close(stuck)
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(started)
		<-stuck
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, h, testLimits, nil) }()
	var d net.Dialer
	conn, err := d.DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /list HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve = %v, want nil", err)
		}
	case <-time.After(testLimits.shutdown + 5*time.Second):
		t.Fatal("serve did not return after the shutdown timeout")
	}
}

// TestServeAbsoluteFormTarget sends request targets in absolute form, whose
// scheme and host are case-insensitive (RFC 9110, section 4.2.3): each
// spelling reaches the route its path names.
func TestServeAbsoluteFormTarget(t *testing.T) {
	rec := &recorder{}
	addr, _ := startServe(t, func(*slog.Logger) http.Handler { return New(Config{Invoker: rec}) }, testLimits)
	for _, target := range []string{
		"http://127.0.0.1/get/2013/Rush", "HTTP://127.0.0.1/get/2013/Rush", "Http://LOCALHOST:8080/get/2013/Rush?x=1",
	} {
		t.Run(target, func(t *testing.T) {
			resp := rawExchange(t, addr, "GET "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", target, resp.StatusCode)
			}
			var ev struct {
				RawPath string `json:"rawPath"`
			}
			if err := json.Unmarshal(rec.last(t), &ev); err != nil || ev.RawPath != "/get/2013/Rush" {
				t.Errorf("GET %s: rawPath %q (%v), want /get/2013/Rush", target, ev.RawPath, err)
			}
		})
	}
}

// keptAlive opens a connection to addr, makes one request on it and reads
// the answer, leaving the connection idle on the server, kept alive.
func keptAlive(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET /list HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("keep-alive request: status %d, close %v", resp.StatusCode, resp.Close)
	}
	_ = conn.SetDeadline(time.Time{})
	return conn
}

// getWithin makes one request on a connection of its own and returns an
// error unless it is answered 200 within limit, a bound on a hang (far below
// the idle timeout that would otherwise free a slot), not a speed check.
func getWithin(addr string, limit time.Duration) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: limit}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+addr+"/list", nil)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("new client not served within %s: %w", limit, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("new client: status %d", resp.StatusCode)
	}
	return nil
}

// TestServeReclaimsIdleConnections fills every slot with kept-alive idle
// connections: a new client is served at once, in the slot of an idle
// connection, which is closed, instead of waiting for the idle timeout.
func TestServeReclaimsIdleConnections(t *testing.T) {
	lim := testLimits
	lim.maxConns, lim.idle = 4, time.Minute
	addr, _ := startServe(t, func(*slog.Logger) http.Handler { return New(Config{Invoker: InProcess(okFuncs())}) }, lim)
	conns := make([]net.Conn, lim.maxConns)
	for i := range conns {
		conns[i] = keptAlive(t, addr)
	}
	if err := getWithin(addr, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if closed := closedConns(conns, 2*time.Second); closed != 1 {
		t.Errorf("%d of the %d idle connections closed for the new client, want 1", closed, len(conns))
	}
	for range 2 * lim.maxConns { // each new client takes the place of an idle one, or of a closed one
		if err := getWithin(addr, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

// closedConns reads from each of conns for up to wait and returns how many
// the server has closed.
func closedConns(conns []net.Conn, wait time.Duration) int {
	var closed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(wait))
			if _, err := c.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				closed.Add(1)
			}
		})
	}
	wg.Wait()
	return int(closed.Load())
}

// acceptCounter is a listener that reports each connection it accepts.
type acceptCounter struct {
	net.Listener
	accepted chan struct{}
}

func (l *acceptCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted <- struct{}{}
	}
	return c, err
}

// TestServeWaitsForAConnectionToGoIdle takes every slot with requests in
// handlers: a new client is accepted and waits, and is served as soon as one
// of those connections goes idle, not after the idle timeout.
func TestServeWaitsForAConnectionToGoIdle(t *testing.T) {
	lim := testLimits
	lim.maxConns, lim.idle = 2, time.Minute
	ln, err := loopback.Listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	counter := &acceptCounter{Listener: ln, accepted: make(chan struct{}, 16)}
	release := make(chan struct{})
	var inHandlers, peak atomic.Int64
	h := New(Config{Invoker: InProcess(okFuncs())})
	addr, _ := startServeOn(t, counter, func(*slog.Logger) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raisePeak(&peak, inHandlers.Add(1))
			defer inHandlers.Add(-1)
			if r.URL.Query().Has("hold") {
				<-release
			}
			h.ServeHTTP(w, r)
		})
	}, lim)
	held := make(chan error, lim.maxConns)
	for range lim.maxConns {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		go func() {
			_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := io.WriteString(conn, "GET /list?hold HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				held <- err
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			held <- err // the connection stays open, idle
		}()
	}
	served := make(chan error, 1)
	for i := range lim.maxConns + 1 {
		if i == lim.maxConns { // every slot is taken: the next client is accepted and waits
			go func() { served <- getWithin(addr, 15*time.Second) }()
		}
		select {
		case <-counter.accepted:
		case <-time.After(10 * time.Second):
			close(release)
			t.Fatalf("client %d not accepted", i+1)
		}
	}
	close(release)
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	for range lim.maxConns {
		if err := <-held; err != nil {
			t.Errorf("held request: %v", err)
		}
	}
	if p := peak.Load(); p > int64(lim.maxConns) {
		t.Errorf("%d requests in handlers at once, want at most %d", p, lim.maxConns)
	}
}
