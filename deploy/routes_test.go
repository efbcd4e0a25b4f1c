package deploy

import (
	"slices"
	"testing"
)

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
