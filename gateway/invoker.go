// Package gateway emulates Amazon API Gateway HTTP APIs (payload format 2.0)
// locally: it turns HTTP requests into the Lambda events API Gateway would
// send, invokes a function through an Invoker and turns the function's
// response payload back into HTTP, with API Gateway's status codes, error
// bodies and limits.
package gateway

import (
	"context"
	"fmt"
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
