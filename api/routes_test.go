package api

import (
	"maps"
	"slices"
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

func TestFunctionFor(t *testing.T) {
	for _, r := range Routes {
		if got := FunctionFor(r.Key()); got != r.Function {
			t.Errorf("FunctionFor(%q) = %q, want %q", r.Key(), got, r.Function)
		}
	}
	if got := FunctionFor("GET /nope"); got != "" {
		t.Errorf("FunctionFor(unknown) = %q, want empty", got)
	}
}

// TestFunctionNamesDistinctInTableOrder checks that a function serving
// several routes is named once, in the order of its first route: the CDK
// stack makes one function per name.
func TestFunctionNamesDistinctInTableOrder(t *testing.T) {
	saved := Routes
	t.Cleanup(func() { Routes = saved })
	Routes = []Route{
		{Method: "GET", Path: "/a", Function: "list"},
		{Method: "GET", Path: "/b", Function: "get"},
		{Method: "HEAD", Path: "/a", Function: "list"},
	}
	if got := FunctionNames(); !slices.Equal(got, []string{"list", "get"}) {
		t.Errorf("FunctionNames() = %v, want [list get]", got)
	}
}
