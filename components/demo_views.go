package components

// View models of the live demo pages (/demo/{task}, /models, model cards).
// The server fills them from the inference engine; the templates lay them out
// and static/js/demo.js drives them over the /ws/infer websocket.

// DemoPage is one task's demo: sample gallery, input form, model picker and
// results (server-rendered after a POST when JavaScript is off).
type DemoPage struct {
	// Task is nli, qa or clip; TaskTitle is how the page names it.
	Task, TaskTitle, Intro string
	Tabs                   []Tab
	Samples                []DemoSample
	// Fields are the form's text inputs, in order, with their current values.
	Fields []DemoField
	// Models are every model of the task; ready ones can be picked.
	Models []DemoModel
	// Problems say what is missing (ONNX Runtime, a model) and how to fix it.
	Problems []DemoProblem
	// Results are server-rendered answers (the no-JavaScript POST fallback).
	Results []DemoResult
	// Labels are the CLIP label names (for colours and the legend).
	Labels []string
	// Threshold is the CLIP slider's initial value.
	Threshold string
	// ModelThresholds cuts each CLIP label at the model's own tuned threshold
	// (the manifest's); off, every label is cut at Threshold.
	ModelThresholds bool
	// Saliency asks the no-JavaScript form for word importance too.
	Saliency bool
}

// DemoSample is one synthetic note of the gallery.
type DemoSample struct {
	ID, Title string
	// Href loads the sample into the form without JavaScript.
	Href string
	// ValuesJSON is the sample's field values as a JSON object keyed by
	// field name, read by static/js/demo.js.
	ValuesJSON string
	Active     bool
}

// DemoField is a text input of the demo form.
type DemoField struct {
	Name, Label, Value string
	// Rows > 1 makes a textarea.
	Rows int
}

// DemoModel is a model as the picker and the /models page show it.
type DemoModel struct {
	Name, Task, Head, Availability, Status, Error string
	Labels                                        []string
	MaxLength                                     int
	Description                                   string
	// CardHref links the model card ("" when the model has none).
	CardHref string
	// RunsOn says where a loaded model runs: cpu, cuda or a remote server.
	RunsOn  string
	Ready   bool
	Checked bool
}

// DemoProblem says what keeps the demo from running and how to fix it.
type DemoProblem struct {
	What, Fix string
}

// DemoResult is one model's server-rendered answer.
type DemoResult struct {
	Model  string
	Error  string
	Timing string
	// Bars are NLI label probabilities, highest first.
	Bars []DemoBar
	// Segments are the QA context split at answer boundaries; Answers the top-k list.
	Segments []DemoSegment
	Answers  []DemoAnswer
	// Sentences are CLIP sentences with their predicted labels.
	Sentences []DemoSentence
	// Generated is what a text-to-text model wrote (NLI, QA); nil for the
	// other heads. It may be empty: the model wrote nothing.
	Generated *string
	// Unseen are the texts the model's max_length cut, with the cut part marked.
	Unseen []DemoShadedText
	// Saliency is word importance, when it was asked for.
	Saliency *DemoSaliency
	// Values are the vitals and lab values the model was told the state of
	// ("Na 124: low sodium"), for models that read values against
	// reference ranges.
	Values []string
}

// DemoShadedText is an input text in pieces: words shaded by importance,
// the text between them, and the part the model never saw.
type DemoShadedText struct {
	// Label names the field (Premise, Report...); Note says what is shown
	// ("the model saw 60 of 90 tokens...").
	Label, Note string
	Pieces      []DemoPiece
}

// DemoPiece is a piece of a shaded text. Class is "" for plain text,
// "unseen" for the part after a truncation, or a saliency shade
// (sal-pos-1..4, sal-neg-1..4, sal-0); Title is its tooltip.
type DemoPiece struct {
	Text, Class, Title string
}

// DemoSaliency is one model's word importance, server-rendered.
type DemoSaliency struct {
	Error string
	// Target says what was explained ("entailment 0.934").
	Target string
	Texts  []DemoShadedText
	// Top are the most important words, strongest first.
	Top []DemoTopWord
	// Method says how ("occlusion by [MASK], 61 model runs").
	Method string
}

// DemoTopWord is one row of the top-words table.
type DemoTopWord struct {
	Word, Field, Score, Class string
}

// DemoBar is one label probability.
type DemoBar struct {
	Label, Score string
	Percent      float64
}

// DemoSegment is a piece of the QA context; Rank > 0 marks the answer it belongs to.
type DemoSegment struct {
	Text string
	Rank int
}

// DemoAnswer is one QA answer.
type DemoAnswer struct {
	Rank              int
	Text, Score, Span string
}

// DemoSentence is one CLIP sentence with the labels at or above threshold.
type DemoSentence struct {
	Text   string
	Labels []DemoLabel
	// Generated is the label list a text-to-text model wrote for the
	// sentence; nil for the other heads.
	Generated *string
}

// DemoLabel is a predicted CLIP label; Class picks its colour.
type DemoLabel struct {
	Label, Score, Class string
}

// ModelsPage lists every demo model, loaded or not.
type ModelsPage struct {
	Models   []DemoModel
	Problems []DemoProblem
	// Configured is false when the server has no inference engine.
	Configured bool
}

// ModelCardPage shows a demo model's card as plain text.
type ModelCardPage struct {
	Model DemoModel
	Card  string
	// LastEvaluation is the model's latest finished live evaluation (nil: none).
	LastEvaluation *ModelEvaluation
}

// valueReadingsNote introduces the values a model read against reference
// ranges; static/js/demo.js writes the same words.
const valueReadingsNote = "Values the model was told the state of (adult reference intervals, marked in its input before it reads it):"
