package faultproxy

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

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
