package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
)

// The integration: the contract between the gateway and the invokers that
// run its functions (Invoker, FunctionError and Lambda's limits, which
// package riepool implements too), and the gateway's side of one invocation.

const (
	// MinTimeout is the shortest integration timeout of an HTTP API:
	// "between 50 and 30,000 milliseconds for HTTP APIs" (API Gateway V2
	// API reference, Integration, timeoutInMillis).
	MinTimeout = 50 * time.Millisecond
	// MaxTimeout is the longest integration timeout of an HTTP API.
	MaxTimeout = 30 * time.Second
	// DefaultTimeout bounds one invocation when its caller sets no other
	// bound: API Gateway's maximum, its default for HTTP APIs.
	DefaultTimeout = MaxTimeout
	// MaxPayloadBytes is Lambda's synchronous invocation payload limit,
	// for the request (the event) and for the response alike;
	// CheckPayloadSize applies it.
	MaxPayloadBytes = deploy.MaxPayloadBytes
)

// Invoker runs a Lambda function by name on a raw JSON event and returns the
// raw JSON response payload, as the Lambda Invoke API does. Implementations
// must be safe for concurrent use. An error that is a *FunctionError means the
// function itself failed; any other error means the invocation could not be
// made (the gateway answers 500 either way, or 503 past its timeout). The
// gateway counts an invocation against its response budget until Invoke
// returns, past ctx's end too, so Invoke should return once the invocation
// has ended, not before (riepool's Pool stops a process whose invocation it
// gives up on before it returns).
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// FunctionError reports that the function failed: an unhandled error, a panic
// or a crashed runtime. The gateway answers 500 and never shows its text.
type FunctionError struct {
	Function string // function name, e.g. "get"
	Type     string // error type, e.g. "Runtime.ExitError" or the Go error type
	Message  string // error message, for logs only
}

// Error implements the error interface.
func (e *FunctionError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("function %s failed: %s", e.Function, e.Message)
	}
	return fmt.Sprintf("function %s failed: %s: %s", e.Function, e.Type, e.Message)
}

// CheckPayloadSize is Lambda's limit on the payload of a synchronous
// invocation, the one place that decides it: an event or a response (what)
// of n bytes over MaxPayloadBytes is an error. Lambda refuses such an event
// (the gateway answers 413) and fails such a response (500).
func CheckPayloadSize(what string, n int) error {
	if n <= MaxPayloadBytes {
		return nil
	}
	return fmt.Errorf("%s over Lambda's payload limit: %d bytes, over %d", what, n, MaxPayloadBytes)
}

// callJSON invokes the function with ev's JSON payload and converts the
// response payload.
func (g *gateway) callJSON(ctx context.Context, rec *accessRecord, function string, ev *events.APIGatewayV2HTTPRequest) *httpResponse {
	payload, err := MarshalEvent(*ev)
	if err != nil {
		return failed(rec, err)
	}
	if err := CheckPayloadSize("event", len(payload)); err != nil {
		// Lambda refuses the invocation (RequestEntityTooLargeException);
		// the one check of the event's size, for every invoker (docs/FIDELITY.md).
		rec.err = fmt.Errorf("function %s: %w", function, err)
		return errorResponse(http.StatusRequestEntityTooLarge)
	}
	out, err := callWithTimeout(ctx, g, rec, function, func(ctx context.Context) ([]byte, error) {
		if g.cfg.Invoker == nil {
			return nil, errors.New("gateway has no invoker")
		}
		return g.cfg.Invoker.Invoke(ctx, function, payload)
	})
	if err != nil {
		return failed(rec, err)
	}
	resp, err := parseResponse(out)
	if err != nil {
		return failed(rec, fmt.Errorf("function %s: %w", function, err))
	}
	return resp
}

// callTyped invokes the function with ev itself and converts the response
// struct, with the same result as callJSON (typed.go).
func (g *gateway) callTyped(ctx context.Context, rec *accessRecord, inv eventInvoker, function string, ev *events.APIGatewayV2HTTPRequest) *httpResponse {
	wireForm(ev)
	out, err := callWithTimeout(ctx, g, rec, function, func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
		return inv.InvokeEvent(ctx, function, ev)
	})
	if err != nil {
		return failed(rec, err)
	}
	resp, err := convertResponse(&out)
	if err != nil {
		return failed(rec, fmt.Errorf("function %s: %w", function, err))
	}
	return resp
}

// failed records err, the integration's failure, and answers 503 past the
// integration timeout, 500 otherwise.
func failed(rec *accessRecord, err error) *httpResponse {
	rec.err = err
	if errors.Is(err, context.DeadlineExceeded) {
		return errorResponse(http.StatusServiceUnavailable)
	}
	return errorResponse(http.StatusInternalServerError)
}

// callWithTimeout runs call, the invocation of function, on its own
// goroutine under ctx, which carries the integration timeout
// (errIntegrationTimeout is its cause), and turns a panic in call into an
// error, which would otherwise take the whole server down. It returns when
// ctx ends even if call does not honour it, so that the client gets its 503
// on time; call's late result is discarded. Errors past the deadline wrap
// context.DeadlineExceeded.
//
// It is the one place that takes the response budget: the invocation holds
// Lambda's 6 MB for as long as call runs. callWithTimeout takes them first,
// waiting within ctx; the goroutine owns them and hands them to rec with
// the result (call keeps the body's size of them, ServeHTTP gives that back
// once the body is written), or, when the request has gone on without the
// result (timeout, client gone), gives them back itself when call returns:
// a function that ignores its context counts against the budget until it
// returns.
func callWithTimeout[T any](ctx context.Context, g *gateway, rec *accessRecord, function string, call func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := g.inFlight.Acquire(ctx, MaxPayloadBytes); err != nil {
		return zero, fmt.Errorf("function %s: waiting for %d bytes of the %d-byte response budget: %w",
			function, MaxPayloadBytes, g.cfg.maxBytesInFlight, invokeError(ctx, function, err))
	}
	type result struct {
		out T
		err error
	}
	done := make(chan result) // unbuffered: the result and the 6 MB change hands together or not at all
	go func() {
		var res result
		defer func() {
			if v := recover(); v != nil {
				res = result{err: fmt.Errorf("invoker panicked: %v", v)}
			}
			select {
			case done <- res: // the request takes the 6 MB with the result
			case <-ctx.Done(): // the request has gone on without it
				g.inFlight.Release(MaxPayloadBytes)
			}
		}()
		res.out, res.err = call(ctx)
	}()
	select {
	case res := <-done:
		rec.held = MaxPayloadBytes
		if res.err != nil {
			return zero, invokeError(ctx, function, res.err)
		}
		return res.out, nil
	case <-ctx.Done():
		return zero, invokeError(ctx, function, context.Cause(ctx))
	}
}

// invokeError wraps the error of an invocation under ctx: past the gateway's
// timeout it is the integration timeout, whatever the invoker returned.
func invokeError(ctx context.Context, function string, err error) error {
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), errIntegrationTimeout) {
		return fmt.Errorf("invoke %s: %w", function, errIntegrationTimeout)
	}
	return fmt.Errorf("invoke %s: %w", function, err)
}

// timeoutError is the integration timeout; it matches context.DeadlineExceeded.
type timeoutError struct{}

func (timeoutError) Error() string   { return "integration timed out" }
func (timeoutError) Is(t error) bool { return t == context.DeadlineExceeded }

var errIntegrationTimeout error = timeoutError{}
