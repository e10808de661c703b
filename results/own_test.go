package results

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

const ownHeader = "model,params,domain,method,task,metric,value,std,note\n"

func ownFS(body string) fstest.MapFS {
	return fstest.MapFS{"mine.csv": {Data: []byte(ownHeader + body)}}
}

func TestWithOwnAddsModelsAfterThePapers(t *testing.T) {
	paper := mustDefault(t)
	set, err := paper.WithOwn(ownFS(
		"MyClinBERT,110M,clinical,finetuned,MedNLI,accuracy,0.861,0.004,3 seeds\n"+
			"MyClinBERT,110M,clinical,finetuned,CLIP,macro_f1,0.79,,\n"+
			"tiny-general,22M,general,finetuned,MedNLI,accuracy,0.7,,\n"), "mine.csv")
	if err != nil {
		t.Fatal(err)
	}
	models := set.Models()
	if len(models) != 14 {
		t.Fatalf("%d models, want the 12 of Table 1 and 2 own", len(models))
	}
	own := models[12]
	if own.Name != "MyClinBERT" || own.Origin != OriginOwn || own.Domain != DomainClinical ||
		own.Method != MethodFinetuned || own.Params.Float() != 110e6 || own.InTable1() {
		t.Errorf("own model %+v", own)
	}
	if got, ok := set.Model("myclinbert"); !ok || got.Name != "MyClinBERT" {
		t.Errorf("lookup ignoring case: %+v %v", got, ok)
	}
	rows, err := set.Results(Filter{Task: TaskMedNLI})
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-2:]
	if last[0].Model != "MyClinBERT" || last[0].Value != 0.861 || *last[0].Std != 0.004 ||
		last[0].Origin != OriginOwn || last[0].Source != "own results (mine.csv)" || last[0].Note != "3 seeds" {
		t.Errorf("own row %+v", last[0])
	}
	if last[1].Model != "tiny-general" || last[1].Std != nil || last[1].StdSource != "" {
		t.Errorf("own row without std %+v", last[1])
	}
	for _, r := range rows[:len(rows)-2] {
		if r.Origin != OriginPaper {
			t.Errorf("paper row %s marked %q", r.Model, r.Origin)
		}
	}
	// Own models are ranked with the paper's, but stay out of the Table 3 analyses.
	for _, f := range set.FLOPsTotals() {
		if f.Model == "MyClinBERT" {
			t.Error("an own model counted among Table 3's FLOPs")
		}
	}
	if len(paper.Models()) != 12 {
		t.Error("WithOwn changed the set it was called on")
	}
}

func TestWithOwnRejectsBadFiles(t *testing.T) {
	paper := mustDefault(t)
	const good = "Mine,110M,clinical,finetuned,MedNLI,accuracy,0.8,,\n"
	cases := []struct {
		name, body  string
		row         int
		field, want string
	}{
		{"no rows", "", 0, "", "no rows"},
		{"paper name", "gatortron,345M,clinical,finetuned,MedNLI,accuracy,0.8,,\n", 2, "model", `the paper's model "GatorTron"`},
		{"paper alias", "Clinical-T5-Base-Ckpt (100K),220M,clinical,finetuned,MedNLI,accuracy,0.8,,\n", 2, "model", "paper's model"},
		{"unknown task", "Mine,110M,clinical,finetuned,MedQA,accuracy,0.8,,\n", 2, "task", `unknown task "MedQA"`},
		{"metric of another task", "Mine,110M,clinical,finetuned,MedNLI,f1,0.8,,\n", 2, "metric", "unknown metric"},
		{"percent", "Mine,110M,clinical,finetuned,MedNLI,accuracy,86.1,,\n", 2, "value", ""},
		{"negative std", "Mine,110M,clinical,finetuned,MedNLI,accuracy,0.8,-0.1,\n", 2, "std", ""},
		{"bad params", "Mine,lots,clinical,finetuned,MedNLI,accuracy,0.8,,\n", 2, "params", "not a printed quantity"},
		{"missing params", "Mine,,clinical,finetuned,MedNLI,accuracy,0.8,,\n", 2, "params", "missing"},
		{"bad domain", "Mine,110M,radiology,finetuned,MedNLI,accuracy,0.8,,\n", 2, "domain", "unknown domain"},
		{"bad method", "Mine,110M,clinical,zero-shot,MedNLI,accuracy,0.8,,\n", 2, "method", "unknown method"},
		{"duplicate", good + good, 3, "model", "duplicate row for Mine MedNLI accuracy"},
		{"params disagree", good + "Mine,220M,clinical,finetuned,RadQA,f1,0.5,,\n", 3, "params", "differs from row 2"},
		{"domain disagree", good + "mine,110M,general,finetuned,RadQA,f1,0.5,,\n", 3, "domain", "differs from row 2"},
		{"method disagree", good + "Mine,110M,clinical,in-context,RadQA,f1,0.5,,\n", 3, "method", "differs from row 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, err := paper.WithOwn(ownFS(c.body), "mine.csv")
			if err == nil {
				t.Fatalf("accepted, %d models", len(set.Models()))
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			if fe.File != "mine.csv" || fe.Row != c.row || fe.Field != c.field || !strings.Contains(fe.Msg, c.want) {
				t.Errorf("got %v, want mine.csv row %d field %q containing %q", fe, c.row, c.field, c.want)
			}
		})
	}
	t.Run("unknown column", func(t *testing.T) {
		fsys := fstest.MapFS{"mine.csv": {Data: []byte(strings.TrimSuffix(ownHeader, "\n") + ",seed\n" + strings.TrimSuffix(good, "\n") + ",1\n")}}
		if _, err := paper.WithOwn(fsys, "mine.csv"); err == nil || !strings.Contains(err.Error(), `field "seed": unknown column`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := paper.WithOwn(fstest.MapFS{}, "mine.csv"); err == nil || !strings.Contains(err.Error(), "cannot read file") {
			t.Errorf("got %v", err)
		}
	})
}
