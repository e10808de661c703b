package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference"
)

const (
	// maxFrameID bounds the id a client chooses (it is echoed in every answer).
	maxFrameID = 128
	// maxModelName bounds a requested model name; repository names are at
	// most 64 bytes, so a longer one is unknown without asking the engine,
	// and it never reaches a log line.
	maxModelName = 128
	// maxEvaluationID bounds an evaluation id in a subscription frame.
	maxEvaluationID = 32
)

// frameProblem is why a websocket frame was refused before inference: the
// id to answer with ("" when none could be read) and a message that never
// quotes the frame's text.
type frameProblem struct {
	id      string
	code    inference.Code
	message string
}

// decodeFrame parses one /ws/infer client frame strictly: valid UTF-8, one
// JSON object, no unknown fields, a usable id and model. The task input
// itself is checked by inference.ParseInput later.
func decodeFrame(data []byte) (clientFrame, *frameProblem) {
	var f clientFrame
	if !utf8.Valid(data) {
		return f, &frameProblem{code: inference.CodeBadRequest, message: "frame is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return clientFrame{}, &frameProblem{id: salvageID(data), code: inference.CodeBadRequest, message: frameJSONProblem(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return clientFrame{}, &frameProblem{id: salvageID(data), code: inference.CodeBadRequest, message: "frame holds more than one JSON value"}
	}
	switch {
	case f.ID == "" || len(f.ID) > maxFrameID:
		return f, &frameProblem{code: inference.CodeBadRequest, message: "id must be a non-empty string of at most 128 bytes"}
	case f.Type != "" && f.Type != frameInfer && f.Type != frameSaliency && f.Type != frameCancel && f.Type != frameEvaluation:
		return f, &frameProblem{id: f.ID, code: inference.CodeBadRequest, message: "type must be infer, saliency, cancel or evaluation"}
	case f.Evaluation != "" && f.Type != frameEvaluation:
		return f, &frameProblem{id: f.ID, code: inference.CodeBadRequest, message: `evaluation belongs to frames of type "evaluation"`}
	case f.Type == frameEvaluation:
		if f.Evaluation == "" || len(f.Evaluation) > maxEvaluationID {
			return f, &frameProblem{id: f.ID, code: inference.CodeBadRequest, message: "evaluation must be an evaluation id (see /api/v1/evaluations)"}
		}
		if f.Model != "" || (f.Input != nil && string(f.Input) != "null") || f.Label != "" {
			return f, &frameProblem{id: f.ID, code: inference.CodeBadRequest, message: "an evaluation frame holds only its id, type and evaluation"}
		}
		return f, nil
	case f.Type == frameCancel && (f.Model != "" || (f.Input != nil && string(f.Input) != "null") || f.Label != ""):
		return f, &frameProblem{id: f.ID, code: inference.CodeBadRequest, message: "a cancel frame holds only its id and type"}
	case f.Type == frameCancel:
		return f, nil
	case f.Label != "" && f.Type != frameSaliency:
		return f, &frameProblem{id: f.ID, code: inference.CodeBadRequest, message: "label belongs to saliency frames"}
	case f.Model == "":
		return f, &frameProblem{id: f.ID, code: inference.CodeBadRequest, message: "model is required"}
	case len(f.Model) > maxModelName:
		return f, &frameProblem{id: f.ID, code: inference.CodeUnknownModel, message: "no model has a name that long"}
	}
	return f, nil
}

// salvageID reads just the id of a frame that failed strict decoding, so the
// client can still match the error to its request.
func salvageID(data []byte) string {
	var probe struct {
		ID string `json:"id"`
	}
	// A Decoder reads the first value only, so trailing data does not hide the id.
	if json.NewDecoder(bytes.NewReader(data)).Decode(&probe) != nil || len(probe.ID) > maxFrameID {
		return ""
	}
	return probe.ID
}

// frameJSONProblem names what is wrong with a frame without echoing values.
func frameJSONProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "frame is not a JSON object: malformed JSON"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "frame is not a JSON object"
		}
		return "frame field " + typ.Field + " has the wrong type"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "frame is empty or cut short"
	}
	msg := err.Error()
	if len(msg) > 100 {
		msg = msg[:100]
	}
	return "frame is not a valid request: " + msg
}
