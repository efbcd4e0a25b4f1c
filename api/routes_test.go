package api

import (
	"maps"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		method, path string
		wantKey      string // "" for no match
		wantParams   map[string]string
	}{
		{"GET", "/list", "GET /list", nil},
		{"GET", "/list/", "GET /list", nil}, // a trailing slash is ignored
		{"GET", "/list//", "", nil},
		{"POST", "/list", "", nil},
		{"GET", "/get/2013/Rush", "GET /get/{year}/{title+}", map[string]string{"year": "2013", "title": "Rush"}},
		{"GET", "/get/1997/Face/Off", "GET /get/{year}/{title+}", map[string]string{"year": "1997", "title": "Face/Off"}},
		{"GET", "/get/2013/Rush/", "GET /get/{year}/{title+}", map[string]string{"year": "2013", "title": "Rush"}},
		{"GET", "/get/2013/a%20b", "GET /get/{year}/{title+}", map[string]string{"year": "2013", "title": "a%20b"}}, // taken as it stands
		{"GET", "/get/2013", "GET /get/{year}", map[string]string{"year": "2013"}},
		{"GET", "/get/2013/", "GET /get/{year}", map[string]string{"year": "2013"}},
		{"GET", "/get//Rush", "", nil},
		{"GET", "/get", "", nil},
		{"GET", "get/2013/Rush", "", nil},
		{"GET", "", "", nil},
		{"GET", "/", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r, params, ok := Match(Routes, tt.method, tt.path)
			if ok != (tt.wantKey != "") || r.Key() != tt.wantKey && ok {
				t.Fatalf("Match = %s, %v; want %q", r.Key(), ok, tt.wantKey)
			}
			if !maps.Equal(params, tt.wantParams) {
				t.Errorf("params = %v, want %v", params, tt.wantParams)
			}
		})
	}
}

func TestGetTarget(t *testing.T) {
	tests := []struct {
		year  int
		title string
		want  string
	}{
		{2013, "Rush", "/get/2013/Rush"},
		{1997, "Face/Off", "/get/1997/Face/Off"},
		{2013, "Pain & Gain", "/get/2013/Pain%20&%20Gain"},
		{2000, "Amélie", "/get/2000/Am%C3%A9lie"},
		{2011, "What's Your Number?", "/get/2011?title=What%27s+Your+Number%3F"},
		{2000, "100% Love", "/get/2000?title=100%25+Love"},
		{2000, "Ends/", "/get/2000?title=Ends%2F"},
		{2000, "C++ #1", "/get/2000/C++%20%231"},
	}
	for _, tt := range tests {
		if got := GetTarget(tt.year, tt.title); got != tt.want {
			t.Errorf("GetTarget(%d, %q) = %q, want %q", tt.year, tt.title, got, tt.want)
		}
	}
}

func TestHandlerFor(t *testing.T) {
	for _, r := range Routes {
		if got := HandlerFor(r.Key()); got != r.Handler {
			t.Errorf("HandlerFor(%q) = %q, want %q", r.Key(), got, r.Handler)
		}
	}
	if got := HandlerFor("GET /nope"); got != "" {
		t.Errorf("HandlerFor(unknown) = %q, want empty", got)
	}
}
