package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// The typed path: when the invoker runs the handler in this process, the
// gateway hands it the event struct and converts the returned struct, skipping
// the JSON encoding and decoding of both. It is an optimization only: the
// handler sees exactly the struct it would decode from MarshalEvent's payload
// (the event in wireForm, the rules MarshalEvent encodes), and the client gets
// exactly the response parseResponse makes of the runtime's encoding of the
// handler's answer. Whatever the typed path cannot reproduce cheaply (invalid
// UTF-8, which JSON turns into U+FFFD, and events or responses whose size
// bound is over Lambda's payload limit, CheckPayloadSize) goes the JSON way,
// where the size itself is checked.

// eventInvoker is implemented by invokers that can call a function with the
// event struct itself. InvokeEvent must behave as Invoke does on the event's
// JSON payload, with the event already decoded and the response not yet
// encoded: same errors, same *FunctionError for failures and panics.
type eventInvoker interface {
	InvokeEvent(ctx context.Context, function string, ev *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
}

// typedInvoker returns the invoker as an eventInvoker when it is one and ev
// can go the typed way: its strings are valid UTF-8 and its payload is surely
// within Lambda's limit. Any other event goes the JSON way, where the limit
// is checked on the payload itself.
func typedInvoker(inv Invoker, ev *events.APIGatewayV2HTTPRequest) (eventInvoker, bool) {
	ti, ok := inv.(eventInvoker)
	if !ok {
		return nil, false
	}
	if n, valid := eventSizeBound(ev); !valid || CheckPayloadSize("event", n) != nil {
		return nil, false
	}
	return ti, true
}

// sizeBound adds up a bound on the JSON size of strings, and whether they
// are all valid UTF-8, so that the JSON round trip leaves them unchanged;
// the bound holds only then.
type sizeBound struct {
	n     int
	valid bool
}

// add counts strings with their quotes, separator and colon.
func (b *sizeBound) add(ss ...string) {
	for _, s := range ss {
		b.n += jsonStringLen(s) + 2
		b.valid = b.valid && utf8.ValidString(s)
	}
}

// addMap counts the keys and values of m.
func (b *sizeBound) addMap(m map[string]string) {
	for k, v := range m {
		b.add(k, v)
	}
}

// jsonEscapeExtra is how many bytes encoding/json adds to an ASCII byte of a
// string, at most: a backslash before '"' and '\\', \u00XX for the other
// control characters, '<', '>' and '&' (\n and the like take less).
var jsonEscapeExtra = func() (t [utf8.RuneSelf]byte) {
	for c := range byte(0x20) {
		t[c] = 5
	}
	t['"'], t['\\'] = 1, 1
	t['<'], t['>'], t['&'] = 5, 5, 5
	return t
}()

// jsonStringLen returns, for a valid UTF-8 string s, a bound on its length
// as encoding/json writes it, quotes included: exact but for the escapes
// such as \n that take 2 bytes, not 6. U+2028 and U+2029 take 6 bytes, not 3.
func jsonStringLen(s string) int {
	n := len(s) + 2
	for i := range len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			n += int(jsonEscapeExtra[c])
		}
	}
	return n + 3*(strings.Count(s, "\u2028")+strings.Count(s, "\u2029"))
}

// eventSizeBound returns a bound on the size of MarshalEvent's payload for
// ev, and whether all its strings are valid UTF-8.
func eventSizeBound(ev *events.APIGatewayV2HTTPRequest) (n int, valid bool) {
	b := sizeBound{n: 1024, valid: true} // field names, punctuation, numbers and booleans
	rc := &ev.RequestContext
	b.add(ev.Version, ev.RouteKey, ev.RawPath, ev.RawQueryString, ev.Body,
		rc.RouteKey, rc.AccountID, rc.Stage, rc.RequestID, rc.APIID, rc.DomainName, rc.DomainPrefix, rc.Time,
		rc.HTTP.Method, rc.HTTP.Path, rc.HTTP.Protocol, rc.HTTP.SourceIP, rc.HTTP.UserAgent)
	b.add(ev.Cookies...)
	b.addMap(ev.Headers)
	b.addMap(ev.QueryStringParameters)
	b.addMap(ev.PathParameters)
	b.addMap(ev.StageVariables)
	return b.n, b.valid
}

// encodedSizeBound returns a bound on the size of the JSON the runtime writes
// for resp, and whether all its strings are valid UTF-8.
func encodedSizeBound(resp *events.APIGatewayV2HTTPResponse) (n int, valid bool) {
	b := sizeBound{n: 128, valid: true} // field names and punctuation
	b.add(resp.Body)
	b.addMap(resp.Headers)
	for k, vs := range resp.MultiValueHeaders {
		b.add(k)
		b.n += 4 // brackets or null
		b.add(vs...)
	}
	b.add(resp.Cookies...)
	return b.n, b.valid
}

// convertResponse turns a handler's response into HTTP exactly as the JSON
// path does: the runtime's encoding, then parseResponse. Responses with valid
// UTF-8 whose size bound is within Lambda's payload limit are converted
// directly.
func convertResponse(resp *events.APIGatewayV2HTTPResponse) (*httpResponse, error) {
	if n, valid := encodedSizeBound(resp); valid && CheckPayloadSize("response", n) == nil {
		body := resp.Body
		return buildResponse(int64(resp.StatusCode), &rawResponse{
			Headers:         resp.Headers,
			Cookies:         resp.Cookies,
			Body:            &body,
			IsBase64Encoded: resp.IsBase64Encoded,
		})
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidResponse, err)
	}
	return parseResponse(out)
}
