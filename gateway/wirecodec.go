package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
)

// appendEvent appends ev in the wire form MarshalEvent documents, byte for
// byte what json.Marshal writes for it.
func appendEvent(b []byte, ev *events.APIGatewayV2HTTPRequest) []byte {
	b = append(b, `{"version":`...)
	b = appendString(b, ev.Version)
	b = append(b, `,"routeKey":`...)
	b = appendString(b, ev.RouteKey)
	b = append(b, `,"rawPath":`...)
	b = appendString(b, ev.RawPath)
	b = append(b, `,"rawQueryString":`...)
	b = appendString(b, ev.RawQueryString)
	if len(ev.Cookies) > 0 {
		b = append(b, `,"cookies":`...)
		b = appendStrings(b, ev.Cookies)
	}
	b = append(b, `,"headers":`...)
	if ev.Headers == nil {
		b = append(b, "{}"...)
	} else {
		b = appendStringMap(b, ev.Headers)
	}
	if len(ev.QueryStringParameters) > 0 {
		b = append(b, `,"queryStringParameters":`...)
		b = appendStringMap(b, ev.QueryStringParameters)
	}
	if len(ev.PathParameters) > 0 {
		b = append(b, `,"pathParameters":`...)
		b = appendStringMap(b, ev.PathParameters)
	}
	b = append(b, `,"requestContext":`...)
	b = appendRequestContext(b, &ev.RequestContext)
	if len(ev.StageVariables) > 0 {
		b = append(b, `,"stageVariables":`...)
		b = appendStringMap(b, ev.StageVariables)
	}
	if ev.Body != "" {
		b = append(b, `,"body":`...)
		b = appendString(b, ev.Body)
	}
	b = append(b, `,"isBase64Encoded":`...)
	b = strconv.AppendBool(b, ev.IsBase64Encoded)
	return append(b, '}')
}

// appendRequestContext appends the event's requestContext without authorizer
// and authentication.
func appendRequestContext(b []byte, rc *events.APIGatewayV2HTTPRequestContext) []byte {
	b = append(b, `{"accountId":`...)
	b = appendString(b, rc.AccountID)
	b = append(b, `,"apiId":`...)
	b = appendString(b, rc.APIID)
	b = append(b, `,"domainName":`...)
	b = appendString(b, rc.DomainName)
	b = append(b, `,"domainPrefix":`...)
	b = appendString(b, rc.DomainPrefix)
	b = append(b, `,"http":{"method":`...)
	b = appendString(b, rc.HTTP.Method)
	b = append(b, `,"path":`...)
	b = appendString(b, rc.HTTP.Path)
	b = append(b, `,"protocol":`...)
	b = appendString(b, rc.HTTP.Protocol)
	b = append(b, `,"sourceIp":`...)
	b = appendString(b, rc.HTTP.SourceIP)
	b = append(b, `,"userAgent":`...)
	b = appendString(b, rc.HTTP.UserAgent)
	b = append(b, `},"requestId":`...)
	b = appendString(b, rc.RequestID)
	b = append(b, `,"routeKey":`...)
	b = appendString(b, rc.RouteKey)
	b = append(b, `,"stage":`...)
	b = appendString(b, rc.Stage)
	b = append(b, `,"time":`...)
	b = appendString(b, rc.Time)
	b = append(b, `,"timeEpoch":`...)
	b = strconv.AppendInt(b, rc.TimeEpoch, 10)
	return append(b, '}')
}

// decodeEvent decodes payload into ev exactly as json.Unmarshal would. It
// reads the wire form without reflection and falls back to json.Unmarshal
// for anything else.
func decodeEvent(payload []byte, ev *events.APIGatewayV2HTTPRequest) error {
	var fast events.APIGatewayV2HTTPRequest
	s := scanner{b: payload}
	if s.object(func(k string) bool { return eventField(&s, k, &fast) }) && s.atEnd() {
		*ev = fast
		return nil
	}
	return json.Unmarshal(payload, ev)
}

