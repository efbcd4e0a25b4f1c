// Package invoke is the contract between the API Gateway emulator (package
// gateway) and the invokers that run its functions (in process, or in
// aws-lambda-rie processes by package riepool): the Invoker interface, the
// FunctionError an invoker returns when the function itself failed, and the
// Lambda limits both sides enforce. It has no dependencies, so that every
// invoker and the gateway can import it.
package invoke

import (
	"context"
	"fmt"
	"time"
)

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
	// MaxPayloadBytes is Lambda's synchronous invocation payload limit
	// (6 MB), for the request (the event) and for the response alike.
	MaxPayloadBytes = 6 << 20
)

// Invoker runs a Lambda function by name on a raw JSON event and returns the
// raw JSON response payload, as the Lambda Invoke API does. Implementations
// must be safe for concurrent use. An error that is a *FunctionError means the
// function itself failed; any other error means the invocation could not be
// made (the gateway answers 500 either way, or 503 past its timeout).
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
