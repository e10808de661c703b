package devset

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/sentences"
)

// read parses a bundled set with the eval package's strict reader.
func read(t *testing.T, task string) []eval.Example {
	t.Helper()
	f, err := Open(task)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	examples, err := eval.ReadTaskFile(f, task, 0)
	if err != nil {
		t.Fatalf("%s.jsonl: %v", task, err)
	}
	return examples
}

// idParts checks an example id against its pattern and returns the
// submatches; every id is unique within its file.
func idParts(t *testing.T, seen map[string]bool, id string, pattern *regexp.Regexp) []string {
	t.Helper()
	m := pattern.FindStringSubmatch(id)
	if m == nil {
		t.Errorf("id %q does not match %s", id, pattern)
		return nil
	}
	if seen[id] {
		t.Errorf("id %q is used twice", id)
	}
	seen[id] = true
	return m
}

func TestOpen(t *testing.T) {
	for _, task := range Tasks() {
		f, err := Open(task)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(f)
		f.Close()
		if err != nil || len(raw) == 0 {
			t.Errorf("%s: %d bytes, %v", task, len(raw), err)
		}
	}
	if _, err := Open("hoc"); err == nil || !strings.Contains(err.Error(), "have nli, qa, clip") {
		t.Errorf("Open(hoc): %v, want an error listing the sets", err)
	}
	for _, c := range []struct {
		in, task string
		ok       bool
	}{{"devset:qa", "qa", true}, {"devset:", "", true}, {"qa.jsonl", "", false}, {"./devset:qa", "", false}} {
		if task, ok := Name(c.in); task != c.task || ok != c.ok {
			t.Errorf("Name(%q) = %q, %v; want %q, %v", c.in, task, ok, c.task, c.ok)
		}
	}
}

func TestNLISet(t *testing.T) {
	examples := read(t, eval.TaskNLI)
	if len(examples) < 90 {
		t.Errorf("%d NLI pairs, want at least 90", len(examples))
	}
	pattern := regexp.MustCompile(`^nli-(neg|lab|drug|abbr|temp|vital)-\d{2}$`)
	seen := map[string]bool{}
	labels := map[string]int{}
	perCategory := map[string]map[string]int{}
	for _, ex := range examples {
		m := idParts(t, seen, ex.NLI.ID, pattern)
		if m == nil {
			continue
		}
		if !slices.Contains([]string{"entailment", "neutral", "contradiction"}, ex.NLI.Label) {
			t.Errorf("%s: label %q", ex.NLI.ID, ex.NLI.Label)
		}
		labels[ex.NLI.Label]++
		if perCategory[m[1]] == nil {
			perCategory[m[1]] = map[string]int{}
		}
		perCategory[m[1]][ex.NLI.Label]++
	}
	// Balanced: each label between 30% and 37% of the pairs.
	for _, l := range []string{"entailment", "neutral", "contradiction"} {
		if share := float64(labels[l]) / float64(len(examples)); share < 0.30 || share > 0.37 {
			t.Errorf("%s is %.0f%% of the pairs; want 30-37%%", l, 100*share)
		}
	}
	// Every category has enough pairs of each label to say something.
	for _, c := range []string{"neg", "lab", "drug", "abbr", "temp", "vital"} {
		for _, l := range []string{"entailment", "neutral", "contradiction"} {
			if n := perCategory[c][l]; n < 5 {
				t.Errorf("category %s has %d %s pairs, want at least 5", c, n, l)
			}
		}
	}
}

func TestQASet(t *testing.T) {
	examples := read(t, eval.TaskQA)
	if len(examples) < 60 {
		t.Errorf("%d QA questions, want at least 60", len(examples))
	}
	// qa-<report>-<kind>-NN: the report key starts with its modality; kind
	// span (answered by a finding), neg (answered by a negated finding) or
	// none (the report does not say: no answer).
	pattern := regexp.MustCompile(`^qa-((cxr|ct|us|mri|echo|mammo)\d+)-(span|neg|none)-\d{2}$`)
	seen := map[string]bool{}
	reports := map[string]string{}
	modalities := map[string]bool{}
	unanswerable := 0
	for _, ex := range examples {
		q := ex.QA
		m := idParts(t, seen, q.ID, pattern)
		if m == nil {
			continue
		}
		report, modality, kind := m[1], m[2], m[3]
		if prev, ok := reports[report]; ok && prev != q.Context {
			t.Errorf("%s: report %s has another text than its earlier questions", q.ID, report)
		}
		reports[report] = q.Context
		modalities[modality] = true
		if (kind == "none") != (len(q.Answers) == 0) {
			t.Errorf("%s: kind %s with %d answers", q.ID, kind, len(q.Answers))
		}
		if kind == "none" {
			unanswerable++
		}
		if kind == "neg" && !slices.ContainsFunc(q.Answers, func(a eval.GoldAnswer) bool {
			return regexp.MustCompile(`(?i)\b(no|not|without|intact|normal|compressible)\b`).MatchString(a.Text)
		}) {
			t.Errorf("%s: a negated-finding answer lacks its negation cue: %+v", q.ID, q.Answers)
		}
		context := []rune(q.Context)
		for _, a := range q.Answers {
			end := a.AnswerStart + len([]rune(a.Text))
			if a.Text == "" || end > len(context) || string(context[a.AnswerStart:end]) != a.Text {
				t.Errorf("%s: answer %q is not at code point %d of the report", q.ID, a.Text, a.AnswerStart)
			}
			if n := len(strings.Fields(a.Text)); n > 15 {
				t.Errorf("%s: answer %q has %d words; answers are short spans", q.ID, a.Text, n)
			}
		}
	}
	if len(reports) < 15 {
		t.Errorf("%d reports, want at least 15", len(reports))
	}
	for _, m := range []string{"cxr", "ct", "us", "mri"} {
		if !modalities[m] {
			t.Errorf("no %s report", m)
		}
	}
	if unanswerable < 12 {
		t.Errorf("%d unanswerable questions, want at least 12", unanswerable)
	}
}