// eventField reads the value of the event's field k.
func eventField(s *scanner, k string, ev *events.APIGatewayV2HTTPRequest) (ok bool) {
	switch k {
	case "version":
		ev.Version, ok = s.str()
	case "routeKey":
		ev.RouteKey, ok = s.str()
	case "rawPath":
		ev.RawPath, ok = s.str()
	case "rawQueryString":
		ev.RawQueryString, ok = s.str()
	case "cookies":
		ev.Cookies, ok = s.strings()
	case "headers":
		ev.Headers, ok = s.stringMap()
	case "queryStringParameters":
		ev.QueryStringParameters, ok = s.stringMap()
	case "pathParameters":
		ev.PathParameters, ok = s.stringMap()
	case "stageVariables":
		ev.StageVariables, ok = s.stringMap()
	case "body":
		ev.Body, ok = s.str()
	case "isBase64Encoded":
		ev.IsBase64Encoded, ok = s.boolean()
	case "requestContext":
		rc := &ev.RequestContext
		ok = s.object(func(k string) bool { return contextField(s, k, rc) })
	}
	return ok
}

// contextField reads the value of the requestContext field k.
func contextField(s *scanner, k string, rc *events.APIGatewayV2HTTPRequestContext) (ok bool) {
	switch k {
	case "accountId":
		rc.AccountID, ok = s.str()
	case "apiId":
		rc.APIID, ok = s.str()
	case "domainName":
		rc.DomainName, ok = s.str()
	case "domainPrefix":
		rc.DomainPrefix, ok = s.str()
	case "requestId":
		rc.RequestID, ok = s.str()
	case "routeKey":
		rc.RouteKey, ok = s.str()
	case "stage":
		rc.Stage, ok = s.str()
	case "time":
		rc.Time, ok = s.str()
	case "timeEpoch":
		rc.TimeEpoch, ok = s.int64()
	case "http":
		h := &rc.HTTP
		ok = s.object(func(k string) bool { return httpField(s, k, h) })
	}
	return ok
}

// httpField reads the value of the requestContext.http field k.
func httpField(s *scanner, k string, h *events.APIGatewayV2HTTPRequestContextHTTPDescription) (ok bool) {
	switch k {
	case "method":
		h.Method, ok = s.str()
	case "path":
		h.Path, ok = s.str()
	case "protocol":
		h.Protocol, ok = s.str()
	case "sourceIp":
		h.SourceIP, ok = s.str()
	case "userAgent":
		h.UserAgent, ok = s.str()
	}
	return ok
}

// appendResponse appends resp exactly as json.Marshal writes it.
func appendResponse(b []byte, resp *events.APIGatewayV2HTTPResponse) []byte {
	b = append(b, `{"statusCode":`...)
	b = strconv.AppendInt(b, int64(resp.StatusCode), 10)
	b = append(b, `,"headers":`...)
	b = appendStringMap(b, resp.Headers)
	b = append(b, `,"multiValueHeaders":`...)
	b = appendStringsMap(b, resp.MultiValueHeaders)
	b = append(b, `,"body":`...)
	b = appendString(b, resp.Body)
	if resp.IsBase64Encoded {
		b = append(b, `,"isBase64Encoded":true`...)
	}
	b = append(b, `,"cookies":`...)
	b = appendStrings(b, resp.Cookies)
	return append(b, '}')
}

// scanResponse reads a function response payload without reflection. ok is
// false for anything but an object of the rawResponse fields with their
// plain types; the caller then parses it with encoding/json. hasStatus
// reports whether statusCode was present.
func scanResponse(payload []byte) (raw rawResponse, hasStatus, ok bool) {
	s := scanner{b: payload}
	ok = s.object(func(k string) (ok bool) {
		if k != "statusCode" && s.null() {
			return knownResponseField(k) // encoding/json leaves the field unset
		}
		switch k {
		case "statusCode":
			raw.StatusCode, ok = s.jsonNumber()
			hasStatus = true
		case "headers":
			raw.Headers, ok = s.stringMap()
		case "multiValueHeaders":
			raw.MultiValueHeaders, ok = s.stringsMap()
		case "cookies":
			raw.Cookies, ok = s.strings()
		case "body":
			var body string
			body, ok = s.str()
			raw.Body = &body
		case "isBase64Encoded":
			raw.IsBase64Encoded, ok = s.boolean()
		}
		return ok
	}) && s.atEnd()
	return raw, hasStatus, ok
}

// knownResponseField reports whether k is a field of rawResponse, spelled exactly.
func knownResponseField(k string) bool {
	switch k {
	case "headers", "multiValueHeaders", "cookies", "body", "isBase64Encoded":
		return true
	}
	return false
}
