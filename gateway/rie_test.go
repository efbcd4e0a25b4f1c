package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/rietest"
)

// The golden, CORS, event limit and throttle tests again, with the functions
// run by the test bootstrap of testdata/riebootstrap under aws-lambda-rie:
// the function answers the case's payload (RIEBOOTSTRAP_ANSWER), or does the
// bootstrap action that is the RIE form of the in-process failure.

func TestMain(m *testing.M) {
	code := m.Run()
	goldenRIE.close()
	os.Exit(code)
}

func TestResponseGoldenRIE(t *testing.T) {
	gateway.ResponseGolden(t, "rie", rieResponseInvoker)
}

// TestEventGoldenRIE checks that the function receives the golden event:
// the bootstrap echoes the event it got (asked to by an "action":"echo"
// field added in front, removed again before comparing).
func TestEventGoldenRIE(t *testing.T) {
	inv := &rieCaseInvoker{pool: goldenRIE.get(t), mode: rieMode{action: "echo"}}
	gateway.EventGolden(t, "rie", inv, func(t *testing.T, answer []byte) []byte {
		var echo struct {
			In map[string]json.RawMessage `json:"in"`
		}
		if err := json.Unmarshal(answer, &echo); err != nil {
			t.Fatalf("decode echo %s: %v", answer, err)
		}
		delete(echo.In, "action")
		delete(echo.In, "ms")
		got, err := json.Marshal(echo.In)
		if err != nil {
			t.Fatal(err)
		}
		return got
	})
}

func TestCORSRIE(t *testing.T) {
	gateway.CORS(t, "rie", func(t *testing.T) gateway.Invoker {
		pool := goldenRIE.get(t)
		goldenRIE.setAnswer(t, gateway.CORSAnswer)
		return &rieCaseInvoker{pool: pool}
	})
}

func TestEventSizeLimitRIE(t *testing.T) {
	gateway.EventSizeLimit(t, "rie", func(t *testing.T, calls *atomic.Int64) gateway.Invoker {
		pool := goldenRIE.get(t)
		goldenRIE.setAnswer(t, okHandlerPayload(t))
		inv := &rieCaseInvoker{pool: pool}
		return invokerFunc(func(ctx context.Context, function string, payload []byte) ([]byte, error) {
			calls.Add(1)
			return inv.Invoke(ctx, function, payload)
		})
	})
}

func TestThrottleRIE(t *testing.T) {
	gateway.ThrottleShare(t, "rie", func(t *testing.T) gateway.Invoker {
		pool := goldenRIE.get(t)
		goldenRIE.setAnswer(t, okHandlerPayload(t))
		// setAnswer sets the list function's answer; it serves every route.
		return &rieCaseInvoker{pool: pool, mode: rieMode{function: deploy.FunctionList}}
	})
}

// invokerFunc adapts a function to gateway.Invoker.
type invokerFunc func(ctx context.Context, function string, payload []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	return f(ctx, function, payload)
}

// rieMode maps an in-process response case to its RIE form.
type rieMode struct {
	action   string // bootstrap action injected into the event: error, panic, sleep, killparent
	function string // function to invoke instead of the route's
	skip     string // why the case has no RIE form
}

// rieResponseModes are the RIE forms of the response cases that do not just
// answer a payload. Cases absent here answer their payload, or
// okHandlerPayload.
var rieResponseModes = map[string]rieMode{
	"handler_error":                {action: "error"},
	"handler_panic":                {action: "panic"},
	"invoker_error":                {action: "killparent"},
	"unknown_function":             {function: "no-such-function"},
	"slow_handler_honours_context": {action: "sleep"},
	"slow_handler_ignores_context": {action: "sleep"},
	"no_invoker":                   {skip: "a gateway without invoker has no RIE form"},
	"invoker_panics":               {skip: "a panic inside the Go invoker has no RIE form (handler_panic and invoker_error cover the RIE crashes)"},
}

// rieResponseInvoker returns the invoker of the response case name, whose
// function answers payload, in RIE mode, with the pool back to full size:
// a case's goroutine count starts from a quiet pool.
func rieResponseInvoker(t *testing.T, name, payload string) gateway.Invoker {
	t.Helper()
	mode := rieResponseModes[name]
	if mode.skip != "" {
		t.Skip(mode.skip)
	}
	pool := goldenRIE.get(t)
	if mode.action == "" && mode.function == "" {
		if payload == "" {
			payload = okHandlerPayload(t)
		}
		goldenRIE.setAnswer(t, payload)
	}
	goldenRIE.settle(t)
	return &rieCaseInvoker{pool: pool, mode: mode}
}

