package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies/deploy"
)

// inProcess is the Invoker returned by InProcess.
type inProcess struct {
	funcs map[string]deploy.Function
}

// InProcess returns an Invoker that calls handlers in this process: it decodes
// the payload into events.APIGatewayV2HTTPRequest exactly as the Lambda Go
// runtime would, calls the handler, turns a returned error or a panic into a
// *FunctionError, and encodes the response as the runtime would. An unknown
// function name is a *FunctionError too (Lambda's ResourceNotFound).
func InProcess(funcs map[string]deploy.Function) Invoker {
	copied := make(map[string]deploy.Function, len(funcs))
	for name, f := range funcs {
		copied[name] = f
	}
	return &inProcess{funcs: copied}
}

// Invoke implements Invoker.
func (p *inProcess) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	h, err := p.handler(function)
	if err != nil {
		return nil, err
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, &FunctionError{Function: function, Type: "Runtime.UnmarshalError", Message: err.Error()}
	}
	resp, err := callHandler(ctx, function, h, ev)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, &FunctionError{Function: function, Type: "Runtime.MarshalError", Message: err.Error()}
	}
	return out, nil
}

// InvokeEvent calls the function with the event struct itself, as Invoke
// does after decoding the payload, and returns the handler's response before
// encoding. It lets the gateway skip the JSON hop in process.
func (p *inProcess) InvokeEvent(ctx context.Context, function string, ev *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	h, err := p.handler(function)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return callHandler(ctx, function, h, *ev)
}

// handler returns the handler of function, or Lambda's ResourceNotFound.
func (p *inProcess) handler(function string) (deploy.Function, error) {
	if h := p.funcs[function]; h != nil {
		return h, nil
	}
	return nil, &FunctionError{Function: function, Type: "ResourceNotFoundException", Message: "no such function"}
}

// callHandler calls h, turning a returned error or a panic into a *FunctionError.
func callHandler(ctx context.Context, function string, h deploy.Function, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &FunctionError{Function: function, Type: "Runtime.Panic", Message: fmt.Sprint(v)}
		}
	}()
	resp, err = h(ctx, ev)
	if err != nil {
		return resp, &FunctionError{Function: function, Type: errorType(err), Message: err.Error()}
	}
	return resp, nil
}

// errorType names an error's type the way the Lambda Go runtime reports it:
// the type name, without the pointer.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
