// Package models reads clinlm's model repository: a directory with one
// folder per model, each holding model.onnx, tokenizer.json and manifest.json
// (the format is described in README.md). It only describes what is on disk
// and whether it is complete and consistent; loading sessions is the
// engine's job. A broken folder is listed with its reason, never fatal.
package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// Task is what a model answers.
type Task string

const (
	TaskNLI  Task = "nli"
	TaskQA   Task = "qa"
	TaskCLIP Task = "clip"
)

// Head is how the model's outputs become an answer.
type Head string

const (
	// HeadPairClassification: premise + hypothesis → softmax over labels.
	HeadPairClassification Head = "sequence-pair-classification"
	// HeadSpanExtraction: question + context → start/end logits per token.
	HeadSpanExtraction Head = "span-extraction"
	// HeadSentenceMultiLabel: one sentence → sigmoid per label.
	HeadSentenceMultiLabel Head = "sentence-multi-label"
	// HeadZeroShotNLI: one sentence + one hypothesis per label through an NLI model.
	HeadZeroShotNLI Head = "zero-shot-nli"
	// HeadTextToText: encoder-decoder generation (T5) from a prompt; the
	// generated text becomes the task's answer (see TextToText).
	HeadTextToText Head = "text-to-text"
)

// Availability says who may obtain the weights.
type Availability string

const (
	Public       Availability = "public"
	Credentialed Availability = "credentialed"
	ResultsOnly  Availability = "results-only"
)

// CLIPLabels are the seven CLIP action-item labels (Mullenbach et al. 2021).
var CLIPLabels = []string{"appointment", "medication", "lab", "patient instructions", "procedure", "imaging", "other"}

// Metric is one reported score and the data it was measured on.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Data  string  `json:"data"`
}

// Provenance says where a model came from.
type Provenance struct {
	BaseModel    string `json:"base_model,omitempty"`
	TrainingData string `json:"training_data,omitempty"`
	Source       string `json:"source,omitempty"`
	Weights      string `json:"weights,omitempty"`
	Notes        string `json:"notes,omitempty"`
	// Versions of the tools that produced the export.
	Versions map[string]string `json:"versions,omitempty"`
	// PretrainingFLOPs is the base model's total pretraining compute, when
	// known; it places the model's live evaluations on the FLOPs figure.
	PretrainingFLOPs float64 `json:"pretraining_flops,omitempty"`
}

// Manifest is manifest.json.
type Manifest struct {
	// Name defaults to the folder name.
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Task        Task   `json:"task"`
	Head        Head   `json:"head"`
	// Labels are the answer labels, in the order of the logits for
	// classification heads; for zero-shot, the labels the hypotheses name.
	Labels    []string `json:"labels"`
	MaxLength int      `json:"max_length"`
	// Stride is the token overlap of doc-stride windows (QA).
	Stride int `json:"stride,omitempty"`
	// Inputs and Outputs map a role to the ONNX name; a missing role uses the
	// role name itself, as HF optimum exports do. Roles: input_ids,
	// attention_mask, token_type_ids (optional); logits, start_logits, end_logits.
	Inputs  map[string]string `json:"inputs,omitempty"`
	Outputs map[string]string `json:"outputs,omitempty"`
	// Thresholds are per-label decision thresholds (CLIP); missing labels use 0.5.
	Thresholds map[string]float64 `json:"thresholds,omitempty"`
	// NLILabels are the NLI model's logit labels (zero-shot); one must start
	// with "entail".
	NLILabels []string `json:"nli_labels,omitempty"`
	// HypothesisTemplate has one {} for the label (zero-shot).
	HypothesisTemplate string `json:"hypothesis_template,omitempty"`
	// MaxAnswerLength caps answer spans in tokens (QA; default 30).
	MaxAnswerLength int `json:"max_answer_length,omitempty"`
	// NoAnswer says the QA model was trained to point at [CLS] when the
	// context holds no answer (SQuAD 2 style); its score is then reported.
	NoAnswer bool `json:"no_answer,omitempty"`
	// TextToText configures the text-to-text head (required for it, refused
	// for the others).
	TextToText *TextToText `json:"text_to_text,omitempty"`
	// Preprocess names a rewrite of the input texts that the model was
	// trained with and so needs at serving time. "reference-ranges" marks
	// vital signs and lab values with their state against adult reference
	// intervals ("Na 124" -> "Na 124 (low sodium)", inference/refranges);
	// answers' offsets still point into the texts as sent.
	Preprocess string `json:"preprocess,omitempty"`
	// Remote runs the forward pass on a KServe v2 server instead of in
	// process (see Remote); model.onnx is then not needed.
	Remote       *Remote      `json:"remote,omitempty"`
	Provenance   Provenance   `json:"provenance"`
	Licence      string       `json:"licence"`
	Availability Availability `json:"availability"`
	Metrics      []Metric     `json:"metrics"`
	// ModelCard is a file in the folder (default README.md when present).
	ModelCard string `json:"model_card,omitempty"`
}

