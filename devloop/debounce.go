package devloop

import (
	"context"
	"slices"
	"time"
)

// DefaultQuiet is how long the files must stay unchanged before a rebuild
// starts: an editor's save (write, rename, chmod) or a git checkout of many
// files comes in a burst of events a few milliseconds apart, and makes one
// rebuild.
const DefaultQuiet = 50 * time.Millisecond

// debounce reads changed paths from in and sends them to out in batches: a
// batch is sent once quiet has passed without a new path, and holds each
// path once, sorted. While out is not ready (a rebuild is running), paths
// keep joining the pending batch. It returns when ctx ends or in is closed.
func debounce(ctx context.Context, in <-chan string, quiet time.Duration, out chan<- []string) {
	pending := map[string]bool{}
	timer := time.NewTimer(quiet)
	timer.Stop()
	quietNow := false // quiet has passed since the last path
	for {
		var send chan<- []string
		var batch []string
		if quietNow && len(pending) > 0 {
			send = out
			batch = sortedKeys(pending)
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case p, ok := <-in:
			if !ok {
				timer.Stop()
				return
			}
			pending[p] = true
			quietNow = false
			timer.Reset(quiet)
		case <-timer.C:
			quietNow = true
		case send <- batch:
			pending = map[string]bool{}
			quietNow = false
		}
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
