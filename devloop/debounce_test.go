package devloop

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// startDebounce runs debounce with quiet until the test ends.
func startDebounce(t *testing.T, quiet time.Duration) (chan<- string, <-chan []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in, out := make(chan string), make(chan []string)
	done := make(chan struct{})
	go func() {
		debounce(ctx, in, quiet, out)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return in, out
}

// receive returns the next batch, failing the test after a minute.
func receive(t *testing.T, out <-chan []string) []string {
	t.Helper()
	select {
	case b := <-out:
		return b
	case <-time.After(time.Minute):
		t.Fatal("no batch within a minute")
		return nil
	}
}

// TestDebounce checks the batches a sequence of bursts makes. The bursts are
// sent while nobody reads the batches, or after the previous batch was read,
// so what the batches hold does not depend on the machine's speed; the one
// case that needs a pause (a path arriving within the quiet period) gives it
// a quiet period far longer than the pause.
func TestDebounce(t *testing.T) {
	burst := func(prefix string, n int) []string {
		ps := make([]string, n)
		for i := range ps {
			ps[i] = fmt.Sprintf("%s/%02d.go", prefix, i)
		}
		return ps
	}
	t.Run("a burst of 50 writes, repeats included, makes one batch", func(t *testing.T) {
		in, out := startDebounce(t, 10*time.Millisecond)
		paths := burst("api", 50)
		for _, p := range append(slices.Clone(paths), paths[:10]...) {
			in <- p
		}
		if got := receive(t, out); !slices.Equal(got, paths) {
			t.Errorf("batch = %v, want the 50 paths once each, sorted", got)
		}
	})
	t.Run("bursts apart make one batch each", func(t *testing.T) {
		in, out := startDebounce(t, 10*time.Millisecond)
		for i, want := range [][]string{burst("a", 3), burst("b", 1), burst("c", 5)} {
			for _, p := range want {
				in <- p
			}
			if got := receive(t, out); !slices.Equal(got, want) {
				t.Errorf("batch %d = %v, want %v", i, got, want)
			}
		}
	})
	t.Run("paths during a rebuild join the next batch", func(t *testing.T) {
		in, out := startDebounce(t, 10*time.Millisecond)
		in <- "api/get.go"
		time.Sleep(50 * time.Millisecond) // quiet has passed: the batch waits for its reader
		in <- "api/list.go"
		in <- "api/get.go"
		if got, want := receive(t, out), []string{"api/get.go", "api/list.go"}; !slices.Equal(got, want) {
			t.Errorf("batch = %v, want %v", got, want)
		}
	})
	t.Run("a path within the quiet period joins the batch", func(t *testing.T) {
		in, out := startDebounce(t, 2*time.Second)
		got := make(chan []string, 1)
		go func() { got <- receive(t, out) }()
		in <- "api/get.go"
		time.Sleep(20 * time.Millisecond)
		in <- "go.mod"
		if b, want := <-got, []string{"api/get.go", "go.mod"}; !slices.Equal(b, want) {
			t.Errorf("batch = %v, want %v", b, want)
		}
	})
	t.Run("nothing changed, no batch", func(t *testing.T) {
		_, out := startDebounce(t, time.Millisecond)
		select {
		case b := <-out:
			t.Errorf("batch %v without a change", b)
		case <-time.After(50 * time.Millisecond):
		}
	})
}
