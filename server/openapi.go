package server

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/evaljobs"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/store"
)

// The OpenAPI 3.1 document of the JSON API. Operations are listed here by
// hand (what each route takes and answers); the schemas are generated from
// the Go types the handlers encode, so a renamed or added field changes the
// document with the code. TestOpenAPIMatchesResponses checks real answers of
// every route against it.

// apiParam is one query or path parameter.
type apiParam struct {
	name, in, desc string
	required       bool
	enum           []string
	repeat         bool // may be given more than once
}

// apiOperation is one route of the API.
type apiOperation struct {
	method, path, id, summary, desc string
	params                          []apiParam
	// body is the JSON request body's Go type (nil: none). When bodyName is
	// set, the body gets a schema of its own by that name whose required
	// fields are bodyRequired (what the handler insists on, which for a
	// request is not every field the type has).
	body         any
	bodyName     string
	bodyRequired []string
	// auth says what the Authorization header carries, if anything.
	auth string
	// ok is the success status and answer type; contentType defaults to JSON.
	ok          int
	okType      any
	contentType string
	// invalid marks operations that answer 422 with per-field problems.
	invalid bool
}

func taskNames() []string {
	var out []string
	for _, t := range results.Tasks() {
		out = append(out, t.Name)
	}
	return out
}

