package server

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/inference"
)

// Server-rendered word importance and truncation for the demo pages' form
// (static/js/demo.js draws the same from websocket answers).

// saliencyTopWords is how many words the top-words table lists.
const saliencyTopWords = 8

// saliencyScale is what the strongest shade stands for: the strongest
// word's importance, but at least 0.05, so that a note where no word
// matters stays pale instead of showing noise at full strength.
func saliencyScale(words []inference.WordImportance) float64 {
	scale := 0.05
	for _, w := range words {
		scale = math.Max(scale, math.Abs(w.Score))
	}
	return scale
}

// saliencyShade is a word's CSS class: sal-pos-1..4 for words that support
// the answer, sal-neg-1..4 for words that speak against it, sal-0 for none.
func saliencyShade(score, scale float64) string {
	level := min(4, int(math.Ceil(4*math.Abs(score)/scale-1e-9)))
	switch {
	case math.Abs(score) < 0.005 || level <= 0:
		return "sal-0"
	case score > 0:
		return fmt.Sprintf("sal-pos-%d", level)
	}
	return fmt.Sprintf("sal-neg-%d", level)
}

// fmtImportance is a signed score for tooltips and the table.
func fmtImportance(score float64) string { return fmt.Sprintf("%+.3f", score) }

// shadeText cuts one field's text into plain pieces, its words (shaded, with
// their score as tooltip) and, from code point cut on (cut < 0: none), the
// part the model never saw.
func shadeText(text string, words []inference.WordImportance, field string, scale float64, cut int) []components.DemoPiece {
	runes := []rune(text)
	var out []components.DemoPiece
	plain := func(from, to int) {
		if from < to {
			out = append(out, components.DemoPiece{Text: string(runes[from:to])})
		}
	}
	pos := 0
	for _, w := range words {
		if w.Field != field || w.Start < pos || w.End > len(runes) {
			continue
		}
		plain(pos, w.Start)
		out = append(out, components.DemoPiece{Text: string(runes[w.Start:w.End]), Class: saliencyShade(w.Score, scale),
			Title: "importance " + fmtImportance(w.Score)})
		pos = w.End
	}
	if cut < 0 || cut >= len(runes) {
		plain(pos, len(runes))
		return out
	}
	plain(pos, cut)
	out = append(out, components.DemoPiece{Text: string(runes[max(pos, cut):]), Class: "unseen", Title: "not seen by the model"})
	return out
}

// fieldText is the input text of a field and its label on the page.
func fieldText(task demoTask, in inference.Input, field string) (string, string) {
	text := map[string]string{"premise": in.Premise, "hypothesis": in.Hypothesis, "context": in.Context,
		"question": in.Question, "text": in.Text}[field]
	for _, f := range task.Fields {
		if f.Name == field {
			return text, f.Label
		}
	}
	return text, field
}

// unseenTexts shows each text the model's max_length cut: NLI texts whole,
// CLIP sentences one by one.
func unseenTexts(task demoTask, in inference.Input, out any) []components.DemoShadedText {
	var list []components.DemoShadedText
	switch o := out.(type) {
	case inference.NLIOutput:
		for _, c := range o.Truncation {
			text, label := fieldText(task, in, c.Field)
			list = append(list, components.DemoShadedText{Label: label, Note: truncationNote(c),
				Pieces: shadeText(text, nil, c.Field, 1, c.SeenUntil)})
		}
	case inference.CLIPOutput:
		for _, sn := range o.Sentences {
			if c := sn.Truncation; c != nil {
				list = append(list, components.DemoShadedText{Label: fmt.Sprintf("Sentence %d", sn.Index+1), Note: truncationNote(*c),
					Pieces: shadeText(sn.Text, nil, c.Field, 1, c.SeenUntil-sn.Start)})
			}
		}
	}
	return list
}

func truncationNote(c inference.Truncated) string {
	return fmt.Sprintf("The model saw %d of %d tokens; the greyed part was cut at its maximum length and did not count.", c.SeenTokens, c.TotalTokens)
}

// saliencyView renders one model's saliency answer.
func saliencyView(task demoTask, in inference.Input, res inference.SaliencyResult, err error) *components.DemoSaliency {
	if err != nil {
		return &components.DemoSaliency{Error: inference.AsError(err).Message}
	}
	out := res.Output
	v := &components.DemoSaliency{}
	switch {
	case out.Target.Answer != nil:
		v.Target = fmt.Sprintf("the answer “%s” (span probability %s)", out.Target.Answer.Text, fmtScore(*out.Score))
	case out.Score != nil:
		v.Target = fmt.Sprintf("the label %s (probability %s)", out.Target.Label, fmtScore(*out.Score))
	default:
		v.Target = fmt.Sprintf("the label %s, in each word's sentence", out.Target.Label)
	}
	v.Method = fmt.Sprintf("occlusion: each word's tokens replaced by %s; %d model runs", out.MaskToken, out.Runs)
	if out.Occlusion == "delete" {
		v.Method = fmt.Sprintf("occlusion: each word's tokens deleted (the tokenizer has no mask token); %d model runs", out.Runs)
	}
	scale := saliencyScale(out.Words)
	for _, f := range task.Fields {
		if !slices.ContainsFunc(out.Words, func(w inference.WordImportance) bool { return w.Field == f.Name }) {
			continue
		}
		text, label := fieldText(task, in, f.Name)
		cut := -1
		if task.Key == "nli" { // CLIP sentences are cut one by one: shown with the answer
			for _, c := range out.Truncation {
				if c.Field == f.Name {
					cut = c.SeenUntil
				}
			}
		}
		v.Texts = append(v.Texts, components.DemoShadedText{Label: label, Pieces: shadeText(text, out.Words, f.Name, scale, cut)})
	}
	top := slices.Clone(out.Words)
	slices.SortStableFunc(top, func(a, b inference.WordImportance) int { return cmp.Compare(math.Abs(b.Score), math.Abs(a.Score)) })
	for _, w := range top[:min(len(top), saliencyTopWords)] {
		text, label := fieldText(task, in, w.Field)
		v.Top = append(v.Top, components.DemoTopWord{Word: string([]rune(text)[w.Start:w.End]), Field: label,
			Score: fmtImportance(w.Score), Class: saliencyShade(w.Score, scale)})
	}
	return v
}
