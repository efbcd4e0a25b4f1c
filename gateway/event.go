package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// requestTimeLayout is the format of requestContext.time, e.g. "12/Mar/2020:19:03:58 +0000".
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// NewEvent builds the payload-2.0 event API Gateway would send for r: it
// decodes the path as API Gateway does, matches it against cfg.Routes and
// fills the event. body is the request body, already read. Zero fields of cfg
// take their defaults; cfg.Invoker is not used. The error is ErrBadPath
// (wrapped) for a path API Gateway answers 400, another one for a request
// that matches no route or is over the gateway's bounds: the header quota
// (431) and Lambda's payload limit on the event (413), as the gateway
// answers them.
func NewEvent(r *http.Request, body []byte, cfg Config) (events.APIGatewayV2HTTPRequest, error) {
	cfg = cfg.withDefaults()
	if n := requestHeaderBytes(r); n > cfg.HeaderQuota {
		return events.APIGatewayV2HTTPRequest{}, fmt.Errorf("%w: %d bytes, over %d", errHeaderQuota, n, cfg.HeaderQuota)
	}
	req, err := routeRequest(r, cfg.Routes)
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	ev := buildEvent(r, body, req, &cfg, cfg.NewRequestID())
	payload, err := MarshalEvent(ev)
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	if err := CheckPayloadSize("event", len(payload)); err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	return ev, nil
}

