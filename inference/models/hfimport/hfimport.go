// Package hfimport reads a Hugging Face model folder — an optimum ONNX
// export (model.onnx, config.json, tokenizer.json) or a transformers
// checkpoint — and writes what it says into a clinlm manifest: the task and
// head from config.json's architectures, the labels from id2label, the
// sequence length from the tokenizer or max_position_embeddings, and the
// licence from the model card's front matter. What a folder cannot say
// (a classifier's task, the licence, who may obtain the weights) comes from
// the caller (Choices); Needs names it. `clinlm models add` is its user.
package hfimport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/clinlm/clinlm/inference/models"
)

// Files of a Hugging Face folder.
const (
	ConfigFile = "config.json"
	CardFile   = "README.md"
)

// HFConfig is the part of config.json read here.
type HFConfig struct {
	Architectures         []string          `json:"architectures"`
	ModelType             string            `json:"model_type"`
	ID2Label              map[string]string `json:"id2label"`
	MaxPositionEmbeddings int               `json:"max_position_embeddings"`
	ProblemType           string            `json:"problem_type"`
	NameOrPath            string            `json:"_name_or_path"`
	IsEncoderDecoder      bool              `json:"is_encoder_decoder"`
	TransformersVersion   string            `json:"transformers_version"`
}

// Folder is what a Hugging Face folder holds.
type Folder struct {
	Dir    string
	Config HFConfig
	// HasONNX and HasTokenizer say whether model.onnx and tokenizer.json are there.
	HasONNX, HasTokenizer bool
	// TokenizerMaxLength is tokenizer.json's truncation max_length (0: none).
	TokenizerMaxLength int
	// Licence is the model card's front-matter "license" ("" when absent).
	Licence string
	// HasCard says the folder has a README.md model card.
	HasCard bool
}

// ErrTextToText: encoder-decoder folders are not read (yet); their
// manifest needs a prompt and label words no config.json holds.
var ErrTextToText = errors.New("an encoder-decoder (T5, seq2seq) folder: its text-to-text manifest needs a prompt and label words that config.json does not hold; write manifest.json by hand (inference/models/README.md, Text-to-text models)")

// Read reads a folder. A folder without config.json is an error: nothing
// can be inferred then.
func Read(dir string) (Folder, error) {
	f := Folder{Dir: dir}
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return f, fmt.Errorf("%s: %w (want an optimum ONNX export or a transformers checkpoint folder)", ConfigFile, err)
	}
	if err := json.Unmarshal(raw, &f.Config); err != nil {
		return f, fmt.Errorf("%s: %w", ConfigFile, err)
	}
	f.HasONNX = isFile(filepath.Join(dir, models.ModelFile))
	tok := filepath.Join(dir, models.TokenizerFile)
	if f.HasTokenizer = isFile(tok); f.HasTokenizer {
		f.TokenizerMaxLength, err = truncationLength(tok)
		if err != nil {
			return f, err
		}
	}
	card := filepath.Join(dir, CardFile)
	if f.HasCard = isFile(card); f.HasCard {
		f.Licence, err = cardLicence(card)
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// truncationLength reads tokenizer.json's truncation max_length.
func truncationLength(path string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var t struct {
		Truncation *struct {
			MaxLength int `json:"max_length"`
		} `json:"truncation"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return 0, fmt.Errorf("%s: %w", models.TokenizerFile, err)
	}
	if t.Truncation == nil {
		return 0, nil
	}
	return t.Truncation.MaxLength, nil
}

// cardLicence reads "license: X" from a model card's YAML front matter.
func cardLicence(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "---" {
		return "", nil
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "---" {
			break
		}
		if v, ok := strings.CutPrefix(line, "license:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`), nil
		}
	}
	return "", nil
}

// Choices are what the caller decides; empty fields are read from the
// folder where it can say them.
type Choices struct {
	Name         string
	Task         models.Task
	Licence      string
	Availability models.Availability
	Description  string
	// MaxLength overrides the sequence length read from the folder.
	MaxLength int
	// PretrainingFLOPs is the base model's pretraining compute, if known.
	PretrainingFLOPs float64
}

// Architecture kinds.
const (
	kindSequenceClassification = "ForSequenceClassification"
	kindQuestionAnswering      = "ForQuestionAnswering"
)

// architecture is config.json's first architecture.
func (f Folder) architecture() string {
	if len(f.Config.Architectures) == 0 {
		return ""
	}
	return f.Config.Architectures[0]
}

