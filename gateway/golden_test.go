package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/gateway/invoke"
	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/rietest"
)

// The golden tests run in two modes: in process, and through aws-lambda-rie
// with the test bootstrap of testdata/riebootstrap. In RIE mode the function
// answers the case's payload (RIEBOOTSTRAP_ANSWER), or does the bootstrap
// action that is the RIE form of the in-process failure.

func TestMain(m *testing.M) {
	code := m.Run()
	goldenRIE.close()
	os.Exit(code)
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

// rieResponseInvoker returns the invoker of case c in RIE mode.
func rieResponseInvoker(t *testing.T, c responseCase) invoke.Invoker {
	t.Helper()
	mode := rieResponseModes[c.name]
	if mode.skip != "" {
		t.Skip(mode.skip)
	}
	pool := goldenRIE.get(t)
	if mode.action == "" && mode.function == "" {
		answer := c.payload
		if answer == "" {
			answer = okHandlerPayload(t)
		}
		goldenRIE.setAnswer(t, answer)
	}
	return &rieCaseInvoker{pool: pool, mode: mode}
}

// okHandlerPayload is okHandler's response as the runtime encodes it.
func okHandlerPayload(t *testing.T) string {
	resp, _ := okHandler(context.Background(), events.APIGatewayV2HTTPRequest{})
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

// settle waits until the pool is back to full size and no restart runs, so
// that a case's goroutine count starts from a quiet pool.
func (inv *rieCaseInvoker) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := inv.pool.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// closeIdle closes the pool's idle connections, whose goroutines would
// otherwise count as leaked by the case that opened them.
func (inv *rieCaseInvoker) closeIdle() { inv.pool.CloseIdleConnections() }

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

// rieShared is the one RIE pool of the golden tests, started on first use
// and closed by TestMain.
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
	s.pool, err = riepool.New(ctx, riepool.Config{RIE: rie, Bootstrap: bootstrap, Functions: api.FunctionNames(), Size: 1,
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
	if _, err := s.pool.Invoke(ctx, api.FunctionList, []byte(`{"action":"exit"}`)); err == nil {
		t.Fatal("exit action answered; want the runtime to exit")
	}
	s.current = answer
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

// eventGoldenRIE sends the event golden requests through the gateway to
// the test bootstrap in RIE mode and checks that the function receives the
// golden event: the bootstrap echoes the event it got (asked to by an
// "action":"echo" field added in front, removed again before comparing).
func eventGoldenRIE(t *testing.T) {
	for _, c := range eventCases {
		t.Run("rie/"+c.name, func(t *testing.T) {
			pool := goldenRIE.get(t)
			h := New(fixedConfig(&rieCaseInvoker{pool: pool, mode: rieMode{action: "echo"}}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, newTestRequest(c))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			var echo struct {
				In map[string]json.RawMessage `json:"in"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &echo); err != nil {
				t.Fatalf("decode echo %s: %v", w.Body, err)
			}
			delete(echo.In, "action")
			delete(echo.In, "ms")
			got, err := json.Marshal(echo.In)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "events/"+c.name+".json", got)
		})
	}
}