// clipLabels are the seven CLIP labels as the committed CLIP models spell
// them (every models/*/manifest.json of task clip except the HoC model).
func clipLabels(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("..", "..", "..", "models", "*", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range dirs {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		mf, err := models.ParseManifest(raw)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if string(mf.Task) != eval.TaskCLIP || !slices.Contains(mf.Labels, "appointment") {
			continue
		}
		if want != nil && !slices.Equal(want, mf.Labels) {
			t.Fatalf("%s spells the CLIP labels %q, another model %q", p, mf.Labels, want)
		}
		want = mf.Labels
	}
	if len(want) != 7 {
		t.Fatalf("found the CLIP labels %q in models/, want seven", want)
	}
	return want
}

// checkCLIPLine checks one CLIP line, of the dev set or of the written
// training sentences: its labels are CLIP's, none repeated (each counted in
// support), and it is one sentence. The engine labels each sentence and
// takes the union, so a line must stay one sentence for its labels to mean
// what they say.
func checkCLIPLine(t *testing.T, c *eval.CLIPExample, labels []string, support map[string]int) {
	t.Helper()
	for i, l := range c.Labels {
		if !slices.Contains(labels, l) || slices.Contains(c.Labels[:i], l) {
			t.Errorf("%s: label %q is not one of %q or is repeated", c.ID, l, labels)
		}
		support[l]++
	}
	if spans := sentences.Split(c.Text); len(spans) != 1 {
		t.Errorf("%s: the sentence splitter finds %d sentences in %q", c.ID, len(spans), c.Text)
	}
}

func TestCLIPSet(t *testing.T) {
	examples := read(t, eval.TaskCLIP)
	if len(examples) < 60 {
		t.Errorf("%d CLIP sentences, want at least 60", len(examples))
	}
	labels := clipLabels(t)
	// clip-<category>-NN: the single label's category, none or multi.
	pattern := regexp.MustCompile(`^clip-(appt|med|lab|instr|proc|img|other|none|multi)-\d{2}$`)
	single := map[string]string{"appt": "appointment", "med": "medication", "lab": "lab", "instr": "patient instructions",
		"proc": "procedure", "img": "imaging", "other": "other"}
	seen := map[string]bool{}
	support := map[string]int{}
	none, several := 0, 0
	for _, ex := range examples {
		c := ex.CLIP
		m := idParts(t, seen, c.ID, pattern)
		if m == nil {
			continue
		}
		checkCLIPLine(t, c, labels, support)
		switch category := m[1]; {
		case category == "none" && len(c.Labels) == 0:
			none++
		case category == "multi" && len(c.Labels) > 1:
			several++
		case len(c.Labels) == 1 && c.Labels[0] == single[category]:
		default:
			t.Errorf("%s: labels %q do not fit its category", c.ID, c.Labels)
		}
	}
	if none < 10 || several < 10 {
		t.Errorf("%d sentences without a label and %d with several; want at least 10 of each", none, several)
	}
	for _, l := range labels {
		if support[l] < 8 {
			t.Errorf("label %q is on %d sentences, want at least 8", l, support[l])
		}
	}
}

// readWritten parses a hand-written training file of tools/train/clinical
// with the strict task-file reader (for QA it checks every answer span).
func readWritten(t *testing.T, name, task string) []eval.Example {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "tools", "train", "clinical", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	examples, err := eval.ReadTaskFile(f, task, 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return examples
}

// wordsOf is a text's lower-case words joined by single spaces, padded with
// a space each side so that a containment test matches whole words only.
func wordsOf(s string) string {
	return " " + strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}), " ") + " "
}

