package loopback

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFreePortsDistinct(t *testing.T) {
	ports, err := FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || seen[p] {
			t.Fatalf("FreePorts(3) = %v, want three distinct ports", ports)
		}
		seen[p] = true
	}
}

func TestWaitListening(t *testing.T) {
	ln, err := Listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	listening := ln.Addr().String()
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	silent := Addr(ports[0])
	exited := make(chan struct{})
	close(exited)
	tests := []struct {
		name   string
		addr   string
		exited chan struct{}
		want   error // nil, ErrExited or context.DeadlineExceeded
	}{
		{"listening", listening, nil, nil},
		{"process exited", silent, exited, ErrExited},
		{"context ends", silent, nil, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			err := WaitListening(ctx, tt.addr, tt.exited)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("WaitListening = %v, want %v", err, tt.want)
			}
		})
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
}
