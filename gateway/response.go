package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// httpResponse is what the gateway writes to the client.
type httpResponse struct {
	status int
	header http.Header
	body   string // a string, so that a handler's body string is written without a copy
}

// rawResponse is a payload-2.0 function response. Fields that API Gateway
// accepts as null are decoded leniently; anything of the wrong type makes the
// response invalid.
type rawResponse struct {
	StatusCode        *json.Number        `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"` // type-checked, then ignored (payload 1.0)
	Cookies           []string            `json:"cookies"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// defaultContentType is the content type API Gateway gives a structured
// response that sets none.
const defaultContentType = "text/plain; charset=utf-8"

// errInvalidResponse reports a function response API Gateway cannot use.
var errInvalidResponse = errors.New("invalid function response")

// parseResponse turns a function's response payload into HTTP as API Gateway
// does for payload format 2.0. A payload over Lambda's limit is an error
// (CheckPayloadSize). A JSON object with statusCode is a structured response;
// any other valid JSON is sent as the body of a 200 with content type
// application/json. Invalid payloads are errInvalidResponse.
func parseResponse(payload []byte) (*httpResponse, error) {
	if err := CheckPayloadSize("response", len(payload)); err != nil {
		return nil, err
	}
	if !json.Valid(payload) {
		return nil, fmt.Errorf("%w: not valid JSON", errInvalidResponse)
	}
	var probe map[string]json.RawMessage
	// Valid JSON that is not an object, or an object without statusCode, is
	// the body of a 200 response, as API Gateway treats it.
	isObject := json.Unmarshal(payload, &probe) == nil
	if !isObject || probe["statusCode"] == nil {
		return jsonBodyResponse(payload), nil
	}
	var raw rawResponse
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidResponse, err)
	}
	return structuredResponse(&raw)
}

// jsonBodyResponse returns a JSON payload without statusCode as the body of a 200.
func jsonBodyResponse(payload []byte) *httpResponse {
	h := http.Header{"Content-Type": {"application/json"}}
	return &httpResponse{status: http.StatusOK, header: h, body: string(bytes.TrimSpace(payload))}
}

// structuredResponse converts a response that has a statusCode.
func structuredResponse(raw *rawResponse) (*httpResponse, error) {
	if raw.StatusCode == nil {
		return nil, fmt.Errorf("%w: statusCode is null", errInvalidResponse)
	}
	status, err := raw.StatusCode.Int64()
	if err != nil {
		return nil, fmt.Errorf("%w: statusCode %s is not an HTTP status", errInvalidResponse, raw.StatusCode)
	}
	return buildResponse(status, raw)
}

// buildResponse converts a response whose statusCode is the integer status;
// raw.StatusCode is not read. As API Gateway does for payload 2.0
// (docs/FIDELITY.md, "Response"): headers are set in sorted order,
// multiValueHeaders is ignored (a payload 1.0 field), a response without a
// content-type gets text/plain; charset=utf-8, cookies become Set-Cookie
// headers, and a base64 body is decoded.
func buildResponse(status int64, raw *rawResponse) (*httpResponse, error) {
	if status < 100 || status > 599 {
		return nil, fmt.Errorf("%w: statusCode %d is not an HTTP status", errInvalidResponse, status)
	}
	if status < 200 {
		// 1xx is an interim answer, never a final one: sent as the final
		// status it would leave the client waiting for another (docs/FIDELITY.md).
		return nil, fmt.Errorf("%w: statusCode %d is an informational status, not a final one", errInvalidResponse, status)
	}
	resp := &httpResponse{status: int(status), header: make(http.Header, len(raw.Headers)+len(raw.Cookies)+1)}
	names := make([]string, 0, len(raw.Headers))
	for name := range raw.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		resp.header.Set(name, raw.Headers[name])
	}
	if _, ok := resp.header["Content-Type"]; !ok {
		resp.header.Set("Content-Type", defaultContentType)
	}
	for _, c := range raw.Cookies {
		resp.header.Add("Set-Cookie", c)
	}
	if raw.Body != nil {
		if !raw.IsBase64Encoded {
			resp.body = *raw.Body
		} else {
			body, err := base64.StdEncoding.DecodeString(*raw.Body)
			if err != nil {
				return nil, fmt.Errorf("%w: body is not valid base64: %w", errInvalidResponse, err)
			}
			resp.body = string(body)
		}
	}
	return resp, nil
}

// errorResponse returns API Gateway's JSON error response for status:
// {"message":"Not Found"}, the status's text, as API Gateway words it.
func errorResponse(status int) *httpResponse {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{http.StatusText(status)})
	return &httpResponse{status: status, header: h, body: string(body)}
}