// insideAny reports the first training text holding the dev text word for
// word, when the dev text has at least minWords words. Eight words is where
// tools/train/devset_overlap.py (the stricter share-of-words check, run when
// the written data change) starts counting copies: shorter texts are stock
// lines, such as a drug with its dose, that any note may hold.
func insideAny(dev string, training map[string]bool, minWords int) (string, bool) {
	w := wordsOf(dev)
	if len(strings.Fields(w)) < minWords {
		return "", false
	}
	for text := range training {
		if strings.Contains(text, w) {
			return text, true
		}
	}
	return "", false
}

// TestWrittenTrainingPairsKeptApart guards the hand-written NLI training
// pairs (tools/train/clinical/written_nli.jsonl): each premise carries one
// hypothesis per label, as MedNLI's do, and no dev-set premise of eight words
// or more appears, word for word, inside a training premise.
func TestWrittenTrainingPairsKeptApart(t *testing.T) {
	written := readWritten(t, "written_nli.jsonl", eval.TaskNLI)
	if len(written) < 3000 {
		t.Errorf("%d written pairs, want the committed set (thousands)", len(written))
	}
	labels := map[string]map[string]int{}
	premises := map[string]bool{}
	for _, ex := range written {
		if labels[ex.NLI.Premise] == nil {
			labels[ex.NLI.Premise] = map[string]int{}
		}
		labels[ex.NLI.Premise][ex.NLI.Label]++
		premises[wordsOf(ex.NLI.Premise)] = true
	}
	for p, byLabel := range labels {
		if byLabel["entailment"] != 1 || byLabel["neutral"] != 1 || byLabel["contradiction"] != 1 {
			t.Errorf("premise %q has hypotheses %v; want one per label", p, byLabel)
		}
	}
	for _, dev := range read(t, eval.TaskNLI) {
		if p, ok := insideAny(dev.NLI.Premise, premises, 8); ok {
			t.Errorf("dev premise %s (%q) is inside a training premise %q", dev.NLI.ID, dev.NLI.Premise, p)
		}
	}
}

// TestWrittenTrainingReportsKeptApart guards the hand-written report
// questions (tools/train/clinical/written_qa.jsonl): answers are spans of
// their reports (the reader checks each), some questions have none, as in
// SQuAD 2.0, and no sentence of a dev report of eight words or more appears
// inside a training report.
func TestWrittenTrainingReportsKeptApart(t *testing.T) {
	written := readWritten(t, "written_qa.jsonl", eval.TaskQA)
	reports, unanswerable := map[string]bool{}, 0
	for _, ex := range written {
		reports[wordsOf(ex.QA.Context)] = true
		if len(ex.QA.Answers) == 0 {
			unanswerable++
		}
	}
	if len(reports) < 10 || unanswerable*5 < len(written) {
		t.Errorf("%d questions over %d reports, %d without an answer: want the committed set (tens of reports, a fifth or more unanswerable)",
			len(written), len(reports), unanswerable)
	}
	seen := map[string]bool{}
	for _, dev := range read(t, eval.TaskQA) {
		if seen[dev.QA.Context] {
			continue
		}
		seen[dev.QA.Context] = true
		for _, span := range sentences.Split(dev.QA.Context) {
			sentence := dev.QA.Context[span.Start:span.End]
			if r, ok := insideAny(sentence, reports, 8); ok {
				t.Errorf("dev report sentence %q (%s) is inside a training report %q", sentence, dev.QA.ID, r)
			}
		}
	}
}

// TestWrittenTrainingSentencesKeptApart guards the hand-written discharge
// sentences (tools/train/clinical/written_clip.jsonl): each line passes
// checkCLIPLine, each label and the empty set are well represented, and no
// dev sentence of eight words or more appears inside a training sentence.
func TestWrittenTrainingSentencesKeptApart(t *testing.T) {
	written := readWritten(t, "written_clip.jsonl", eval.TaskCLIP)
	labels := clipLabels(t)
	support := map[string]int{}
	texts := map[string]bool{}
	none := 0
	for _, ex := range written {
		c := ex.CLIP
		checkCLIPLine(t, c, labels, support)
		if len(c.Labels) == 0 {
			none++
		}
		texts[wordsOf(c.Text)] = true
	}
	if none*5 < len(written) {
		t.Errorf("%d of %d written sentences without a label, want a fifth or more", none, len(written))
	}
	for _, l := range labels {
		if support[l] < 30 {
			t.Errorf("label %q is on %d written sentences, want the committed set (30 or more each)", l, support[l])
		}
	}
	for _, dev := range read(t, eval.TaskCLIP) {
		if s, ok := insideAny(dev.CLIP.Text, texts, 8); ok {
			t.Errorf("dev sentence %s (%q) is inside a training sentence %q", dev.CLIP.ID, dev.CLIP.Text, s)
		}
	}
}
