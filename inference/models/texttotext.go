package models

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// TextToText configures a text-to-text (T5) model: how a request becomes
// the prompt, how tokens are generated, and which words name the labels.
type TextToText struct {
	// Prompt is the encoder input with the task's fields in braces: nli
	// {premise} and {hypothesis}, qa {question} and {context}, clip {text}
	// (one sentence). Each must appear; no other braces are allowed.
	Prompt string `json:"prompt"`
	// LabelWords maps a label to the text the model writes for it (nli,
	// clip); a label not listed is written as itself.
	LabelWords map[string]string `json:"label_words,omitempty"`
	// Separator splits a CLIP label list (default ",").
	Separator string `json:"separator,omitempty"`
	// MaxNewTokens bounds the generated tokens, end-of-sequence included.
	MaxNewTokens int `json:"max_new_tokens"`
	// NumBeams is 1 for greedy decoding (the default), more for beam search.
	NumBeams int `json:"num_beams,omitempty"`
	// LengthPenalty divides a finished beam's log-probability by
	// length^LengthPenalty (default 1, HF's default).
	LengthPenalty *float64 `json:"length_penalty,omitempty"`
	// EarlyStopping ends beam search as soon as NumBeams hypotheses have
	// finished (HF's early_stopping=True); false uses HF's default heuristic.
	EarlyStopping bool `json:"early_stopping,omitempty"`
	// Token ids; the defaults are T5's (start = pad = 0, end = 1).
	DecoderStartTokenID *int64 `json:"decoder_start_token_id,omitempty"`
	EOSTokenID          *int64 `json:"eos_token_id,omitempty"`
	PadTokenID          *int64 `json:"pad_token_id,omitempty"`
}

// Limits of the generation settings.
const (
	MaxNewTokensLimit = 512
	NumBeamsLimit     = 16
)

// PromptFields are the placeholders each task's prompt must contain.
var PromptFields = map[Task][]string{
	TaskNLI:  {"premise", "hypothesis"},
	TaskQA:   {"question", "context"},
	TaskCLIP: {"text"},
}

var bracePattern = regexp.MustCompile(`\{[^{}]*\}|[{}]`)

func (m Manifest) validateTextToText() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	t := m.TextToText
	if t == nil {
		bad("text_to_text is required for the text-to-text head (prompt, max_new_tokens, ...)")
		return errs
	}
	want := PromptFields[m.Task]
	seen := map[string]int{}
	for _, b := range bracePattern.FindAllString(t.Prompt, -1) {
		name := strings.Trim(b, "{}")
		if len(b) < 2 || !slices.Contains(want, name) {
			bad("text_to_text.prompt: %q is not a placeholder of task %s (want %s)", b, m.Task, placeholders(want))
			continue
		}
		seen[name]++
	}
	for _, f := range want {
		if seen[f] != 1 {
			bad("text_to_text.prompt: needs {%s} exactly once (task %s: %s)", f, m.Task, placeholders(want))
		}
	}
	if t.MaxNewTokens < 1 || t.MaxNewTokens > MaxNewTokensLimit {
		bad("text_to_text.max_new_tokens %d: want 1 to %d", t.MaxNewTokens, MaxNewTokensLimit)
	}
	if t.NumBeams < 0 || t.NumBeams > NumBeamsLimit {
		bad("text_to_text.num_beams %d: want 1 to %d", t.NumBeams, NumBeamsLimit)
	}
	if t.LengthPenalty != nil && (math.IsNaN(*t.LengthPenalty) || math.IsInf(*t.LengthPenalty, 0)) {
		bad("text_to_text.length_penalty must be a finite number")
	}
	for name, id := range map[string]*int64{"decoder_start_token_id": t.DecoderStartTokenID, "eos_token_id": t.EOSTokenID, "pad_token_id": t.PadTokenID} {
		if id != nil && *id < 0 {
			bad("text_to_text.%s %d is negative", name, *id)
		}
	}
	switch m.Task {
	case TaskNLI, TaskCLIP:
		if len(m.Labels) == 0 {
			bad("labels: a text-to-text %s model needs the labels it writes", m.Task)
		}
	case TaskQA:
		if len(m.Labels) > 0 || len(t.LabelWords) > 0 {
			bad("labels / text_to_text.label_words: a text-to-text qa model writes answers, not labels")
		}
	}
	words := map[string]string{}
	for l, w := range t.LabelWords {
		if !slices.Contains(m.Labels, l) {
			bad("text_to_text.label_words: %q is not a label", l)
		}
		if strings.TrimSpace(w) == "" {
			bad("text_to_text.label_words: %q has an empty word", l)
		}
	}
	for _, l := range m.Labels {
		w := normalizeWord(t.Word(l))
		if prev, dup := words[w]; dup {
			bad("text_to_text.label_words: %q and %q are both written %q", prev, l, w)
		}
		words[w] = l
	}
	if t.Separator != "" && m.Task != TaskCLIP {
		bad("text_to_text.separator: only for clip label lists")
	}
	if m.Task == TaskCLIP && strings.TrimSpace(t.LabelSeparator()) == "" {
		bad("text_to_text.separator must not be blank")
	}
	if m.Stride != 0 {
		bad("stride: text-to-text models truncate the prompt; doc-stride windows are not supported")
	}
	if m.NoAnswer || m.MaxAnswerLength != 0 {
		bad("no_answer / max_answer_length: only for span-extraction models")
	}
	if len(m.Thresholds) > 0 {
		bad("thresholds: a text-to-text model writes its labels; there is no score to threshold")
	}
	if len(m.Inputs) > 0 || len(m.Outputs) > 0 {
		bad("inputs / outputs: a text-to-text model uses optimum's names (see README.md)")
	}
	return errs
}

func placeholders(fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = "{" + f + "}"
	}
	return strings.Join(out, " and ")
}

// normalizeWord is how generated words are compared with label words:
// case-folded with spaces trimmed and collapsed.
func normalizeWord(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// NormalizeWord is the comparison form of a generated word (exported for the engine).
func NormalizeWord(s string) string { return normalizeWord(s) }

// Word is the text the model writes for a label.
func (t TextToText) Word(label string) string {
	if w, ok := t.LabelWords[label]; ok {
		return w
	}
	return label
}

// LabelSeparator splits CLIP label lists.
func (t TextToText) LabelSeparator() string {
	if t.Separator == "" {
		return ","
	}
	return t.Separator
}

// Beams is the beam count (1: greedy).
func (t TextToText) Beams() int { return max(t.NumBeams, 1) }

// Penalty is the length penalty (default 1).
func (t TextToText) Penalty() float64 {
	if t.LengthPenalty == nil {
		return 1
	}
	return *t.LengthPenalty
}

func orDefault(p *int64, d int64) int64 {
	if p == nil {
		return d
	}
	return *p
}

// StartToken, EOSToken and PadToken are the special ids (T5's by default).
func (t TextToText) StartToken() int64 { return orDefault(t.DecoderStartTokenID, 0) }
func (t TextToText) EOSToken() int64   { return orDefault(t.EOSTokenID, 1) }
func (t TextToText) PadToken() int64   { return orDefault(t.PadTokenID, 0) }

// FillPrompt puts the request's fields into the prompt in one pass, so a
// field that itself contains "{context}" is not substituted again.
func (t TextToText) FillPrompt(fields map[string]string) string {
	var pairs []string
	for k, v := range fields {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(t.Prompt)
}
