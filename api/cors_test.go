package api

import (
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
