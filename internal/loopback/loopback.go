// Package loopback finds free TCP ports on 127.0.0.1 and waits for a local
// process to listen on one: what the aws-lambda-rie pool needs to run its
// processes, and what tests need to start servers and emulators. It is the
// one place that does either.
package loopback

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Host is the loopback address every local server listens on.
const Host = "127.0.0.1"

// Listen listens on a free TCP port of Host.
func Listen(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", net.JoinHostPort(Host, "0"))
	if err != nil {
		return nil, fmt.Errorf("listen on a free loopback port: %w", err)
	}
	return l, nil
}

// FreePorts returns n distinct TCP ports that were free on Host. Another
// process may take one before the caller binds it; callers that start a
// process on them retry with new ports when it exits early.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := Listen(context.Background())
		if err != nil {
			return nil, err
		}
		// Hold every port until all are chosen, so they differ.
		defer func() { _ = l.Close() }()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port) //nolint:errcheck // a TCP listener's Addr is a *net.TCPAddr
	}
	return ports, nil
}

// FreeAddrs is FreePorts as host:port addresses.
func FreeAddrs(n int) ([]string, error) {
	ports, err := FreePorts(n)
	if err != nil {
		return nil, err
	}
	addrs := make([]string, len(ports))
	for i, p := range ports {
		addrs[i] = Addr(p)
	}
	return addrs, nil
}

// Addr returns the host:port address of port on Host.
func Addr(port int) string { return net.JoinHostPort(Host, strconv.Itoa(port)) }

// ErrExited is returned by WaitListening when the process exited first.
var ErrExited = errors.New("exited before listening")

// WaitListening polls addr until it accepts a TCP connection, exited is
// closed (the process that should listen has exited: ErrExited) or ctx ends.
// exited may be nil.
func WaitListening(ctx context.Context, addr string, exited <-chan struct{}) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var d net.Dialer
	for {
		dialCtx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(dialCtx, "tcp", addr)
		cancel()
		if err == nil {
			return conn.Close()
		}
		select {
		case <-exited:
			return ErrExited
		case <-ctx.Done():
			return fmt.Errorf("not listening on %s: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}