// buildEvent is NewEvent for a request already routed, with cfg's defaults
// applied and the request id chosen.
func buildEvent(r *http.Request, body []byte, req routedRequest, cfg *Config, requestID string) events.APIGatewayV2HTTPRequest {
	now := cfg.Now().UTC()
	routeKey := req.route.Key()
	domain := domainName(r.Host)
	sourceIP := remoteIP(r)
	headers := eventHeaders(r, body, sourceIP, requestID, now.Unix())
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               req.path,
		RawQueryString:        req.rawQuery,
		Cookies:               requestCookies(r.Header),
		Headers:               headers,
		QueryStringParameters: queryParameters(req.rawQuery),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    cfg.AccountID,
			Stage:        cfg.Stage,
			RequestID:    requestID,
			APIID:        cfg.APIID,
			DomainName:   domain,
			DomainPrefix: domainPrefix(domain),
			Time:         now.Format(requestTimeLayout),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      req.path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: headers["user-agent"],
			},
		},
	}
	if len(req.params) > 0 {
		ev.PathParameters = req.params
	}
	if len(body) > 0 {
		if isTextContentType(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// queryParameters decodes a raw query string like API Gateway: '+' is a
// space, a name given twice has its values joined with a comma, and a name
// without '=' has an empty value. It returns nil for an empty query. The work
// is linear in the length of the query, however often a name repeats.
func queryParameters(rawQuery string) map[string]string {
	var params map[string]string
	var repeated map[string][]string // values of names given more than once
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, value = queryUnescape(name), queryUnescape(value)
		if name == "" {
			continue
		}
		if params == nil {
			params = map[string]string{}
		}
		if first, ok := params[name]; ok {
			if repeated == nil {
				repeated = map[string][]string{}
			}
			if repeated[name] == nil {
				repeated[name] = []string{first}
			}
			repeated[name] = append(repeated[name], value)
			continue
		}
		params[name] = value
	}
	for name, values := range repeated {
		params[name] = strings.Join(values, ",")
	}
	return params
}

// queryUnescape decodes s, keeping it as sent when it is not valid encoding.
func queryUnescape(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

// requestCookies returns the cookies of every Cookie header, split on "; ",
// or nil when there are none.
func requestCookies(h http.Header) []string {
	var cookies []string
	for _, line := range h.Values("Cookie") {
		for c := range strings.SplitSeq(line, "; ") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	return cookies
}

// eventHeaders returns the request headers as API Gateway passes them: names
// lower-cased, repeated headers joined with commas, the cookie header moved to
// the cookies field, and host, content-length (also "0" without a body),
// x-forwarded-* and x-amzn-trace-id added.
func eventHeaders(r *http.Request, body []byte, sourceIP, requestID string, epoch int64) map[string]string {
	h := make(map[string]string, len(r.Header)+6)
	if !copyHeaders(h, r.Header, nil) {
		// The same name in two spellings: join them in a fixed order.
		clear(h)
		copyHeaders(h, r.Header, slices.Sorted(maps.Keys(r.Header)))
	}
	if r.Host != "" {
		h["host"] = r.Host
	}
	if _, ok := h["content-length"]; !ok { // "0" for a request without a body too
		h["content-length"] = strconv.Itoa(len(body))
	}
	if xff := h["x-forwarded-for"]; xff != "" {
		h["x-forwarded-for"] = xff + ", " + sourceIP
	} else {
		h["x-forwarded-for"] = sourceIP
	}
	h["x-forwarded-port"] = localPort(r)
	h["x-forwarded-proto"] = "http"
	if r.TLS != nil {
		h["x-forwarded-proto"] = "https"
	}
	if _, ok := h["x-amzn-trace-id"]; !ok {
		h["x-amzn-trace-id"] = traceID(requestID, epoch)
	}
	return h
}

// copyHeaders copies the headers of hdr into h with lower-case names and
// repeated values joined with commas, taking the names in the order of names
// when it is not nil. It reports false, leaving h partly filled, when names is
// nil and two spellings of one name meet, as their order would then be random.
func copyHeaders(h map[string]string, hdr http.Header, names []string) bool {
	add := func(name string, values []string) bool {
		name = strings.ToLower(name)
		if name == "cookie" || len(values) == 0 {
			return true
		}
		if old, ok := h[name]; ok {
			if names == nil {
				return false
			}
			values = append([]string{old}, values...)
		}
		h[name] = strings.Join(values, ",")
		return true
	}
	if names != nil {
		for _, name := range names {
			add(name, hdr[name])
		}
		return true
	}
	for name, values := range hdr {
		if !add(name, values) {
			return false
		}
	}
	return true
}

// traceID returns an X-Ray trace header "Root=1-<epoch hex>-<24 hex>",
// derived from the request id so that it is unique and reproducible.
func traceID(requestID string, epoch int64) string {
	sum := sha256.Sum256([]byte(requestID))
	var epochBytes [4]byte
	binary.BigEndian.PutUint32(epochBytes[:], uint32(epoch)) //nolint:gosec // G115: the trace id keeps the epoch's low 32 bits
	b := make([]byte, 0, len("Root=1-")+8+1+24)
	b = append(b, "Root=1-"...)
	b = hex.AppendEncode(b, epochBytes[:])
	b = append(b, '-')
	b = hex.AppendEncode(b, sum[:12])
	return string(b)
}

// remoteIP returns the client's IP address from r.RemoteAddr.
func remoteIP(r *http.Request) string { return hostOf(r.RemoteAddr) }

// hostOf returns the host of a host:port address, or addr when it has no port.
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// localPort returns the port the request arrived on: the listener's port when
// known, else the Host header's, else the scheme's default.
func localPort(r *http.Request) string {
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(addr.String()); err == nil {
			return port
		}
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "" {
		return port
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// domainName returns the host name of host, without the port: the API's
// domain name never has one (docs/FIDELITY.md). An IPv6 address keeps its
// brackets ("[::1]").
func domainName(host string) string {
	h, _, err := net.SplitHostPort(host)
	switch {
	case err != nil:
		return host
	case strings.Contains(h, ":"):
		return "[" + h + "]"
	}
	return h
}

// domainPrefix returns the first label of a domain name ("abc" for
// "abc.execute-api.us-east-1.amazonaws.com"), or the whole name when it is
// an IP address.
func domainPrefix(name string) string {
	if net.ParseIP(strings.Trim(name, "[]")) != nil {
		return name
	}
	prefix, _, _ := strings.Cut(name, ".")
	return prefix
}

// isTextContentType reports whether API Gateway passes a body of this content
// type as text: text/*, application/json, application/xml and
// application/javascript. Anything else, including no content type, is binary
// and base64-encoded.
func isTextContentType(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType, _, _ = strings.Cut(strings.ToLower(contentType), ";")
		mediaType = strings.TrimSpace(mediaType)
	}
	switch {
	case strings.HasPrefix(mediaType, "text/"):
		return true
	case mediaType == "application/json", mediaType == "application/xml", mediaType == "application/javascript":
		return true
	}
	return false
}

// wireForm gives ev the form of API Gateway's payload: empty cookies, query
// and path parameters and stage variables are omitted, so nil; headers is
// always an object, so never nil; authorizer and authentication are absent
// (this gateway has no authorizers or mutual TLS), so zero. MarshalEvent
// encodes ev in this form, and the typed path hands it over in this form, as
// json.Unmarshal gives it after MarshalEvent (typed.go).
func wireForm(ev *events.APIGatewayV2HTTPRequest) {
	if len(ev.Cookies) == 0 {
		ev.Cookies = nil
	}
	if ev.Headers == nil {
		ev.Headers = map[string]string{}
	}
	if len(ev.QueryStringParameters) == 0 {
		ev.QueryStringParameters = nil
	}
	if len(ev.PathParameters) == 0 {
		ev.PathParameters = nil
	}
	if len(ev.StageVariables) == 0 {
		ev.StageVariables = nil
	}
	ev.RequestContext.Authorizer = nil
	ev.RequestContext.Authentication = events.APIGatewayV2HTTPRequestContextAuthentication{}
}

// MarshalEvent encodes ev in its wire form (wireForm) as the JSON payload API
// Gateway sends to Lambda: nil fields and an empty body are omitted rather
// than sent as null or "", and requestContext has no authentication (the
// aws-lambda-go struct alone would send "authentication":{"clientCert":{...}}).
func MarshalEvent(ev events.APIGatewayV2HTTPRequest) ([]byte, error) {
	wireForm(&ev)
	rc := ev.RequestContext
	b, err := json.Marshal(wireEvent{
		Version: ev.Version, RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
		Cookies: ev.Cookies, Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters,
		PathParameters: ev.PathParameters, StageVariables: ev.StageVariables, Body: ev.Body,
		IsBase64Encoded: ev.IsBase64Encoded,
		RequestContext: wireRequestContext{
			AccountID: rc.AccountID, APIID: rc.APIID, DomainName: rc.DomainName, DomainPrefix: rc.DomainPrefix,
			HTTP: rc.HTTP, RequestID: rc.RequestID, RouteKey: rc.RouteKey, Stage: rc.Stage, Time: rc.Time, TimeEpoch: rc.TimeEpoch,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return b, nil
}

// wireEvent is the payload-2.0 event as API Gateway sends it (MarshalEvent).
type wireEvent struct {
	Version               string             `json:"version"`
	RouteKey              string             `json:"routeKey"`
	RawPath               string             `json:"rawPath"`
	RawQueryString        string             `json:"rawQueryString"`
	Cookies               []string           `json:"cookies,omitempty"`
	Headers               map[string]string  `json:"headers"`
	QueryStringParameters map[string]string  `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string  `json:"pathParameters,omitempty"`
	RequestContext        wireRequestContext `json:"requestContext"`
	StageVariables        map[string]string  `json:"stageVariables,omitempty"`
	Body                  string             `json:"body,omitempty"`
	IsBase64Encoded       bool               `json:"isBase64Encoded"`
}

// wireRequestContext is the event's requestContext without authorizer and
// authentication.
type wireRequestContext struct {
	AccountID    string                                               `json:"accountId"`
	APIID        string                                               `json:"apiId"`
	DomainName   string                                               `json:"domainName"`
	DomainPrefix string                                               `json:"domainPrefix"`
	HTTP         events.APIGatewayV2HTTPRequestContextHTTPDescription `json:"http"`
	RequestID    string                                               `json:"requestId"`
	RouteKey     string                                               `json:"routeKey"`
	Stage        string                                               `json:"stage"`
	Time         string                                               `json:"time"`
	TimeEpoch    int64                                                `json:"timeEpoch"`
}