func apiOperations() []apiOperation {
	taskQ := apiParam{name: "task", in: "query", desc: "MedNLI, RadQA or CLIP (case-insensitive)"}
	modelQ := apiParam{name: "model", in: "query", desc: "a model name or alias", repeat: true}
	domainQ := apiParam{name: "domain", in: "query", desc: "pretraining domain", repeat: true,
		enum: []string{string(results.DomainClinical), string(results.DomainBiomedical), string(results.DomainGeneral)}}
	sizeQ := apiParam{name: "size", in: "query", desc: "size bucket", repeat: true}
	for _, b := range sizeBuckets() {
		sizeQ.enum = append(sizeQ.enum, b.Key)
	}
	methodQ := apiParam{name: "method", in: "query", desc: "how the model is applied", repeat: true,
		enum: []string{string(results.MethodFinetuned), string(results.MethodInContext)}}
	resultFilters := []apiParam{taskQ, modelQ, domainQ, sizeQ, methodQ}
	id := apiParam{name: "id", in: "path", desc: "submission id", required: true}
	evalID := apiParam{name: "id", in: "path", desc: "evaluation id", required: true}
	editAuth := "the submission's edit key (returned once by POST) or the moderator token"
	return []apiOperation{
		{method: http.MethodGet, path: "/api/v1/results", id: "listResults", summary: "Scores of the paper's models (and own or approved submitted ones)",
			params: resultFilters, ok: http.StatusOK, okType: resultsBody{}},
		{method: http.MethodGet, path: "/api/v1/results.csv", id: "downloadResults", summary: "The same rows as /api/v1/results, as CSV",
			params: resultFilters, ok: http.StatusOK, okType: "", contentType: "text/csv"},
		{method: http.MethodGet, path: "/api/v1/models", id: "listModels", summary: "The paper's models and the demo models",
			ok: http.StatusOK, okType: modelsBody{}},
		{method: http.MethodGet, path: "/api/v1/ablation", id: "listAblation", summary: "Data-ablation curves (Tables 11–15)",
			params: []apiParam{taskQ, {name: "metric", in: "query", desc: "a metric of the task"}, {name: "model", in: "query", desc: "a model name or alias"}},
			ok:     http.StatusOK, okType: ablationBody{}},
		{method: http.MethodGet, path: "/api/v1/demo-results", id: "listDemoResults", summary: "Scores of clinlm's own demo models",
			params: []apiParam{taskQ}, ok: http.StatusOK, okType: demoResultsBody{}},
		{method: http.MethodGet, path: "/api/v1/tokenizers", id: "listTokenizers", summary: "The tokenizer inspector's catalogue",
			ok: http.StatusOK, okType: tokenizerListBody{}},
		{method: http.MethodPost, path: "/api/v1/infer/{model}", id: "infer", summary: "Run a demo model on one input",
			desc:   "NLI takes premise and hypothesis, QA context and question (and top_k), CLIP text. The text is processed in memory only.",
			params: []apiParam{{name: "model", in: "path", desc: "a demo model name (see /api/v1/models)", required: true}},
			body:   inference.Input{}, ok: http.StatusOK, okType: inference.Result{}},
		{method: http.MethodPost, path: "/api/v1/saliency/{model}", id: "saliency", summary: "Which words drove a demo model's answer (occlusion)",
			desc: "Each word the model sees is masked in turn and the model runs again: a word's score is how much the explained " +
				"probability falls without it (NLI: the label's, top label by default; QA: the top answer's span; CLIP: the label's " +
				"in the word's sentence, by default the label scoring highest anywhere). One model run per word: over --max-saliency-words " +
				"words the answer is 413 too_long. The text is processed in memory only.",
			params: []apiParam{{name: "model", in: "path", desc: "a demo model name (see /api/v1/models)", required: true}},
			body:   saliencyRequest{}, ok: http.StatusOK, okType: inference.SaliencyResult{}},
		{method: http.MethodGet, path: "/api/v1/submissions", id: "listSubmissions", summary: "Every submitted result, oldest first (contact only for the moderator)",
			auth: "optional: the moderator token, to see contacts", ok: http.StatusOK, okType: []submissionView{}},
		{method: http.MethodPost, path: "/api/v1/submissions", id: "createSubmission", summary: "Submit a result",
			desc: "Checked against the task's metric and range; stored pending until a moderator approves it. The answer carries the edit key, once.",
			body: store.Fields{}, bodyName: "SubmissionRequest", bodyRequired: submissionRequired(), ok: http.StatusCreated, okType: submissionView{}, invalid: true},
		{method: http.MethodGet, path: "/api/v1/submissions/{id}", id: "getSubmission", summary: "One submission with its history",
			params: []apiParam{id}, auth: "optional: the moderator token, to see the contact and the fields before each edit",
			ok: http.StatusOK, okType: submissionView{}},
		{method: http.MethodPatch, path: "/api/v1/submissions/{id}", id: "editSubmission", summary: "Change some fields; the submission goes back to pending",
			params: []apiParam{id}, body: store.Fields{}, bodyName: "SubmissionPatch", bodyRequired: []string{}, auth: editAuth, ok: http.StatusOK, okType: submissionView{}, invalid: true},
		{method: http.MethodDelete, path: "/api/v1/submissions/{id}", id: "withdrawSubmission", summary: "Withdraw a submission (it stays in the history)",
			params: []apiParam{id}, auth: editAuth, ok: http.StatusOK, okType: submissionView{}},
		{method: http.MethodPost, path: "/api/v1/submissions/{id}/approve", id: "approveSubmission", summary: "Approve a pending submission",
			params: []apiParam{id}, auth: "the moderator token", ok: http.StatusOK, okType: submissionView{}},
		{method: http.MethodGet, path: "/api/v1/evaluations", id: "listEvaluations", summary: "Live evaluations, oldest first (finished ones are kept for a while)",
			ok: http.StatusOK, okType: []evaljobs.Job{}},
		{method: http.MethodPost, path: "/api/v1/evaluations", id: "startEvaluation", summary: "Score a model of the repository on a task file, in the background",
			desc: "Give one task file: data (the file as JSONL, inference/eval/README.md, at most --max-frame-bytes), dataset (a set bundled in the binary: devset:nli, devset:qa or devset:clip) or data_from (an earlier evaluation whose file was kept). The file is checked line by line first and never written anywhere; it is dropped once parsed unless keep_data is true, which keeps it in memory with the evaluation (until it is forgotten) for data_from. One evaluation per model runs at a time; a few more wait (429 beyond). Poll the Location for progress, or subscribe on the websocket (docs/protocol.md, frames of type evaluation).",
			body: evaluationRequest{}, ok: http.StatusAccepted, okType: evaljobs.Job{}},
		{method: http.MethodGet, path: "/api/v1/evaluations/{id}", id: "getEvaluation", summary: "An evaluation: status, progress (done, eta_seconds) and, when done, the report",
			params: []apiParam{evalID}, ok: http.StatusOK, okType: evaljobs.Job{}},
		{method: http.MethodDelete, path: "/api/v1/evaluations/{id}", id: "cancelEvaluation", summary: "Cancel a queued or running evaluation",
			params: []apiParam{evalID}, ok: http.StatusOK, okType: evaljobs.Job{}},
		{method: http.MethodGet, path: "/api/v1/evaluations/{id}/misses.jsonl", id: "getEvaluationMisses",
			summary: "The examples a finished evaluation got wrong, one JSON object (a Miss) per line; 409 until it is done",
			params:  []apiParam{evalID}, ok: http.StatusOK, okType: []evaljobs.Miss{}, contentType: mimeJSONL},
		{method: http.MethodGet, path: "/api/v1/openapi.json", id: "openapi", summary: "This document",
			ok: http.StatusOK, okType: map[string]any{}},
		{method: http.MethodGet, path: "/readyz", id: "readiness", summary: "Readiness: what loaded, what failed and why (503 when not ready)",
			ok: http.StatusOK, okType: readiness{}},
	}
}