// Task is the task the folder says, or "" when the caller must choose
// (a sequence classifier that is not plainly NLI or multi-label).
func (f Folder) Task() (models.Task, error) {
	arch := f.architecture()
	switch {
	case f.Config.IsEncoderDecoder || strings.HasSuffix(arch, "ForConditionalGeneration") || strings.HasSuffix(arch, "Seq2SeqLM"):
		return "", ErrTextToText
	case strings.HasSuffix(arch, kindQuestionAnswering):
		return models.TaskQA, nil
	case strings.HasSuffix(arch, kindSequenceClassification):
		labels, _ := f.Labels()
		switch {
		case f.Config.ProblemType == "multi_label_classification":
			return models.TaskCLIP, nil
		case slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(strings.ToLower(l), "entail") }) &&
			slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(strings.ToLower(l), "contradict") }):
			return models.TaskNLI, nil
		}
		return "", nil
	case arch == "":
		return "", fmt.Errorf("%s names no architectures", ConfigFile)
	}
	return "", fmt.Errorf("architecture %s: clinlm serves *ForSequenceClassification (nli, clip) and *ForQuestionAnswering (qa) exports", arch)
}

// Labels are id2label's names in logit order.
func (f Folder) Labels() ([]string, error) {
	n := len(f.Config.ID2Label)
	out := make([]string, n)
	for k, v := range f.Config.ID2Label {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= n || out[i] != "" {
			return nil, fmt.Errorf("%s: id2label is not the labels 0..%d", ConfigFile, n-1)
		}
		out[i] = v
	}
	return out, nil
}

// Needs names what Manifest still lacks from c: "task", "licence", "availability".
func (f Folder) Needs(c Choices) []string {
	var out []string
	if c.Task == "" {
		if t, err := f.Task(); err == nil && t == "" {
			out = append(out, "task")
		}
	}
	if c.Licence == "" && f.Licence == "" {
		out = append(out, "licence")
	}
	if c.Availability == "" {
		out = append(out, "availability")
	}
	return out
}

// positionOffset is how many position embeddings a model type reserves
// (RoBERTa-style models count positions from padding_idx + 1).
func positionOffset(modelType string) int {
	switch modelType {
	case "roberta", "xlm-roberta", "camembert", "longformer", "bart", "mpnet":
		return 2
	}
	return 0
}

// Manifest writes the manifest the folder and c say, checked by
// models.Manifest.Validate.
func (f Folder) Manifest(c Choices) (models.Manifest, error) {
	read, err := f.Task()
	if err != nil {
		return models.Manifest{}, err
	}
	task := c.Task
	switch {
	case task == "" && read == "":
		return models.Manifest{}, errors.New("the folder does not say its task (a sequence classifier): choose nli or clip")
	case task == "":
		task = read
	case read == models.TaskQA && task != models.TaskQA,
		read != models.TaskQA && task == models.TaskQA:
		return models.Manifest{}, fmt.Errorf("task %s does not fit architecture %s", task, f.architecture())
	}
	m := models.Manifest{Name: c.Name, Description: c.Description, Task: task, Licence: c.Licence,
		Availability: c.Availability, Metrics: []models.Metric{}}
	if m.Licence == "" {
		m.Licence = f.Licence
	}
	switch task {
	case models.TaskNLI:
		m.Head = models.HeadPairClassification
	case models.TaskCLIP:
		m.Head = models.HeadSentenceMultiLabel
	case models.TaskQA:
		m.Head = models.HeadSpanExtraction
	default:
		return models.Manifest{}, fmt.Errorf("task %q: want nli, qa or clip", task)
	}
	if m.Head != models.HeadSpanExtraction {
		if m.Labels, err = f.Labels(); err != nil {
			return models.Manifest{}, err
		}
	} else {
		m.Labels = []string{}
	}
	m.MaxLength = c.MaxLength
	if m.MaxLength == 0 {
		m.MaxLength = f.TokenizerMaxLength
	}
	if pos := f.Config.MaxPositionEmbeddings - positionOffset(f.Config.ModelType); m.MaxLength == 0 || (pos > 0 && m.MaxLength > pos) {
		m.MaxLength = pos
	}
	if task == models.TaskQA {
		m.Stride = min(128, m.MaxLength/4)
	}
	m.Provenance = models.Provenance{Source: "clinlm models add", PretrainingFLOPs: c.PretrainingFLOPs}
	if p := f.Config.NameOrPath; p != "" && !filepath.IsAbs(p) && !strings.HasPrefix(p, ".") {
		m.Provenance.BaseModel = p // a hub id; a local path says nothing to others
	}
	if v := f.Config.TransformersVersion; v != "" {
		m.Provenance.Versions = map[string]string{"transformers": v}
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	return m, nil
}
