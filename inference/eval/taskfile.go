package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Task names match the model manifest's task field.
const (
	TaskNLI  = "nli"
	TaskQA   = "qa"
	TaskCLIP = "clip"
)

// NLIExample is one line of an nli task file.
type NLIExample struct {
	ID         string `json:"id,omitempty"`
	Premise    string `json:"premise"`
	Hypothesis string `json:"hypothesis"`
	Label      string `json:"label"`
}

// GoldAnswer is one SQuAD-style gold answer; AnswerStart (a code-point
// offset into the context) is kept for training and not used in scoring.
type GoldAnswer struct {
	Text        string `json:"text"`
	AnswerStart int    `json:"answer_start"`
}

// QAExample is one line of a qa task file; no answers means the context
// does not answer the question (SQuAD 2.0).
type QAExample struct {
	ID       string       `json:"id,omitempty"`
	Context  string       `json:"context"`
	Question string       `json:"question"`
	Answers  []GoldAnswer `json:"answers"`
}

// CLIPExample is one line of a clip task file: a sentence and its labels
// (none is allowed).
type CLIPExample struct {
	ID     string   `json:"id,omitempty"`
	Text   string   `json:"text"`
	Labels []string `json:"labels"`
}

// Example is one task-file line: exactly one of the pointers is set.
type Example struct {
	// Line is the 1-based line number in the file.
	Line int
	NLI  *NLIExample
	QA   *QAExample
	CLIP *CLIPExample
}

// LineError is a problem with one line of a task file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ErrTaskMismatch marks a task file written for another task than the model's.
var ErrTaskMismatch = errors.New("task mismatch")

// taskFields are the fields that identify a task's lines (nil for an unknown task).
func taskFields(task string) []string {
	switch task {
	case TaskNLI:
		return []string{"premise", "hypothesis", "label"}
	case TaskQA:
		return []string{"context", "question", "answers"}
	case TaskCLIP:
		return []string{"text", "labels"}
	}
	return nil
}

// maxLineBytes bounds one line of a task file (long QA contexts fit).
const maxLineBytes = 16 << 20

// ReadTaskFile reads a JSONL task file for task. Blank lines are skipped;
// unknown fields, missing required fields and lines of another task are
// errors naming the line. limit > 0 stops after that many examples.
func ReadTaskFile(r io.Reader, task string, limit int) ([]Example, error) {
	if taskFields(task) == nil {
		return nil, fmt.Errorf("eval: unknown task %q (want nli, qa or clip)", task)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	var out []Example
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		ex, err := parseLine(raw, task)
		if err != nil {
			return nil, &LineError{Line: line, Err: err}
		}
		ex.Line = line
		out = append(out, ex)
		if limit > 0 && len(out) == limit {
			return out, nil
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("eval: a line after line %d is longer than %d bytes", len(out), maxLineBytes)
		}
		return nil, err
	}
	return out, nil
}

func parseLine(raw []byte, task string) (Example, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Example{}, fmt.Errorf("not a JSON object: %v", err)
	}
	if other := guessTask(fields); other != "" && other != task {
		return Example{}, fmt.Errorf("%w: this is a %s example (fields %s), the model does %s", ErrTaskMismatch, other, fieldList(fields), task)
	}
	required := func(names ...string) error {
		for _, n := range names {
			if _, ok := fields[n]; !ok {
				return fmt.Errorf("%q is required for a %s example", n, task)
			}
		}
		return nil
	}
	var ex Example
	switch task {
	case TaskNLI:
		ex.NLI = &NLIExample{}
		if err := strictDecode(raw, ex.NLI); err != nil {
			return ex, err
		}
		if err := required("premise", "hypothesis", "label"); err != nil {
			return ex, err
		}
		if ex.NLI.Premise == "" || ex.NLI.Hypothesis == "" || ex.NLI.Label == "" {
			return ex, errors.New("premise, hypothesis and label must not be empty")
		}
	case TaskQA:
		ex.QA = &QAExample{}
		if err := strictDecode(raw, ex.QA); err != nil {
			return ex, err
		}
		if err := required("context", "question", "answers"); err != nil {
			return ex, fmt.Errorf("%w (use \"answers\": [] when there is no answer)", err)
		}
		if ex.QA.Context == "" || ex.QA.Question == "" {
			return ex, errors.New("context and question must not be empty")
		}
		for i, a := range ex.QA.Answers {
			if a.AnswerStart < 0 {
				return ex, fmt.Errorf("answers[%d].answer_start is negative", i)
			}
		}
	case TaskCLIP:
		ex.CLIP = &CLIPExample{}
		if err := strictDecode(raw, ex.CLIP); err != nil {
			return ex, err
		}
		if err := required("text", "labels"); err != nil {
			return ex, fmt.Errorf("%w (use \"labels\": [] for a sentence without labels)", err)
		}
		if ex.CLIP.Text == "" {
			return ex, errors.New("text must not be empty")
		}
	}
	return ex, nil
}

func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// guessTask names the task whose identifying fields the line has, "" when unclear.
func guessTask(fields map[string]json.RawMessage) string {
	best, bestN := "", 0
	for _, task := range []string{TaskNLI, TaskQA, TaskCLIP} {
		n := 0
		for _, f := range taskFields(task) {
			if _, ok := fields[f]; ok {
				n++
			}
		}
		if n > bestN {
			best, bestN = task, n
		}
	}
	return best
}

func fieldList(fields map[string]json.RawMessage) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