// schemaOf generates the schema of a Go value: every field without
// omitempty is required, objects with known fields take no others, and a
// pointer is its type or null (JSON Schema 2020-12, as OpenAPI 3.1 uses).
func schemaOf(v any) (*openapi3.SchemaRef, error) {
	ref, err := openapi3gen.NewSchemaRefForValue(v, nil, openapi3gen.SchemaCustomizer(requireFields))
	if err != nil {
		return nil, err
	}
	to31(ref, map[*openapi3.Schema]bool{})
	return ref, nil
}

// requireFields marks the JSON fields a struct always writes as required.
func requireFields(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
	if t.Kind() != reflect.Struct || len(schema.Properties) == 0 {
		return nil
	}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for f := range t.Fields() {
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if f.Anonymous && tag == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				walk(ft)
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" || strings.Contains(opts, "omitempty") {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !slices.Contains(schema.Required, name) {
				schema.Required = append(schema.Required, name)
			}
		}
	}
	walk(t)
	slices.Sort(schema.Required)
	return nil
}

// to31 rewrites openapi3gen's 3.0 output for 3.1: nullable becomes a type
// array with "null", and objects with properties allow no others.
func to31(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	if s.Nullable {
		s.Nullable = false
		if s.Type != nil && !s.Type.Includes("null") {
			t := append(openapi3.Types{}, *s.Type...)
			t = append(t, "null")
			s.Type = &t
		}
	}
	if len(s.Properties) > 0 && s.AdditionalProperties.Schema == nil && s.AdditionalProperties.Has == nil {
		no := false
		s.AdditionalProperties.Has = &no
	}
	for _, p := range s.Properties {
		to31(p, seen)
	}
	to31(s.Items, seen)
	to31(s.AdditionalProperties.Schema, seen)
	for _, l := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf, s.AllOf} {
		for _, r := range l {
			to31(r, seen)
		}
	}
}

// componentName is the schema name of a Go type in the document.
func componentName(v any) string {
	t := reflect.TypeOf(v)
	prefix := ""
	if t.Kind() == reflect.Slice {
		prefix, t = "ListOf", t.Elem()
	}
	name := t.Name()
	if t.PkgPath() != reflect.TypeOf(apiOperation{}).PkgPath() && t.Kind() == reflect.Struct {
		// Types of other packages: their package name keeps names apart.
		parts := strings.Split(t.PkgPath(), "/")
		name = parts[len(parts)-1] + "." + name
	}
	return prefix + strings.ToUpper(name[:1]) + name[1:]
}

