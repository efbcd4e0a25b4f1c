package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// CORS is the cross-origin configuration of the HTTP API, in the shape of API
// Gateway's CorsConfiguration. One JSON text sets it for both places: the CDK
// stack deploys it (context value "cors") and the local gateway emulates it
// (movies serve --cors), e.g.
//
//	{"allowOrigins":["https://example.com"],"allowMethods":["GET"],"allowHeaders":["content-type"],"maxAge":300}
//
// The zero CORS is "off", as an HTTP API is without a configuration.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           int      `json:"maxAge,omitempty"`
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
}

// minCORSMaxAge and maxCORSMaxAge bound maxAge, in seconds, as API Gateway's
// API model does ("an integer between -1 and 86400").
const (
	minCORSMaxAge = -1
	maxCORSMaxAge = 86400
)

// ParseCORS reads a CORS configuration from its JSON text and checks it as
// API Gateway would on deploy. Unknown fields are errors, so that a typo is
// not silently ignored.
func ParseCORS(text string) (CORS, error) {
	var c CORS
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return CORS{}, fmt.Errorf("CORS configuration: %w", err)
	}
	if dec.More() {
		return CORS{}, errors.New("CORS configuration: text after the JSON object")
	}
	if err := c.validate(); err != nil {
		return CORS{}, fmt.Errorf("CORS configuration: %w", err)
	}
	return c, nil
}

func (c CORS) validate() error {
	if len(c.AllowOrigins) == 0 {
		return errors.New("allowOrigins must name at least one origin (or \"*\")")
	}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*", o == "https://*", o == "http://*":
		case strings.HasPrefix(o, "https://") || strings.HasPrefix(o, "http://"):
			if strings.ContainsAny(o, "* ") || strings.Count(o, "/") != 2 {
				return fmt.Errorf("origin %q: want scheme://host[:port], \"*\", \"https://*\" or \"http://*\"", o)
			}
		default:
			return fmt.Errorf("origin %q: want scheme://host[:port], \"*\", \"https://*\" or \"http://*\"", o)
		}
		if c.AllowCredentials && o == "*" {
			return errors.New("allowCredentials cannot be used with the origin \"*\"")
		}
	}
	for _, m := range c.AllowMethods {
		switch m {
		case "*", http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		default:
			return fmt.Errorf("method %q: want GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or *", m)
		}
	}
	for _, list := range [][]string{c.AllowHeaders, c.ExposeHeaders} {
		for _, h := range list {
			if h != "*" && !validHeaderName(h) {
				return fmt.Errorf("header %q: want a header name or *", h)
			}
		}
	}
	if c.MaxAge < minCORSMaxAge || c.MaxAge > maxCORSMaxAge {
		return fmt.Errorf("maxAge %d: want %d to %d seconds (-1 turns the browser's preflight cache off)", c.MaxAge, minCORSMaxAge, maxCORSMaxAge)
	}
	return nil
}

// validHeaderName reports whether name is an HTTP field name: one or more
// token characters (RFC 9110, section 5.1).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		alnum := '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", r) {
			return false
		}
	}
	return true
}

// Enabled reports whether c configures CORS at all.
func (c CORS) Enabled() bool { return len(c.AllowOrigins) > 0 }

// AllowsOrigin reports whether the request origin is allowed: listed exactly
// (case-insensitively), or covered by "*", "https://*" or "http://*".
func (c CORS) AllowsOrigin(origin string) bool {
	if origin == "" {
		return false
	}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*":
			return true
		case strings.HasSuffix(o, "://*"):
			if strings.HasPrefix(strings.ToLower(origin), strings.TrimSuffix(o, "*")) {
				return true
			}
		case strings.EqualFold(o, origin):
			return true
		}
	}
	return false
}

// AllowsMethod reports whether a preflight may ask for method
// (Access-Control-Request-Method): allowMethods lists it, or holds "*".
// Methods are case-sensitive (RFC 9110, section 9.1).
func (c CORS) AllowsMethod(method string) bool {
	return slices.Contains(c.AllowMethods, "*") || slices.Contains(c.AllowMethods, method)
}

// AllowsHeaders reports whether a preflight may ask for the headers of
// requested, the comma-separated value of Access-Control-Request-Headers:
// allowHeaders lists each of them, in any case, or holds "*". No headers is
// always allowed.
func (c CORS) AllowsHeaders(requested string) bool {
	if slices.Contains(c.AllowHeaders, "*") {
		return true
	}
	for name := range strings.SplitSeq(requested, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.ContainsFunc(c.AllowHeaders, func(h string) bool { return strings.EqualFold(h, name) }) {
			return false
		}
	}
	return true
}

// Headers returns the CORS headers of an answer to a request from origin
// that is not a preflight, the function's or the gateway's own: nil when CORS
// is off or origin is not allowed, else Access-Control-Allow-Origin ("*" when
// allowOrigins holds "*", else origin itself with "Vary: origin"), and
// Access-Control-Allow-Credentials and Access-Control-Expose-Headers when
// configured.
func (c CORS) Headers(origin string) http.Header {
	if !c.AllowsOrigin(origin) {
		return nil
	}
	h := c.originHeaders(origin)
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	return h
}

// PreflightHeaders returns the headers of the answer to a preflight from
// origin asking for method and the headers of requestHeaders (the values of
// Access-Control-Request-Method and Access-Control-Request-Headers): nil when
// CORS is off or the origin, the method or one of the headers is not allowed,
// else the origin's headers (see Headers), Access-Control-Allow-Methods,
// Access-Control-Allow-Headers and Access-Control-Max-Age as configured.
func (c CORS) PreflightHeaders(origin, method, requestHeaders string) http.Header {
	if !c.AllowsOrigin(origin) || !c.AllowsMethod(method) || !c.AllowsHeaders(requestHeaders) {
		return nil
	}
	h := c.originHeaders(origin)
	if len(c.AllowMethods) > 0 {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
	}
	if len(c.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
	}
	if c.MaxAge != 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	return h
}

// originHeaders returns the headers every CORS answer to an allowed origin
// carries: Access-Control-Allow-Origin, "*" when every origin is allowed,
// else the origin itself, which makes the answer vary with the Origin header
// ("Vary: origin", as API Gateway sends it), and, when configured,
// Access-Control-Allow-Credentials.
func (c CORS) originHeaders(origin string) http.Header {
	h := http.Header{}
	if slices.Contains(c.AllowOrigins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Vary", "origin")
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	return h
}
