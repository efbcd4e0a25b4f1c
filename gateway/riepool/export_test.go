package riepool

import (
	"context"
	"testing"
	"time"
)

// The pool's internals for the tests of package riepool_test, which start
// pools with internal/rietest (a test of package riepool cannot import it:
// rietest imports riepool).

// HoldAll takes every process of function out of the pool, waiting for
// restarts, checks that each is running, and returns a func that gives them back.
func HoldAll(t *testing.T, p *Pool, function string) (release func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var held []*Process
	release = func() {
		for _, proc := range held {
			p.idle[function] <- proc
		}
		held = nil
	}
	for range p.cfg.Size {
		select {
		case proc := <-p.idle[function]:
			held = append(held, proc)
			if proc.exitedNow() {
				release()
				t.Fatalf("pool of %s holds an exited process", function)
			}
		case <-ctx.Done():
			release()
			t.Fatalf("pool of %s did not get back to %d processes", function, p.cfg.Size)
		}
	}
	return release
}

// EmulatorPIDs returns the process ids of the pool's running emulators.
func EmulatorPIDs(p *Pool) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []int
	for proc := range p.live {
		pids = append(pids, proc.PID())
	}
	return pids
}