// buildOpenAPI assembles the document.
func buildOpenAPI() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.1.0",
		Info: &openapi3.Info{Title: "clinlm API", Version: "1",
			Description: "Scores of Lehman et al., CHIL 2023 (\"Do We Still Need Clinical Language Models?\"), live demo models and result submissions.",
			License:     &openapi3.License{Name: "see the repository"}},
		Servers:    openapi3.Servers{{URL: "/"}},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("opaque token")}
	component := func(v any) (*openapi3.SchemaRef, error) {
		name := componentName(v)
		if _, ok := doc.Components.Schemas[name]; !ok {
			s, err := schemaOf(v)
			if err != nil {
				return nil, fmt.Errorf("schema %s: %w", name, err)
			}
			doc.Components.Schemas[name] = s
		}
		return openapi3.NewSchemaRef("#/components/schemas/"+name, nil), nil
	}
	errRef, err := component(apiError{})
	if err != nil {
		return nil, err
	}
	invalidRef, err := component(invalidSubmission{})
	if err != nil {
		return nil, err
	}
	// The infer output is one of three task shapes.
	if _, err := component(inference.Result{}); err != nil {
		return nil, err
	}
	var outputs []*openapi3.SchemaRef
	for _, o := range []any{inference.NLIOutput{}, inference.QAOutput{}, inference.CLIPOutput{}} {
		r, err := component(o)
		if err != nil {
			return nil, err
		}
		outputs = append(outputs, r)
	}
	doc.Components.Schemas[componentName(inference.Result{})].Value.Properties["output"] = &openapi3.SchemaRef{Value: &openapi3.Schema{OneOf: outputs}}

	for _, op := range apiOperations() {
		o := &openapi3.Operation{OperationID: op.id, Summary: op.summary, Description: op.desc, Responses: openapi3.NewResponses()}
		for _, p := range op.params {
			sch := openapi3.NewStringSchema()
			if len(p.enum) > 0 {
				sch.Enum = make([]any, len(p.enum))
				for i, e := range p.enum {
					sch.Enum[i] = e
				}
			}
			var sref *openapi3.SchemaRef
			if p.repeat {
				sref = openapi3.NewArraySchema().WithItems(sch).NewRef()
			} else {
				sref = sch.NewRef()
			}
			o.Parameters = append(o.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: p.name, In: p.in, Description: p.desc, Required: p.required, Schema: sref}})
		}
		if op.body != nil {
			ref, err := component(op.body)
			if err != nil {
				return nil, err
			}
			if op.bodyName != "" {
				if ref, err = requestComponent(doc, op.body, op.bodyName, op.bodyRequired); err != nil {
					return nil, err
				}
			}
			o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(ref)}
		}
		if op.auth != "" {
			o.Description = strings.TrimSpace(o.Description + " Authorization: Bearer — " + op.auth + ".")
			o.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
			if strings.HasPrefix(op.auth, "optional") {
				*o.Security = append(*o.Security, openapi3.SecurityRequirement{})
			}
		}
		okResp := openapi3.NewResponse().WithDescription(http.StatusText(op.ok))
		if op.contentType == mimeJSONL {
			// JSON Lines: the schema is that of the whole file read as an array of its lines.
			ref, err := component(op.okType)
			if err != nil {
				return nil, err
			}
			okResp.WithContent(openapi3.NewContentWithSchemaRef(ref, []string{mimeJSONL}))
		} else if op.contentType != "" {
			okResp.WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{op.contentType}))
		} else {
			var ref *openapi3.SchemaRef
			if _, isMap := op.okType.(map[string]any); isMap {
				ref = openapi3.NewObjectSchema().NewRef()
			} else if ref, err = component(op.okType); err != nil {
				return nil, err
			}
			okResp.WithJSONSchemaRef(ref)
		}
		o.AddResponse(op.ok, okResp)
		if op.invalid {
			o.AddResponse(http.StatusUnprocessableEntity, openapi3.NewResponse().
				WithDescription("The submission has problems, listed per field").WithJSONSchemaRef(invalidRef))
		}
		if op.path == "/readyz" {
			o.AddResponse(http.StatusServiceUnavailable, openapi3.NewResponse().WithDescription("Not ready").
				WithJSONSchemaRef(openapi3.NewSchemaRef("#/components/schemas/"+componentName(readiness{}), nil)))
		} else {
			o.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().
				WithDescription("An error: code and message").WithJSONSchemaRef(errRef)})
		}
		doc.AddOperation(op.path, op.method, o)
	}
	return doc, nil
}

// submissionRequired are the fields a new submission must have; the others
// (links, std) may be left out.
func submissionRequired() []string {
	return []string{"contact", "metric", "model_domain", "model_method", "model_name", "model_params", "runs", "task", "value"}
}

// requestComponent adds the schema of a request body under its own name,
// with its own required fields.
func requestComponent(doc *openapi3.T, body any, name string, required []string) (*openapi3.SchemaRef, error) {
	s, err := schemaOf(body)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	s.Value.Required = required
	doc.Components.Schemas[name] = s
	return openapi3.NewSchemaRef("#/components/schemas/"+name, nil), nil
}

// echoPath turns an OpenAPI path into an echo route (/{id} → /:id).
func echoPath(p string) string {
	return strings.NewReplacer("{", ":", "}", "").Replace(p)
}

// registerOpenAPI serves the document and its reference page.
func (s *Server) registerOpenAPI(e *echo.Echo) error {
	doc, err := buildOpenAPI()
	if err != nil {
		return err
	}
	raw, err := doc.MarshalJSON()
	if err != nil {
		return err
	}
	s.openapi = doc
	e.GET("/api/v1/openapi.json", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.JSONBlob(http.StatusOK, raw)
	})
	e.GET("/api", s.apiReferencePage)
	return nil
}

// statusLabel is "200 OK" for the reference page.
func statusLabel(code string) string {
	n, err := strconv.Atoi(code)
	if err != nil {
		return code
	}
	return code + " " + http.StatusText(n)
}