// okHandlerPayload is gateway.OKHandler's response as the runtime encodes it.
func okHandlerPayload(t *testing.T) string {
	resp, _ := gateway.OKHandler(context.Background(), events.APIGatewayV2HTTPRequest{})
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rieCaseInvoker invokes the pool in a case's RIE form.
type rieCaseInvoker struct {
	pool *riepool.Pool
	mode rieMode
}

func (inv *rieCaseInvoker) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	if inv.mode.function != "" {
		function = inv.mode.function
	}
	if inv.mode.action != "" {
		payload = withAction(payload, inv.mode.action)
	}
	return inv.pool.Invoke(ctx, function, payload)
}

// withAction returns the event object with an "action" field (and "ms" for
// sleep) first, which the test bootstrap obeys.
func withAction(event []byte, action string) []byte {
	field := fmt.Sprintf(`{"action":%q,"ms":1000`, action)
	rest := bytes.TrimPrefix(bytes.TrimSpace(event), []byte("{"))
	if !bytes.HasPrefix(bytes.TrimSpace(rest), []byte("}")) {
		field += ","
	}
	return append([]byte(field), rest...)
}

// rieShared is the one RIE pool of these tests, started on first use and
// closed by TestMain.
type rieShared struct {
	once    sync.Once
	dir     string
	pool    *riepool.Pool
	err     error
	mu      sync.Mutex
	current string // the answer the running bootstrap has read
}

var goldenRIE rieShared

// get returns the pool, starting it on first use; it skips the test when
// aws-lambda-rie is not installed.
func (s *rieShared) get(t *testing.T) *riepool.Pool {
	t.Helper()
	rie := rietest.RIEPath(t)
	s.once.Do(func() { s.err = s.start(rie) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.pool
}

// start builds the bootstrap into a directory that outlives single tests (the
// emulator starts the bootstrap again after a crash) and starts the pool.
func (s *rieShared) start(rie string) error {
	dir, err := os.MkdirTemp("", "gateway-golden-rie-")
	if err != nil {
		return err
	}
	s.dir = dir
	bootstrap := filepath.Join(dir, "bootstrap")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := rietest.Build(ctx, rietest.TestBootstrap, bootstrap); err != nil {
		return err
	}
	s.current = `{"statusCode":200}`
	if err := os.WriteFile(s.answerPath(), []byte(s.current), 0o644); err != nil {
		return err
	}
	s.pool, err = riepool.New(ctx, riepool.Config{RIE: rie, Bootstrap: bootstrap, Functions: deploy.FunctionNames(), Size: 1,
		Env: []string{"RIEBOOTSTRAP_ANSWER=" + s.answerPath()}})
	if err != nil {
		return fmt.Errorf("start the aws-lambda-rie pool: %w", err)
	}
	return nil
}

func (s *rieShared) answerPath() string { return filepath.Join(s.dir, "answer.json") }

// setAnswer makes the list function answer answer: the bootstrap reads its
// answer file when it starts, so after writing the file the running one is
// made to exit and the emulator starts a fresh one on the next invocation.
func (s *rieShared) setAnswer(t *testing.T, answer string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if answer == s.current {
		return
	}
	if err := os.WriteFile(s.answerPath(), []byte(answer), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := s.pool.Invoke(ctx, deploy.FunctionList, []byte(`{"action":"exit"}`)); err == nil {
		t.Fatal("exit action answered; want the runtime to exit")
	}
	s.current = answer
}

// settle waits until each function's process (one each) serves again, so
// that no restart of the pool's is under way: an echo invocation of each
// function waits for its process and succeeds once it runs.
func (s *rieShared) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, f := range deploy.FunctionNames() {
		if _, err := s.pool.Invoke(ctx, f, []byte(`{"action":"echo"}`)); err != nil {
			t.Fatalf("pool of %s does not serve again: %v", f, err)
		}
	}
}

// close stops the pool and removes the bootstrap.
func (s *rieShared) close() {
	if s.pool != nil {
		_ = s.pool.Close()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
