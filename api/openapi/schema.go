package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/movieskit/movies/api"
)

// generator collects the schemas of the Go types it meets.
type generator struct {
	schemas object
	headers object // the headers object of every response
}

// fieldParams ties fields of the body types to the parameter whose values
// they hold, so that they share its limits.
var fieldParams = map[string]string{
	"Movie.year":  "year",
	"Movie.title": "title",
	"Page.next":   "cursor",
}

// fieldDocs describe the fields of the body types.
var fieldDocs = map[string]object{
	"Movie.info": {
		"type": "object",
		"description": "The record's info object exactly as loaded: any JSON object. In the AWS movie sample it holds " +
			"directors, release_date, rating, genres, image_url, plot, rank, running_time_secs and actors, each absent in some records.",
	},
	"Page.movies": {"description": "The page's movies in store order: by year, then by title bytes."},
	"Page.next":   {"description": "The cursor of the next page; absent on the last page."},
	"ErrorBody.message": {
		"description": "What went wrong, for people. 5xx messages are fixed and never carry internal details.",
	},
}

// schema returns the schema of t, as a reference for named struct types,
// whose schema it adds to the components.
func (g *generator) schema(t reflect.Type) (object, error) {
	switch t.Kind() {
	case reflect.String:
		return object{"type": "string"}, nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		return object{"type": "integer"}, nil
	case reflect.Float64:
		return object{"type": "number"}, nil
	case reflect.Bool:
		return object{"type": "boolean"}, nil
	case reflect.Slice:
		if t == reflect.TypeFor[json.RawMessage]() {
			return object{}, nil // any JSON value, unless the field's doc says more
		}
		items, err := g.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return object{"type": "array", "items": items}, nil
	case reflect.Struct:
		name := componentName(t)
		ref := object{"$ref": "#/components/schemas/" + name}
		if _, ok := g.schemas[name]; ok {
			return ref, nil
		}
		g.schemas[name] = nil // a placeholder against recursion
		s, err := g.structSchema(t)
		if err != nil {
			return nil, err
		}
		g.schemas[name] = s
		return ref, nil
	}
	return nil, fmt.Errorf("type %s: kind %s has no schema", t, t.Kind())
}

// componentName is the schema name of a struct type: its Go name, with
// ErrorBody called Error.
func componentName(t reflect.Type) string {
	if t == reflect.TypeFor[api.ErrorBody]() {
		return "Error"
	}
	return t.Name()
}

// structSchema returns the schema of a struct's JSON encoding: a property
// per exported field, required unless omitempty, and no other property.
func (g *generator) structSchema(t reflect.Type) (object, error) {
	props := object{}
	var required []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		key := t.Name() + "." + name
		var s object
		if p, ok := fieldParams[key]; ok {
			s = paramSchema(api.Params[p])
			s["description"] = api.Params[p].Description
		} else {
			var err error
			if s, err = g.schema(f.Type); err != nil {
				return nil, fmt.Errorf("field %s: %w", key, err)
			}
		}
		if doc, ok := fieldDocs[key]; ok {
			if _, isRef := s["$ref"]; !isRef || len(doc) == 1 {
				merged := object{}
				for k, v := range s {
					merged[k] = v
				}
				for k, v := range doc {
					merged[k] = v
				}
				s = merged
			}
		}
		props[name] = s
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			required = append(required, name)
		}
	}
	s := object{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s, nil
}
