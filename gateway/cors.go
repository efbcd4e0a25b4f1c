package gateway

import (
	"net/http"
	"strings"
)

// CORS as HTTP API does it when the API has a CORS configuration
// (docs/FIDELITY.md, "CORS"): the gateway answers preflight requests itself,
// without invoking a function, and any other OPTIONS request no route takes:
// an allowed preflight with the preflight's headers, a refused one and such
// an OPTIONS with a bare 204 that carries no CORS headers. It sets the
// configured CORS headers on every other answer, the function's (replacing
// any the function set) and its own, an OPTIONS refused with 400 or 431 too.
// Which headers, for which origin, method and requested headers, is
// deploy.CORS's to say.

// isPreflight reports whether r is a CORS preflight request: OPTIONS with
// Origin and Access-Control-Request-Method headers.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// preflightResponse answers a preflight request: 204 with the configured
// headers when the origin, the method and every requested header are
// allowed, a bare 204 when not.
func (g *gateway) preflightResponse(r *http.Request) *httpResponse {
	h := g.cfg.CORS.PreflightHeaders(r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method"),
		strings.Join(r.Header.Values("Access-Control-Request-Headers"), ","))
	if h == nil {
		return optionsResponse()
	}
	return &httpResponse{status: http.StatusNoContent, header: h}
}

// optionsResponse is the answer to an OPTIONS request that is no preflight
// and that no route takes, on an API with CORS: 204, no body, no CORS
// headers, as to a preflight that is not allowed.
func optionsResponse() *httpResponse {
	return &httpResponse{status: http.StatusNoContent, header: http.Header{}}
}

// withCORS replaces the CORS headers of resp, the function's answer or the
// gateway's own, by the configured ones for r's origin; it leaves resp as it
// is when the API has no CORS configuration. "Vary: origin" is added to the
// answer's own Vary.
func (g *gateway) withCORS(r *http.Request, resp *httpResponse) *httpResponse {
	if !g.cfg.CORS.Enabled() {
		return resp
	}
	for name := range resp.header {
		if strings.HasPrefix(name, "Access-Control-") {
			delete(resp.header, name)
		}
	}
	for name, values := range g.cfg.CORS.Headers(r.Header.Get("Origin")) {
		if name == "Vary" {
			resp.header[name] = append(resp.header[name], values...)
			continue
		}
		resp.header[name] = values
	}
	return resp
}
