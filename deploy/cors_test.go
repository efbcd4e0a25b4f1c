package deploy

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseCORS(t *testing.T) {
	tests := []struct {
		text    string
		wantErr string // "" for a valid configuration
	}{
		{`{"allowOrigins":["https://example.com"],"allowMethods":["GET"],"allowHeaders":["content-type"],"maxAge":300}`, ""},
		{`{"allowOrigins":["*"]}`, ""},
		{`{"allowOrigins":["https://*","http://localhost:3000"],"allowCredentials":true,"exposeHeaders":["apigw-requestid"]}`, ""},
		{`{}`, "allowOrigins"},
		{`{"allowOrigins":["example.com"]}`, "origin"},
		{`{"allowOrigins":["https://example.com/path"]}`, "origin"},
		{`{"allowOrigins":["https://*.example.com"]}`, "origin"},
		{`{"allowOrigins":["*"],"allowCredentials":true}`, "allowCredentials"},
		{`{"allowOrigins":["*"],"allowMethods":["FETCH"]}`, "method"},
		{`{"allowOrigins":["*"],"maxAge":86401}`, "maxAge"},
		{`{"allowOrigins":["*"],"maxAge":86400}`, ""},
		{`{"allowOrigins":["*"],"maxAge":-1}`, ""},
		{`{"allowOrigins":["*"],"maxAge":-2}`, "maxAge -2"},
		{`{"allowOrigins":["*"],"allowHeaders":["*"],"allowMethods":["*"],"exposeHeaders":["*"]}`, ""},
		{`{"allowOrigins":["*"],"allowHeaders":["content type"]}`, "header"},
		{`{"allowOrigins":["*"],"exposeHeaders":[""]}`, "header"},
		{`{"allowOrigins":["*"],"allowOrigin":["x"]}`, "unknown field"},
		{`{"allowOrigins":["*"]} {}`, "after the JSON"},
		{`not json`, "CORS configuration"},
	}
	for _, tt := range tests {
		_, err := ParseCORS(tt.text)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ParseCORS(%s) = %v, want error containing %q", tt.text, err, tt.wantErr)
		}
	}
}

func TestCORSAllowsOrigin(t *testing.T) {
	c := CORS{AllowOrigins: []string{"https://example.com", "http://*"}}
	for origin, want := range map[string]bool{
		"https://example.com": true, "HTTPS://EXAMPLE.COM": true, "http://anything:8080": true,
		"https://other.example": false, "": false, "null": false,
	} {
		if got := c.AllowsOrigin(origin); got != want {
			t.Errorf("AllowsOrigin(%q) = %v, want %v", origin, got, want)
		}
	}
	if (CORS{}).Enabled() || !c.Enabled() {
		t.Error("Enabled wrong")
	}
}

func TestCORSAllowsMethodAndHeaders(t *testing.T) {
	c := CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET"}, AllowHeaders: []string{"content-type", "X-Api-Key"}}
	all := CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}}
	tests := []struct {
		c       CORS
		method  string
		headers string
		want    bool
	}{
		{c, "GET", "", true},
		{c, "GET", "Content-Type", true},
		{c, "GET", "content-type, x-api-key", true},
		{c, "GET", " x-api-key ,,content-type ", true},
		{c, "GET", "content-type,authorization", false},
		{c, "POST", "", false},
		{c, "get", "", false}, // methods are case-sensitive
		{all, "DELETE", "authorization, x-anything", true},
		{CORS{AllowOrigins: []string{"*"}}, "GET", "", false}, // no allowMethods: no method
		{CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET"}}, "GET", "x-a", false},
	}
	for _, tt := range tests {
		got := tt.c.AllowsMethod(tt.method) && tt.c.AllowsHeaders(tt.headers)
		if got != tt.want {
			t.Errorf("%+v: method %q headers %q allowed = %v, want %v", tt.c, tt.method, tt.headers, got, tt.want)
		}
	}
}

func TestCORSHeaders(t *testing.T) {
	echo := CORS{AllowOrigins: []string{"https://app.example", "http://*"}, AllowMethods: []string{"GET", "OPTIONS"},
		AllowHeaders: []string{"content-type"}, ExposeHeaders: []string{"apigw-requestid"}, MaxAge: 300, AllowCredentials: true}
	star := CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, MaxAge: -1}
	tests := []struct {
		name string
		got  http.Header
		want http.Header
	}{
		{"echoed origin varies", echo.Headers("https://app.example"), http.Header{
			"Access-Control-Allow-Origin": {"https://app.example"}, "Vary": {"origin"},
			"Access-Control-Allow-Credentials": {"true"}, "Access-Control-Expose-Headers": {"apigw-requestid"}}},
		{"scheme wildcard echoes", echo.Headers("http://localhost:3000"), http.Header{
			"Access-Control-Allow-Origin": {"http://localhost:3000"}, "Vary": {"origin"},
			"Access-Control-Allow-Credentials": {"true"}, "Access-Control-Expose-Headers": {"apigw-requestid"}}},
		{"star does not vary", star.Headers("https://any.example"), http.Header{"Access-Control-Allow-Origin": {"*"}}},
		{"origin not allowed", echo.Headers("https://evil.example"), nil},
		{"no origin", echo.Headers(""), nil},
		{"off", CORS{}.Headers("https://app.example"), nil},
		{"preflight", echo.PreflightHeaders("https://app.example", "GET", "Content-Type"), http.Header{
			"Access-Control-Allow-Origin": {"https://app.example"}, "Vary": {"origin"},
			"Access-Control-Allow-Credentials": {"true"}, "Access-Control-Allow-Methods": {"GET,OPTIONS"},
			"Access-Control-Allow-Headers": {"content-type"}, "Access-Control-Max-Age": {"300"}}},
		{"preflight max age -1", star.PreflightHeaders("https://any.example", "PATCH", ""), http.Header{
			"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Methods": {"*"}, "Access-Control-Max-Age": {"-1"}}},
		{"preflight method not allowed", echo.PreflightHeaders("https://app.example", "DELETE", ""), nil},
		{"preflight header not allowed", echo.PreflightHeaders("https://app.example", "GET", "authorization"), nil},
		{"preflight origin not allowed", echo.PreflightHeaders("https://evil.example", "GET", ""), nil},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: headers %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
