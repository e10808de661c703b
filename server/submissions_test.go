package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/store"
)

const (
	testModeratorToken = "moderator-secret-token-1234"
	testContact        = "secret.author@example.org"
)

// newSubmissionsServer serves the paper's results with a real SQLite store
// in a temporary directory; logs go to the returned buffer.
func newSubmissionsServer(t *testing.T) (*Server, *syncBuffer) {
	t.Helper()
	set, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	srv, err := New(Config{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Results: set, Assets: standInAssets(t), Submissions: st, ModeratorToken: testModeratorToken})
	if err != nil {
		t.Fatal(err)
	}
	return srv, logs
}

// call sends one request with an optional JSON body and bearer token.
func call(t *testing.T, h http.Handler, method, target, body, token string) *httptest.ResponseRecorder {
	t.Helper()
	req := localRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func goodSubmissionJSON() map[string]any {
	return map[string]any{
		"model_name": "Ward-BERT", "model_params": "110M", "model_domain": "clinical", "model_method": "finetuned",
		"model_link": "https://example.org/ward-bert", "task": "MedNLI", "metric": "accuracy", "value": 0.851,
		"std": 0.004, "runs": 5, "paper_link": "https://example.org/paper", "contact": testContact,
	}
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeView(t *testing.T, rec *httptest.ResponseRecorder) submissionView {
	t.Helper()
	var v submissionView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	return v
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
}

func TestSubmissionLifecycle(t *testing.T) {
	srv, logs := newSubmissionsServer(t)
	created := call(t, srv, http.MethodPost, "/api/v1/submissions", jsonBody(t, goodSubmissionJSON()), "")
	wantStatus(t, created, http.StatusCreated)
	v := decodeView(t, created)
	if v.Status != store.StatusPending || v.EditKey == "" || v.ModelName != "Ward-BERT" {
		t.Fatalf("created = %+v", v)
	}
	if strings.Contains(created.Body.String(), testContact) {
		t.Fatal("the contact is in the public answer")
	}
	id := strconv.FormatInt(v.ID, 10)
	if loc := created.Header().Get("Location"); loc != "/api/v1/submissions/"+id {
		t.Fatalf("Location = %q", loc)
	}
	onBoard := func() bool {
		return strings.Contains(fetch(t, srv, "/leaderboard").Body.String(), `data-model="Ward-BERT"`)
	}
	if onBoard() {
		t.Fatal("a pending submission is on the leaderboard")
	}
	// Approval is the moderator's alone; the edit key does not approve.
	for _, token := range []string{"", "wrong", v.EditKey} {
		wantStatus(t, call(t, srv, http.MethodPost, "/api/v1/submissions/"+id+"/approve", "", token), http.StatusForbidden)
	}
	wantStatus(t, call(t, srv, http.MethodPost, "/api/v1/submissions/"+id+"/approve", "", testModeratorToken), http.StatusOK)
	board := fetch(t, srv, "/leaderboard").Body.String()
	if !onBoard() || !strings.Contains(board, `data-testid="submitted"`) {
		t.Fatal("the approved submission is not on the leaderboard marked submitted")
	}
	api := fetch(t, srv, "/api/v1/results?model=ward-bert")
	wantStatus(t, api, http.StatusOK)
	if rows := decodeResults(t, api); len(rows) != 1 || rows[0].Origin != results.OriginSubmitted || rows[0].Value != 0.851 {
		t.Fatalf("/api/v1/results for the approved model = %+v", rows)
	}
	card := fetch(t, srv, "/models/Ward-BERT")
	wantStatus(t, card, http.StatusOK)
	if !strings.Contains(card.Body.String(), `data-testid="submitted-notice"`) {
		t.Fatal("the model page does not say the model was submitted")
	}
	// Editing needs the edit key and sends the submission back to moderation.
	edit := `{"value": 0.86}`
	wantStatus(t, call(t, srv, http.MethodPatch, "/api/v1/submissions/"+id, edit, "not-the-key"), http.StatusForbidden)
	edited := call(t, srv, http.MethodPatch, "/api/v1/submissions/"+id, edit, v.EditKey)
	wantStatus(t, edited, http.StatusOK)
	if ev := decodeView(t, edited); ev.Value != 0.86 || ev.Status != store.StatusPending || ev.Runs != 5 {
		t.Fatalf("edited = %+v; want the new value, the other fields kept, pending again", ev)
	}
	if onBoard() {
		t.Fatal("an edited submission stays on the leaderboard before it is approved again")
	}
	withdrawn := call(t, srv, http.MethodDelete, "/api/v1/submissions/"+id, "", v.EditKey)
	wantStatus(t, withdrawn, http.StatusOK)
	if decodeView(t, withdrawn).Status != store.StatusWithdrawn {
		t.Fatalf("withdraw answered %s", withdrawn.Body)
	}
	wantStatus(t, call(t, srv, http.MethodPatch, "/api/v1/submissions/"+id, edit, v.EditKey), http.StatusConflict)
	// The history is public without the old values; the moderator sees them.
	public := decodeView(t, call(t, srv, http.MethodGet, "/api/v1/submissions/"+id, "", ""))
	var kinds []string
	for _, e := range public.History {
		kinds = append(kinds, string(e.Kind))
		if e.Before != nil {
			t.Fatal("the public history shows the fields before an edit")
		}
	}
	if got := strings.Join(kinds, ","); got != "created,approved,edited,withdrawn" {
		t.Fatalf("history = %s", got)
	}
	mod := decodeView(t, call(t, srv, http.MethodGet, "/api/v1/submissions/"+id, "", testModeratorToken))
	if mod.Contact != testContact || mod.History[2].Before == nil || mod.History[2].Before.Value != 0.851 {
		t.Fatalf("moderator view = %+v", mod)
	}
	list := call(t, srv, http.MethodGet, "/api/v1/submissions", "", "")
	wantStatus(t, list, http.StatusOK)
	if strings.Contains(list.Body.String(), testContact) || !strings.Contains(list.Body.String(), `"withdrawn"`) {
		t.Fatalf("public list = %s", list.Body)
	}
	if l := logs.String(); strings.Contains(l, testModeratorToken) || strings.Contains(l, v.EditKey) || strings.Contains(l, testContact) {
		t.Fatalf("a secret reached the log:\n%s", l)
	}
}

func TestSubmissionRejects(t *testing.T) {
	srv, _ := newSubmissionsServer(t)
	with := func(change func(m map[string]any)) string {
		m := goodSubmissionJSON()
		change(m)
		return jsonBody(t, m)
	}
	cases := []struct {
		name   string
		body   string
		status int
		fields []string // fields named in a 422
	}{
		{"value above 1", with(func(m map[string]any) { m["value"] = 85.1 }), 422, []string{"value"}},
		{"metric of another task", with(func(m map[string]any) { m["metric"] = "f1" }), 422, []string{"metric"}},
		{"paper model name", with(func(m map[string]any) { m["model_name"] = "GPT-3" }), 422, []string{"model_name"}},
		{"every problem at once", with(func(m map[string]any) {
			m["model_domain"], m["runs"], m["contact"], m["paper_link"] = "legal", 0, "", "javascript:alert(1)"
		}), 422, []string{"model_domain", "runs", "contact", "paper_link"}},
		{"missing fields", `{}`, 422, []string{"model_name", "model_params", "model_domain", "model_method", "task", "contact"}},
		{"string for a number", with(func(m map[string]any) { m["value"] = "0.8" }), 400, nil},
		{"unknown field", with(func(m map[string]any) { m["status"] = "approved" }), 400, nil},
		{"not JSON", `model=x`, 400, nil},
		{"two values", `{} {}`, 400, nil},
		{"too long", `{"model_name":"` + strings.Repeat("x", maxSubmissionBody) + `"}`, 413, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := call(t, srv, http.MethodPost, "/api/v1/submissions", c.body, "")
			wantStatus(t, rec, c.status)
			var body invalidSubmission
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Message == "" {
				t.Fatalf("error body %s: %v", rec.Body, err)
			}
			got := map[string]bool{}
			for _, p := range body.Error.Fields {
				got[p.Field] = true
			}
			for _, f := range c.fields {
				if !got[f] {
					t.Errorf("no problem named for %s: %s", f, rec.Body)
				}
			}
		})
	}
	req := localRequest(http.MethodPost, "/api/v1/submissions", strings.NewReader(jsonBody(t, goodSubmissionJSON())))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	wantStatus(t, rec, http.StatusUnsupportedMediaType)
	for _, target := range []string{"/api/v1/submissions/0", "/api/v1/submissions/99", "/api/v1/submissions/x"} {
		wantStatus(t, call(t, srv, http.MethodGet, target, "", ""), http.StatusNotFound)
	}
	if list := call(t, srv, http.MethodGet, "/api/v1/submissions", "", ""); strings.TrimSpace(list.Body.String()) != "[]" {
		t.Fatalf("rejected submissions were stored: %s", list.Body)
	}
}

func postForm(t *testing.T, h http.Handler, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := localRequest(http.MethodPost, "/submit", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestSubmitForm(t *testing.T) {
	srv, _ := newSubmissionsServer(t)
	page := fetch(t, srv, "/submit")
	wantStatus(t, page, http.StatusOK)
	for _, want := range []string{`data-testid="submit-form"`, `name="model_name"`, `<option value="MedNLI"`, `data-testid="no-submissions"`} {
		if !strings.Contains(page.Body.String(), want) {
			t.Fatalf("the form page lacks %s", want)
		}
	}
	form := url.Values{}
	for k, v := range goodSubmissionJSON() {
		form.Set(k, strings.Trim(jsonBody(t, v), `"`))
	}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("value", "85.1")
	bad.Set("runs", "five")
	rec := postForm(t, srv, bad)
	wantStatus(t, rec, http.StatusOK)
	body := rec.Body.String()
	for _, want := range []string{`data-testid="error-value"`, "85.1 is above 1", `data-testid="error-runs"`, `value="Ward-BERT"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the re-rendered form lacks %s", want)
		}
	}
	rec = postForm(t, srv, form)
	wantStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `data-testid="edit-key"`) {
		t.Fatal("the form does not give the edit key")
	}
	page = fetch(t, srv, "/submit")
	if !strings.Contains(page.Body.String(), `data-submission="1"`) || strings.Contains(page.Body.String(), testContact) {
		t.Fatal("the page should list the submission, without its contact")
	}
}

func TestSubmissionsOff(t *testing.T) {
	srv, _ := newResultsServer(t)
	wantStatus(t, call(t, srv, http.MethodGet, "/api/v1/submissions", "", ""), http.StatusNotFound)
	wantStatus(t, call(t, srv, http.MethodPost, "/api/v1/submissions", jsonBody(t, goodSubmissionJSON()), ""), http.StatusNotFound)
	page := fetch(t, srv, "/submit")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body.String(), `data-testid="submit-disabled"`) {
		t.Fatal("the page does not say submissions are off")
	}
}

// TestSubmissionsConcurrent posts 64 submissions at once over real HTTP:
// each is answered 201 with its own id, and all of them are listed.
func TestSubmissionsConcurrent(t *testing.T) {
	const n = 64
	srv, _ := newSubmissionsServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ids := make(chan int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m := goodSubmissionJSON()
			m["model_name"] = "Conc-" + strconv.Itoa(i)
			resp, err := http.Post(ts.URL+"/api/v1/submissions", "application/json", strings.NewReader(jsonBody(t, m)))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var v submissionView
			if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&v) != nil {
				t.Errorf("submission %d: status %d", i, resp.StatusCode)
				return
			}
			ids <- v.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("id %d given twice", id)
		}
		seen[id] = true
	}
	var list []submissionView
	if err := json.Unmarshal(call(t, srv, http.MethodGet, "/api/v1/submissions", "", "").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != len(seen) || len(seen) != n {
		t.Fatalf("%d answered 201, %d listed, want %d", len(seen), len(list), n)
	}
}
