package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
)

// apiReferencePage serves /api: the OpenAPI document as HTML.
func (s *Server) apiReferencePage(c echo.Context) error {
	ch := s.chrome("API reference", "api")
	ch.Description = "clinlm's JSON API: results, models, inference, tokenizers and submissions."
	return render(c, http.StatusOK, components.APIReference(ch, apiPageOf(s.openapi)))
}

// apiPageOf lays the document out for the reference page, operations in
// the document's order of paths and methods.
func apiPageOf(doc *openapi3.T) components.APIPage {
	var page components.APIPage
	paths := doc.Paths.Keys()
	slices.Sort(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		methods := make([]string, 0, len(item.Operations()))
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			op := item.Operations()[m]
			o := components.APIOperation{Anchor: "op-" + op.OperationID, Method: m, Path: path, Summary: op.Summary, Description: op.Description}
			for _, p := range op.Parameters {
				o.Params = append(o.Params, components.APIField{Name: p.Value.Name, In: p.Value.In, Type: typeLabel(p.Value.Schema),
					Description: p.Value.Description, Required: p.Value.Required})
			}
			if op.RequestBody != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					o.Body = refName(mt.Schema)
				}
			}
			codes := make([]string, 0, op.Responses.Len())
			for code := range op.Responses.Map() {
				codes = append(codes, code)
			}
			slices.Sort(codes) // "default" sorts after the numbers
			for _, code := range codes {
				r := op.Responses.Value(code).Value
				ar := components.APIResponse{Status: statusLabel(code), Description: deref(r.Description)}
				for ct, mt := range r.Content {
					ar.ContentType = ct
					ar.Schema = refName(mt.Schema)
				}
				o.Responses = append(o.Responses, ar)
			}
			page.Operations = append(page.Operations, o)
		}
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		sch := doc.Components.Schemas[n].Value
		as := components.APISchema{Name: n}
		props := make([]string, 0, len(sch.Properties))
		for p := range sch.Properties {
			props = append(props, p)
		}
		slices.Sort(props)
		for _, p := range props {
			as.Fields = append(as.Fields, components.APIField{Name: p, Type: typeLabel(sch.Properties[p]),
				Required: slices.Contains(sch.Required, p)})
		}
		page.Schemas = append(page.Schemas, as)
	}
	return page
}

// refName is the component name a schema refers to, or "".
func refName(r *openapi3.SchemaRef) string {
	if r == nil {
		return ""
	}
	return strings.TrimPrefix(r.Ref, "#/components/schemas/")
}

// typeLabel names a schema's type briefly: "string", "array of number",
// "integer | null", "object", or a component's name.
func typeLabel(r *openapi3.SchemaRef) string {
	if r == nil || r.Value == nil {
		return "any"
	}
	if n := refName(r); n != "" {
		return n
	}
	s := r.Value
	if len(s.OneOf) > 0 {
		var parts []string
		for _, o := range s.OneOf {
			parts = append(parts, typeLabel(o))
		}
		return strings.Join(parts, " | ")
	}
	if s.Type == nil || len(*s.Type) == 0 {
		return "any"
	}
	var parts []string
	for _, t := range *s.Type {
		switch {
		case t == "array" && s.Items != nil:
			parts = append(parts, "array of "+typeLabel(s.Items))
		case t == "string" && len(s.Enum) > 0:
			var vals []string
			for _, e := range s.Enum {
				if v, ok := e.(string); ok {
					vals = append(vals, v)
				}
			}
			parts = append(parts, "string: "+strings.Join(vals, ", "))
		default:
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " | ")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
