package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedTime is the request time of every golden test.
var fixedTime = time.Date(2020, 3, 12, 19, 3, 58, 123e6, time.UTC)

// fixedConfig returns a Config with a fixed clock and request id.
func fixedConfig(inv Invoker) Config {
	return Config{
		Invoker:      inv,
		Now:          func() time.Time { return fixedTime },
		NewRequestID: func() string { return "JKJaXmPLvHcESHA=" },
	}
}

// okHandler is the trivial handler of tests and benchmarks.
func okHandler(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"ok":true}`,
	}, nil
}

// okFuncs serves every route of deploy.Routes with okHandler.
func okFuncs() map[string]deploy.Function {
	funcs := map[string]deploy.Function{}
	for _, name := range deploy.FunctionNames() {
		funcs[name] = okHandler
	}
	return funcs
}

// recorder is an Invoker that records the payloads it receives and answers
// with a fixed response payload.
type recorder struct {
	mu       sync.Mutex
	payloads [][]byte
	answer   []byte
}

func (rec *recorder) Invoke(_ context.Context, _ string, payload []byte) ([]byte, error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.payloads = append(rec.payloads, bytes.Clone(payload))
	if rec.answer == nil {
		return []byte(`{"statusCode":200}`), nil
	}
	return rec.answer, nil
}

func (rec *recorder) last(t *testing.T) []byte {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.payloads) == 0 {
		t.Fatal("function was not invoked")
	}
	return rec.payloads[len(rec.payloads)-1]
}

// invokerFunc adapts a function to Invoker.
type invokerFunc func(ctx context.Context, function string, payload []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	return f(ctx, function, payload)
}

// golden compares got, a JSON document, with testdata/name semantically,
// rewriting the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, got, "", "  "); err != nil {
			t.Fatalf("indent %s: %v", name, err)
		}
		pretty.WriteByte('\n')
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("golden %s is invalid JSON: %v", name, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s mismatch\n got: %s\nwant: %s", name, gb, wb)
	}
}

// checkNoGoroutineLeak fails the test if, shortly after it ends, more
// goroutines run than before it started.
func checkNoGoroutineLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
		}
	})
}
