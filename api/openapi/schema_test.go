package openapi

import (
	"reflect"
	"slices"
	"testing"
)

// TestSchemasComeFromTheGoTypes checks that a struct's schema has a property
// per JSON field, required unless omitempty, and that a field of a kind the
// generator cannot describe is an error rather than a silent gap.
func TestSchemasComeFromTheGoTypes(t *testing.T) {
	type Extra struct {
		A      int      `json:"a"`
		B      string   `json:"b,omitempty"`
		C      []string `json:"c"`
		Hidden int      `json:"-"`
		lower  int
	}
	g := generator{schemas: object{}}
	ref, err := g.schema(reflect.TypeFor[Extra]())
	if err != nil {
		t.Fatal(err)
	}
	if ref["$ref"] != "#/components/schemas/Extra" {
		t.Errorf("ref = %v", ref)
	}
	s := g.schemas["Extra"].(object)
	props := s["properties"].(object)
	if len(props) != 3 || props["a"].(object)["type"] != "integer" || props["c"].(object)["type"] != "array" {
		t.Errorf("properties = %v", props)
	}
	if req := s["required"].([]string); !slices.Equal(req, []string{"a", "c"}) {
		t.Errorf("required = %v, want [a c]", req)
	}
	type Bad struct {
		M map[string]int `json:"m"`
	}
	if _, err := g.schema(reflect.TypeFor[Bad]()); err == nil {
		t.Error("a map field: no error")
	}
	_ = Extra{}.lower
}