// ParseManifest reads manifest.json strictly: unknown fields are errors, so
// a typo does not silently fall back to a default.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("manifest.json: %w", err)
	}
	if err := checkExactKeys(data, reflect.TypeFor[Manifest]()); err != nil {
		return Manifest{}, fmt.Errorf("manifest.json: %w", err)
	}
	if err := m.Validate(); err != nil {
		return m, fmt.Errorf("manifest.json: %w", err)
	}
	return m, nil
}

// heads lists which heads each task accepts.
var heads = map[Task][]Head{
	TaskNLI:  {HeadPairClassification, HeadTextToText},
	TaskQA:   {HeadSpanExtraction, HeadTextToText},
	TaskCLIP: {HeadSentenceMultiLabel, HeadZeroShotNLI, HeadTextToText},
}

// PreprocessReferenceRanges is the one input rewrite models may ask for
// (see Manifest.Preprocess).
const PreprocessReferenceRanges = "reference-ranges"

// Validate checks that the manifest is complete and consistent.
func (m Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	allowed, ok := heads[m.Task]
	switch {
	case !ok:
		bad("task %q: want nli, qa or clip", m.Task)
	case !slices.Contains(allowed, m.Head):
		bad("head %q does not fit task %s (want one of %v)", m.Head, m.Task, allowed)
	}
	if m.MaxLength < 8 {
		bad("max_length %d: want at least 8 tokens", m.MaxLength)
	}
	if m.ModelCard != "" && !filepath.IsLocal(m.ModelCard) {
		bad("model_card %q: want a file inside the model folder (a relative path without ..)", m.ModelCard)
	}
	if m.Stride < 0 || (m.Stride > 0 && m.Stride >= m.MaxLength/2) {
		bad("stride %d: want 0 <= stride < max_length/2", m.Stride)
	}
	switch m.Head {
	case HeadPairClassification, HeadSentenceMultiLabel, HeadZeroShotNLI:
		if len(m.Labels) == 0 {
			bad("labels: a %s head needs its labels", m.Head)
		}
	}
	seen := map[string]bool{}
	for _, l := range m.Labels {
		if strings.TrimSpace(l) == "" || seen[l] {
			bad("labels: empty or repeated label %q", l)
		}
		seen[l] = true
	}
	for l, th := range m.Thresholds {
		if !seen[l] {
			bad("thresholds: %q is not a label", l)
		}
		if th < 0 || th > 1 {
			bad("thresholds: %q = %v is outside [0, 1]", l, th)
		}
	}
	if m.Head == HeadZeroShotNLI {
		if m.EntailmentIndex() < 0 {
			bad("nli_labels %v: one must start with \"entail\"", m.NLILabels)
		}
		if strings.Count(m.HypothesisTemplate, "{}") != 1 {
			bad("hypothesis_template %q: needs exactly one {}", m.HypothesisTemplate)
		}
	}
	if m.Head == HeadTextToText {
		errs = append(errs, m.validateTextToText()...)
	} else if m.TextToText != nil {
		bad("text_to_text: only for the text-to-text head")
	}
	if m.Remote != nil {
		errs = append(errs, m.validateRemote()...)
	}
	switch {
	case m.Preprocess != "" && m.Preprocess != PreprocessReferenceRanges:
		bad("preprocess %q: want %q or nothing", m.Preprocess, PreprocessReferenceRanges)
	case m.Preprocess != "" && m.Head == HeadTextToText:
		bad("preprocess: not for the text-to-text head, whose prompt is the model's own")
	}
	if f := m.Provenance.PretrainingFLOPs; f < 0 || f > 1e30 || math.IsNaN(f) {
		bad("provenance.pretraining_flops %v: want a FLOPs count between 1 and 1e30 (or leave it out)", f)
	}
	if m.MaxAnswerLength < 0 {
		bad("max_answer_length %d is negative", m.MaxAnswerLength)
	}
	for _, role := range slices.Sorted(maps.Keys(m.Inputs)) {
		if !slices.Contains([]string{"input_ids", "attention_mask", "token_type_ids"}, role) {
			bad("inputs: unknown role %q", role)
		}
		if strings.TrimSpace(m.Inputs[role]) == "" {
			bad("inputs: %s has an empty ONNX name", role)
		}
	}
	for _, role := range slices.Sorted(maps.Keys(m.Outputs)) {
		if !slices.Contains([]string{"logits", "start_logits", "end_logits"}, role) {
			bad("outputs: unknown role %q", role)
		}
		if strings.TrimSpace(m.Outputs[role]) == "" {
			bad("outputs: %s has an empty ONNX name", role)
		}
	}
	switch m.Availability {
	case Public, Credentialed, ResultsOnly:
	default:
		bad("availability %q: want public, credentialed or results-only", m.Availability)
	}
	if strings.TrimSpace(m.Licence) == "" {
		bad("licence is required")
	}
	for _, x := range m.Metrics {
		if x.Name == "" || x.Data == "" {
			bad("metrics: each needs a name and the data it was measured on")
		}
	}
	return errors.Join(errs...)
}

