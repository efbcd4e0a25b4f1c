package gateway

import (
	"net/http"
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
	h.Set("Access-Control-Allow-Origin", allowOriginValue(c.AllowOrigins, origin))
	if len(c.AllowMethods) > 0 {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
	}
	if len(c.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
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
	resp.header.Set("Access-Control-Allow-Origin", allowOriginValue(c.AllowOrigins, origin))
	if len(c.ExposeHeaders) > 0 {
		resp.header.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	if c.AllowCredentials {
		resp.header.Set("Access-Control-Allow-Credentials", "true")
	}
	return resp
}

// allowOriginValue is the Access-Control-Allow-Origin of an allowed origin:
// "*" when every origin is allowed, else the origin itself.
func allowOriginValue(allowed []string, origin string) string {
	for _, o := range allowed {
		if o == "*" {
			return "*"
		}
	}
	return origin
}
