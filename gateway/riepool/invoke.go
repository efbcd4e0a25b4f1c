package riepool

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/movieskit/movies/gateway"
)

// Invoke invokes the function served by the aws-lambda-rie process at
// baseURL (e.g. "http://127.0.0.1:9000") once, with the same error mapping as
// Pool.Invoke: the response payload, a *gateway.FunctionError when the function
// failed or the emulator could not be reached, or an error wrapping ctx's
// error. function only names the function in errors. No proxy is used.
func Invoke(ctx context.Context, baseURL, function string, payload []byte) ([]byte, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invoke %s: emulator URL %q must be like http://127.0.0.1:9000", function, baseURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = InvokePath
	}
	client := &http.Client{Transport: loopbackTransport(1)}
	defer client.CloseIdleConnections()
	out, _, err := post(ctx, client, u.String(), function, payload)
	return out, err
}

// post POSTs payload to an emulator's invoke URL. healthy reports whether
// the emulator may serve another invocation.
func post(ctx context.Context, client *http.Client, invokeURL, function string, payload []byte) (out []byte, healthy bool, err error) {
	// invokeURL is a loopback emulator this pool started, or the URL the user gave `movies invoke --rie`.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, invokeURL, bytes.NewReader(payload))
	if err != nil {
		return nil, true, fmt.Errorf("invoke %s: build request: %w", function, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, transportError(ctx, function, invokeURL, err)
	}
	defer resp.Body.Close()
	// Read no more than one byte over the limit: enough to know it is over.
	body, err := io.ReadAll(io.LimitReader(resp.Body, gateway.MaxPayloadBytes+1))
	if err != nil {
		return nil, false, transportError(ctx, function, invokeURL, err)
	}
	if err := gateway.CheckPayloadSize("response", len(body)); err != nil {
		return nil, true, &gateway.FunctionError{Function: function, Type: "Function.ResponseSizeTooLarge", Message: err.Error()}
	}
	return classifyResponse(function, resp.StatusCode, resp.Header, body)
}

// transportError maps a failed request: ctx's error when ctx ended (the
// invocation may still be running), else a *gateway.FunctionError saying the
// emulator could not be reached.
func transportError(ctx context.Context, function, invokeURL string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("invoke %s: %w", function, ctxErr)
	}
	return &gateway.FunctionError{Function: function, Type: "Runtime.Unreachable",
		Message: fmt.Sprintf("aws-lambda-rie at %s: %v", invokeURL, err)}
}

// classifyResponse turns the emulator's answer into the payload or an error.
//
// The emulator answers a handled function error with 200 and the runtime's
// {"errorMessage","errorType"} payload (it drops the X-Amz-Function-Error
// header, which is honoured when present), a crashed runtime with 502 and the
// same shape (it restarts the runtime itself), its own function timeout with
// 200 "Task timed out after N.00 seconds", and its internal failures with
// other statuses and usually no body.
func classifyResponse(fn string, status int, h http.Header, body []byte) (out []byte, healthy bool, err error) {
	if bytes.HasPrefix(body, []byte("Task timed out after")) {
		return nil, false, fmt.Errorf("invoke %s: %s: %w", fn, body, context.DeadlineExceeded)
	}
	fe, isErrPayload := parseErrorPayload(body)
	switch {
	case status == http.StatusOK && h.Get("X-Amz-Function-Error") == "" && !isErrPayload:
		return body, true, nil
	case status == http.StatusOK || (status == http.StatusBadGateway && isErrPayload):
		if !isErrPayload {
			fe = gateway.FunctionError{Type: h.Get("X-Amz-Function-Error"), Message: truncate(string(body), 512)}
		}
		fe.Function = fn
		return nil, true, &fe
	default:
		return nil, false, &gateway.FunctionError{Function: fn, Type: "Runtime.EmulatorError",
			Message: fmt.Sprintf("aws-lambda-rie answered %d: %s", status, truncate(string(body), 512))}
	}
}

// parseErrorPayload reports whether body is a Lambda error payload: a JSON
// object with string errorMessage and errorType and no statusCode (a function
// response with a statusCode is an HTTP response, whatever else it holds).
func parseErrorPayload(body []byte) (gateway.FunctionError, bool) {
	var v struct {
		ErrorMessage *string         `json:"errorMessage"`
		ErrorType    *string         `json:"errorType"`
		StatusCode   json.RawMessage `json:"statusCode"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.ErrorMessage == nil || v.ErrorType == nil || v.StatusCode != nil {
		return gateway.FunctionError{}, false
	}
	return gateway.FunctionError{Type: *v.ErrorType, Message: *v.ErrorMessage}, true
}

// truncate shortens s to at most n bytes for a log message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
