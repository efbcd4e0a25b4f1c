package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// CORS as HTTP API does it when the API has a CORS configuration
// (docs/FIDELITY.md, "CORS"): the gateway answers preflight requests itself,
// without invoking a function, and sets the configured CORS headers on the
// function's responses, replacing any the function set.

// isPreflight reports whether r is a CORS preflight request: OPTIONS with
// Origin and Access-Control-Request-Method headers.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// preflightResponse answers a preflight request: 204 with the configured
// headers when the origin is allowed, a bare 204 when it is not.
func (g *gateway) preflightResponse(r *http.Request) *httpResponse {
	resp := &httpResponse{status: http.StatusNoContent, header: http.Header{}}
	c := g.cfg.CORS
	origin := r.Header.Get("Origin")
	if !c.AllowsOrigin(origin) {
		return resp
	}
	h := resp.header
	setOriginHeaders(h, c.AllowOrigins, c.AllowCredentials, origin)
	if len(c.AllowMethods) > 0 {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
	}
	if len(c.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	return resp
}

// applyCORS replaces the CORS headers of a function's response by the
// configured ones for r's origin.
func (g *gateway) applyCORS(r *http.Request, resp *httpResponse) *httpResponse {
	for name := range resp.header {
		if strings.HasPrefix(name, "Access-Control-") {
			delete(resp.header, name)
		}
	}
	c := g.cfg.CORS
	origin := r.Header.Get("Origin")
	if !c.AllowsOrigin(origin) {
		return resp
	}
	setOriginHeaders(resp.header, c.AllowOrigins, c.AllowCredentials, origin)
	if len(c.ExposeHeaders) > 0 {
		resp.header.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	return resp
}

// setOriginHeaders sets the headers every CORS answer to an allowed origin
// carries: Access-Control-Allow-Origin ("*" when every origin is allowed,
// else the origin itself) and, when configured, Access-Control-Allow-Credentials.
func setOriginHeaders(h http.Header, allowed []string, credentials bool, origin string) {
	value := origin
	if slices.Contains(allowed, "*") {
		value = "*"
	}
	h.Set("Access-Control-Allow-Origin", value)
	if credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}
