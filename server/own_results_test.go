package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/clinlm/clinlm/results"
)

// An own-results file puts the user's models on the leaderboard beside the
// paper's, marked as theirs, and keeps the paper's analyses to the paper.
func TestOwnResultsAreRankedAndMarked(t *testing.T) {
	paper, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	set, err := paper.WithOwn(fstest.MapFS{"mine.csv": {Data: []byte(
		"model,params,domain,method,task,metric,value,std,note\n" +
			"MyClinBERT,110M,clinical,finetuned,MedNLI,accuracy,0.95,0.004,\n")}}, "mine.csv")
	if err != nil {
		t.Fatal(err)
	}
	srv := newResultsServerWith(t, set)

	doc := getPage(t, srv, "/leaderboard?sort=mednli_accuracy&dir=desc", http.StatusOK)
	models := leaderboardModels(t, doc)
	if len(models) != 13 || models[0] != "MyClinBERT" {
		t.Fatalf("rows %v: want the own model first of 13", models)
	}
	row := findAll(testID(t, doc, "leaderboard"), byAttr("data-model", "MyClinBERT"))[0]
	if !hasClass(row, "own") || !strings.Contains(textOf(row), "yours") {
		t.Errorf("own row not marked: %q", textOf(row))
	}
	// The domain filter applies to own models as to the paper's.
	if got := leaderboardModels(t, getPage(t, srv, "/leaderboard?domain=general", http.StatusOK)); slices.Contains(got, "MyClinBERT") {
		t.Errorf("general filter kept the clinical own model: %v", got)
	}

	page := getPage(t, srv, "/models/MyClinBERT", http.StatusOK)
	testID(t, page, "own-notice")
	if n := findAll(page, byAttr("data-testid", "tokens")); len(n) != 0 {
		t.Error("an own model's page shows a pretraining table it has no data for")
	}

	if text := textOf(getPage(t, srv, "/", http.StatusOK)); !strings.Contains(text, "12 models of the paper's Table 1") {
		t.Error("the overview no longer counts the paper's 12 models")
	}

	rec := fetch(t, srv, "/api/v1/results?model=MyClinBERT")
	var body struct{ Results []results.Result }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Results) != 1 {
		t.Fatalf("API: %v %s", err, rec.Body.String())
	}
	if r := body.Results[0]; r.Origin != results.OriginOwn || r.Source != "own results (mine.csv)" {
		t.Errorf("API row %+v", r)
	}
}
