package api

import (
	"slices"
	"testing"
)

// TestHandlerNamesDistinctInTableOrder checks that a handler serving several
// routes is named once, in the order of its first route: the CDK stack makes
// one function per name.
func TestHandlerNamesDistinctInTableOrder(t *testing.T) {
	saved := Routes
	t.Cleanup(func() { Routes = saved })
	Routes = []Route{
		{Method: "GET", Path: "/a", Handler: "list"},
		{Method: "GET", Path: "/b", Handler: "get"},
		{Method: "HEAD", Path: "/a", Handler: "list"},
	}
	if got := HandlerNames(); !slices.Equal(got, []string{"list", "get"}) {
		t.Errorf("HandlerNames() = %v, want [list get]", got)
	}
}
