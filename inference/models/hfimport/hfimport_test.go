package hfimport

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/models"
)

// folder writes a Hugging Face folder with these files.
func folder(t *testing.T, files map[string]string) Folder {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const nliConfig = `{"architectures": ["BertForSequenceClassification"], "model_type": "bert", "max_position_embeddings": 512,
 "id2label": {"0": "entailment", "1": "neutral", "2": "contradiction"}, "_name_or_path": "bert-base-uncased",
 "transformers_version": "5.23.0"}`

func TestManifestFromFolder(t *testing.T) {
	for _, c := range []struct {
		name    string
		files   map[string]string
		choices Choices
		want    models.Manifest
		needs   []string
	}{
		{"nli from its labels, length from the tokenizer, licence from the card",
			map[string]string{"config.json": nliConfig, "tokenizer.json": `{"truncation": {"max_length": 256}}`,
				"README.md": "---\nlanguage: en\nlicense: apache-2.0\n---\n# card\n"},
			Choices{Availability: models.Public},
			models.Manifest{Task: models.TaskNLI, Head: models.HeadPairClassification,
				Labels: []string{"entailment", "neutral", "contradiction"}, MaxLength: 256, Licence: "apache-2.0",
				Availability: models.Public, Metrics: []models.Metric{},
				Provenance: models.Provenance{Source: "clinlm models add", BaseModel: "bert-base-uncased",
					Versions: map[string]string{"transformers": "5.23.0"}}},
			[]string{"availability"}},
		{"multi-label is clip; RoBERTa positions start at 2",
			map[string]string{"config.json": `{"architectures": ["RobertaForSequenceClassification"], "model_type": "roberta",
 "max_position_embeddings": 514, "problem_type": "multi_label_classification", "id2label": {"1": "lab", "0": "imaging"},
 "_name_or_path": "/home/me/ckpt"}`},
			Choices{Licence: "MIT", Availability: models.Credentialed},
			models.Manifest{Task: models.TaskCLIP, Head: models.HeadSentenceMultiLabel, Labels: []string{"imaging", "lab"},
				MaxLength: 512, Licence: "MIT", Availability: models.Credentialed, Metrics: []models.Metric{},
				Provenance: models.Provenance{Source: "clinlm models add"}},
			[]string{"licence", "availability"}},
		{"qa with a doc stride",
			map[string]string{"config.json": `{"architectures": ["BertForQuestionAnswering"], "model_type": "bert", "max_position_embeddings": 384}`},
			Choices{Licence: "MIT", Availability: models.Public, Name: "my-qa"},
			models.Manifest{Name: "my-qa", Task: models.TaskQA, Head: models.HeadSpanExtraction, Labels: []string{}, MaxLength: 384,
				Stride: 96, Licence: "MIT", Availability: models.Public, Metrics: []models.Metric{},
				Provenance: models.Provenance{Source: "clinlm models add"}},
			[]string{"licence", "availability"}},
		{"a plain classifier's task is chosen",
			map[string]string{"config.json": `{"architectures": ["BertForSequenceClassification"], "max_position_embeddings": 128,
 "id2label": {"0": "negative", "1": "positive"}}`},
			Choices{Task: models.TaskCLIP, Licence: "MIT", Availability: models.Public, MaxLength: 64},
			models.Manifest{Task: models.TaskCLIP, Head: models.HeadSentenceMultiLabel, Labels: []string{"negative", "positive"},
				MaxLength: 64, Licence: "MIT", Availability: models.Public, Metrics: []models.Metric{},
				Provenance: models.Provenance{Source: "clinlm models add"}},
			[]string{"task", "licence", "availability"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := folder(t, c.files)
			if got := f.Needs(Choices{}); !reflect.DeepEqual(got, c.needs) {
				t.Errorf("with nothing chosen it needs %v, want %v", got, c.needs)
			}
			got, err := f.Manifest(c.choices)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("manifest\n%+v\nwant\n%+v", got, c.want)
			}
		})
	}
}

func TestManifestRefuses(t *testing.T) {
	for _, c := range []struct {
		name, config string
		choices      Choices
		want         string
	}{
		{"t5", `{"architectures": ["T5ForConditionalGeneration"], "is_encoder_decoder": true}`, Choices{}, "text-to-text"},
		{"unknown architecture", `{"architectures": ["BertForMaskedLM"]}`, Choices{}, "BertForMaskedLM"},
		{"no architectures", `{}`, Choices{}, "names no architectures"},
		{"qa for a classifier", nliConfig, Choices{Task: models.TaskQA, Licence: "MIT", Availability: models.Public}, "does not fit"},
		{"unchosen task", `{"architectures": ["BertForSequenceClassification"], "max_position_embeddings": 64, "id2label": {"0": "a", "1": "b"}}`,
			Choices{Licence: "MIT", Availability: models.Public}, "choose nli or clip"},
		{"bad id2label", `{"architectures": ["BertForSequenceClassification"], "max_position_embeddings": 64, "id2label": {"0": "a", "5": "b"}}`,
			Choices{Task: models.TaskCLIP, Licence: "MIT", Availability: models.Public}, "id2label"},
		{"no licence", nliConfig, Choices{Availability: models.Public}, "licence is required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := folder(t, map[string]string{"config.json": c.config}).Manifest(c.choices)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to say %q", err, c.want)
			}
		})
	}
	if _, err := folder(t, map[string]string{"config.json": `{"is_encoder_decoder": true}`}).Task(); !errors.Is(err, ErrTextToText) {
		t.Errorf("seq2seq: %v", err)
	}
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("a folder without config.json: %v", err)
	}
}
