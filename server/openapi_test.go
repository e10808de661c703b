package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// apiCall is one real request of TestOpenAPIMatchesResponses. Calls run in
// order, so later ones can use what earlier ones created.
type apiCall struct {
	method, target, body string
	// token: "moderator", "edit" (the key of the last created submission) or "".
	token  string
	status int
}

func openAPICalls(b backend, evalData string) []apiCall {
	sub := `{"model_name":"Doc-BERT","model_params":"110M","model_domain":"clinical","model_method":"finetuned",` +
		`"model_link":"","task":"RadQA","metric":"f1","value":0.7,"std":null,"runs":1,"paper_link":"https://example.org","contact":"a@example.org"}`
	calls := []apiCall{
		{"GET", "/api/v1/results", "", "", 200},
		{"GET", "/api/v1/results?task=mednli&domain=clinical&size=le1b&method=finetuned&model=GatorTron", "", "", 200},
		{"GET", "/api/v1/results?task=nope", "", "", 400},
		{"GET", "/api/v1/results.csv?task=radqa", "", "", 200},
		{"GET", "/api/v1/models", "", "", 200},
		{"GET", "/api/v1/ablation", "", "", 200},
		{"GET", "/api/v1/ablation?task=clip&metric=micro_f1", "", "", 200},
		{"GET", "/api/v1/demo-results", "", "", 200},
		{"GET", "/api/v1/demo-results?task=radqa", "", "", 200},
		{"GET", "/api/v1/tokenizers", "", "", 200},
		{"POST", "/api/v1/infer/" + b.nli, `{"premise":"a","hypothesis":"b"}`, "", 200},
		{"POST", "/api/v1/infer/" + b.qa, `{"context":"a b","question":"b?","top_k":2}`, "", 200},
		{"POST", "/api/v1/infer/" + b.clip, `{"text":"Call the clinic. Take the pills."}`, "", 200},
		{"POST", "/api/v1/infer/" + b.nli, `{"premise":"a"}`, "", 400},
		{"POST", "/api/v1/infer/none", `{"text":"a"}`, "", 404},
		{"POST", "/api/v1/saliency/" + b.nli, `{"input":{"premise":"a b","hypothesis":"b"}}`, "", 200},
		{"POST", "/api/v1/saliency/" + b.qa, `{"input":{"context":"a b","question":"b?"}}`, "", 200},
		{"POST", "/api/v1/saliency/" + b.clip, `{"input":{"text":"Call the clinic. Take the pills."},"label":"lab"}`, "", 200},
		{"POST", "/api/v1/saliency/" + b.nli, `{"premise":"a"}`, "", 400},
		{"GET", "/api/v1/submissions", "", "", 200},
		{"POST", "/api/v1/submissions", sub, "", 201},
		{"POST", "/api/v1/submissions", `{"value":2}`, "", 422},
		{"POST", "/api/v1/submissions", `{"value":"x"}`, "", 400},
		{"GET", "/api/v1/submissions", "", "moderator", 200},
		{"GET", "/api/v1/submissions/1", "", "", 200},
		{"GET", "/api/v1/submissions/9", "", "", 404},
		{"POST", "/api/v1/submissions/1/approve", "", "", 403},
		{"POST", "/api/v1/submissions/1/approve", "", "moderator", 200},
		{"PATCH", "/api/v1/submissions/1", `{"std":0.01,"runs":3}`, "edit", 200},
		{"PATCH", "/api/v1/submissions/1", `{"task":"NER"}`, "edit", 422},
		{"GET", "/api/v1/submissions/1", "", "moderator", 200},
		{"DELETE", "/api/v1/submissions/1", "", "edit", 200},
		{"DELETE", "/api/v1/submissions/1", "", "edit", 409},
		{"GET", "/api/v1/openapi.json", "", "", 200},
		{"GET", "/readyz", "", "", 200},
	}
	if evalData == "" {
		return calls
	}
	start := jsonString(map[string]string{"model": b.nli, "data": evalData, "data_name": "nli.jsonl"})
	// Long enough (4,800 examples, about 0.5 MB) to be cancelled while it runs.
	long := jsonString(map[string]string{"model": b.nli, "data": strings.Repeat(evalData, 400)})
	return append(calls,
		apiCall{"GET", "/api/v1/evaluations", "", "", 200},
		apiCall{"POST", "/api/v1/evaluations", start, "", 202},
		apiCall{"POST", "/api/v1/evaluations", jsonString(map[string]string{"model": b.nli, "data": "{}\n"}), "", 400},
		apiCall{"POST", "/api/v1/evaluations", jsonString(map[string]string{"model": "none", "data": evalData}), "", 404},
		apiCall{"GET", "/api/v1/evaluations/1", "", "wait", 200}, // finished, with its report
		apiCall{"GET", "/api/v1/evaluations/1/misses.jsonl", "", "", 200},
		apiCall{"GET", "/api/v1/evaluations/9", "", "", 404},
		apiCall{"DELETE", "/api/v1/evaluations/1", "", "", 409},
		apiCall{"POST", "/api/v1/evaluations", long, "", 202},
		apiCall{"GET", "/api/v1/evaluations/2/misses.jsonl", "", "", 409},
		apiCall{"DELETE", "/api/v1/evaluations/2", "", "", 200},
		apiCall{"GET", "/api/v1/evaluations", "", "", 200},
	)
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// decodeJSONL reads JSON Lines as the array of its lines, so a JSONL answer
// is validated line by line against an array schema.
func decodeJSONL(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	out := []any{}
	dec := json.NewDecoder(body)
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// realEngineAvailable reports whether ONNX Runtime and the test models are
// here (CI=true requires them: realBackend fails there when they are not).
func realEngineAvailable(t *testing.T) bool {
	if os.Getenv("CI") == "true" {
		return true
	}
	if _, err := sharedRuntime(); err != nil {
		return false
	}
	_, err := os.Stat(filepath.Join("..", ".cache", "testmodels", "COMPLETE"))
	return err == nil
}

// waitEvaluation polls an evaluation until it has finished.
func waitEvaluation(t *testing.T, h http.Handler, target string) {
	t.Helper()
	for range 2000 {
		var j struct {
			Status string `json:"status"`
		}
		_ = json.Unmarshal(fetch(t, h, target).Body.Bytes(), &j)
		if j.Status != "queued" && j.Status != "running" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not finish", target)
}

// loadOpenAPI reads the served document the way a client would.
func loadOpenAPI(t *testing.T, h http.Handler) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(fetch(t, h, "/api/v1/openapi.json").Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIMatchesResponses sends real requests to every route of the
// document and validates each answer (status, content type, body) against
// it with kin-openapi; every operation must have a validated success, and
// every JSON route of the server must be in the document.
func TestOpenAPIMatchesResponses(t *testing.T) {
	// The real engine where it is available (and required in CI), so live
	// evaluation runs too; the engine-like fake elsewhere.
	b, evalData := fakeBackend(t), ""
	if realEngineAvailable(t) {
		b = realBackend(t)
		raw, err := os.ReadFile(filepath.Join("..", "inference", "eval", "testdata", "nli.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		evalData = string(raw)
	}
	s := newSuiteServer(t, b, InferLimits{})
	ctx := context.Background()
	openapi3filter.RegisterBodyDecoder(mimeJSONL, decodeJSONL)
	defer openapi3filter.UnregisterBodyDecoder(mimeJSONL)
	doc := loadOpenAPI(t, s.srv)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Every JSON route is documented, and every documented route exists.
	served := map[string]bool{}
	for _, r := range s.srv.echo.Routes() {
		if strings.HasPrefix(r.Path, "/api/") || r.Path == "/readyz" {
			served[r.Method+" "+r.Path] = true
		}
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			key := method + " " + echoPath(path)
			documented[key] = true
			if !served[key] {
				t.Errorf("the document has %s, which the server does not serve", key)
			}
		}
	}
	for key := range served {
		if !documented[key] {
			t.Errorf("the server serves %s, which the document lacks", key)
		}
	}
	validated := map[string]bool{}
	editKey := ""
	for _, call := range openAPICalls(b, evalData) {
		req := localRequest(call.method, call.target, strings.NewReader(call.body))
		if call.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if call.token == "wait" {
			waitEvaluation(t, s.srv, call.target)
		}
		switch call.token {
		case "moderator":
			req.Header.Set("Authorization", "Bearer suite-moderator-token")
		case "edit":
			req.Header.Set("Authorization", "Bearer "+editKey)
		}
		rec := httptest.NewRecorder()
		s.srv.ServeHTTP(rec, req)
		name := call.method + " " + call.target
		if rec.Code != call.status {
			t.Errorf("%s: status %d, want %d: %.300s", name, rec.Code, call.status, rec.Body)
			continue
		}
		if call.status == http.StatusCreated {
			var v struct {
				EditKey string `json:"edit_key"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &v)
			editKey = v.EditKey
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: not in the document: %v", name, err)
			continue
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 rec.Code, Header: rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		in.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
			t.Errorf("%s (%d): the answer does not match the document: %v\n%.500s", name, rec.Code, err, rec.Body)
			continue
		}
		if rec.Code < 300 {
			validated[call.method+" "+route.Path] = true
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if evalData == "" && strings.HasPrefix(path, "/api/v1/evaluations") {
				t.Logf("%s %s not exercised: live evaluation needs the real engine (ONNX Runtime and the test models)", method, path)
				continue
			}
			if !validated[method+" "+path] {
				t.Errorf("no successful answer of %s %s was validated", method, path)
			}
		}
	}
}

// TestAPIReferencePage renders every operation and schema of the document.
func TestAPIReferencePage(t *testing.T) {
	srv, _ := newResultsServer(t)
	rec := fetch(t, srv, "/api")
	wantStatus(t, rec, http.StatusOK)
	body := rec.Body.String()
	ops, schemas := 0, len(srv.openapi.Components.Schemas)
	for _, item := range srv.openapi.Paths.Map() {
		ops += len(item.Operations())
	}
	if got := strings.Count(body, `data-testid="api-op"`); got != ops {
		t.Errorf("%d operations on the page, %d in the document", got, ops)
	}
	if got := strings.Count(body, `data-testid="api-schema"`); got != schemas {
		t.Errorf("%d schemas on the page, %d in the document", got, schemas)
	}
	for _, want := range []string{"POST /api/v1/submissions", "model_params", "GET /api/v1/results", "<script"} {
		if strings.Contains(body, want) != (want != "<script") {
			t.Errorf("the page and %q: want present=%v", want, want != "<script")
		}
	}
}

// TestOpenAPIRequestBodies checks the documented request bodies against
// what the handlers accept: a minimal submission and a one-field edit are
// valid, a submission without its required fields is not.
func TestOpenAPIRequestBodies(t *testing.T) {
	srv, _ := newResultsServer(t)
	ctx := context.Background()
	router, err := legacy.NewRouter(loadOpenAPI(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	minimal := `{"model_name":"M","model_params":"?","model_domain":"general","model_method":"finetuned",` +
		`"task":"MedNLI","metric":"accuracy","value":0.5,"runs":1,"contact":"c"}`
	cases := []struct {
		method, target, body string
		valid                bool
	}{
		{"POST", "/api/v1/submissions", minimal, true},
		{"POST", "/api/v1/submissions", `{"model_name":"M"}`, false},
		{"POST", "/api/v1/submissions", strings.Replace(minimal, `"runs":1`, `"runs":"1"`, 1), false},
		{"PATCH", "/api/v1/submissions/1", `{"value":0.6}`, true},
		{"PATCH", "/api/v1/submissions/1", `{"status":"approved"}`, false},
		{"POST", "/api/v1/infer/nli", `{"premise":"a","hypothesis":"b"}`, true},
		{"POST", "/api/v1/saliency/nli", `{"input":{"premise":"a","hypothesis":"b"},"label":"neutral"}`, true},
		{"POST", "/api/v1/saliency/nli", `{"premise":"a","hypothesis":"b"}`, false},
	}
	for _, c := range cases {
		req := localRequest(c.method, c.target, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.target, err)
		}
		err = openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}})
		if (err == nil) != c.valid {
			t.Errorf("%s %s %s: valid=%v, want %v (%v)", c.method, c.target, c.body, err == nil, c.valid, err)
		}
	}
}
