package components

// ---- API reference ----

// APIPage is the reference page of the OpenAPI document (/api).
type APIPage struct {
	Operations []APIOperation
	Schemas    []APISchema
}

// APIOperation is one route.
type APIOperation struct {
	Anchor, Method, Path, Summary, Description string
	Params                                     []APIField
	// Body is the request body's schema name (empty: none).
	Body      string
	Responses []APIResponse
}

// APIResponse is one answer of a route.
type APIResponse struct {
	Status, Description, Schema, ContentType string
}

// APIField is a parameter or a schema property.
type APIField struct {
	Name, In, Type, Description string
	Required                    bool
}

// APISchema is one named schema and its properties.
type APISchema struct {
	Name   string
	Fields []APIField
}
