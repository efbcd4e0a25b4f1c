package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

// maxCORSMaxAge is the largest maxAge API Gateway accepts, in seconds.
const maxCORSMaxAge = 86400

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
	if c.MaxAge < 0 || c.MaxAge > maxCORSMaxAge {
		return fmt.Errorf("maxAge %d: want 0 to %d seconds", c.MaxAge, maxCORSMaxAge)
	}
	return nil
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