// InputName is the ONNX name of an input role.
func (m Manifest) InputName(role string) string {
	if n, ok := m.Inputs[role]; ok {
		return n
	}
	return role
}

// OutputName is the ONNX name of an output role.
func (m Manifest) OutputName(role string) string {
	if n, ok := m.Outputs[role]; ok {
		return n
	}
	return role
}

// Files are the files the head needs in the model's folder, besides a
// text-to-text model's decoder files, which depend on the folder's
// DecoderLayout.
func (m Manifest) Files() []string {
	switch {
	case m.Head == HeadTextToText && m.Remote != nil:
		// The server tokenizes, generates and decodes.
		return nil
	case m.Head == HeadTextToText:
		return []string{EncoderFile, TokenizerFile}
	case m.Remote != nil:
		return []string{TokenizerFile}
	}
	return []string{ModelFile, TokenizerFile}
}

// OutputRoles are the outputs the head reads.
func (m Manifest) OutputRoles() []string {
	if m.Head == HeadSpanExtraction {
		return []string{"start_logits", "end_logits"}
	}
	return []string{"logits"}
}

// Threshold is a label's decision threshold (0.5 unless set).
func (m Manifest) Threshold(label string) float64 {
	if th, ok := m.Thresholds[label]; ok {
		return th
	}
	return 0.5
}

// EntailmentIndex is the logit index of "entailment" for zero-shot, or -1.
func (m Manifest) EntailmentIndex() int {
	return slices.IndexFunc(m.NLILabels, func(l string) bool { return strings.HasPrefix(strings.ToLower(l), "entail") })
}

// ContradictionIndex is the logit index of "contradiction" for zero-shot:
// the label so named, else HF's convention (index 0, or the last index when
// entailment is 0).
func (m Manifest) ContradictionIndex() int {
	if i := slices.IndexFunc(m.NLILabels, func(l string) bool { return strings.HasPrefix(strings.ToLower(l), "contradict") }); i >= 0 {
		return i
	}
	if m.EntailmentIndex() == 0 {
		return len(m.NLILabels) - 1
	}
	return 0
}

// AnswerLength is the maximum answer span in tokens (QA).
func (m Manifest) AnswerLength() int {
	if m.MaxAnswerLength > 0 {
		return m.MaxAnswerLength
	}
	return 30
}
