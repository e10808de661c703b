// The JSON-lines contract is the CLI's (clinlm tokenize); the WebAssembly
// build leaves it out, and with it encoding/json (see internal/smalljson).

//go:build !(js && wasm)

package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// jsonlResult is one output line; the field order is the contract's.
type jsonlResult struct {
	ID                json.RawMessage `json:"id"`
	IDs               []int32         `json:"ids"`
	Tokens            []string        `json:"tokens"`
	Offsets           [][2]int32      `json:"offsets"`
	TypeIDs           []int32         `json:"type_ids"`
	SpecialTokensMask []int32         `json:"special_tokens_mask"`
	Decoded           string          `json:"decoded"`
}

type jsonlError struct {
	ID    json.RawMessage `json:"id"`
	Error string          `json:"error"`
}

var jsonNull = json.RawMessage("null")

// RunJSONLines is the contract of `clinlm tokenize`: it reads JSON lines
// {"id": ..., "text": "...", "pair": "..."} (pair optional; present and not
// null makes a pair) and writes one JSON line per input, in order:
// {"id", "ids", "tokens", "offsets", "type_ids", "special_tokens_mask",
// "decoded"}, with special tokens added, offsets [start, end) in code points
// of the original text (of the pair for the pair's tokens) and decoded =
// Decode(ids, true). A line that cannot be used (bad JSON, invalid UTF-8, a
// missing or non-string text) yields {"id", "error"} and the run goes on.
// Blank lines are skipped. Only I/O errors stop the run.
func RunJSONLines(t *Tokenizer, r io.Reader, w io.Writer) error {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		if in.Buffered() == 0 {
			// About to block on input: let what is done so far out.
			if err := out.Flush(); err != nil {
				return err
			}
		}
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if werr := enc.Encode(handleLine(t, line)); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	return out.Flush()
}

func handleLine(t *Tokenizer, line []byte) any {
	// A map, not a struct: encoding/json matches struct fields without
	// regard to case, and "TEXT" is not "text".
	var req map[string]json.RawMessage
	if err := json.Unmarshal(line, &req); err != nil {
		var obj any
		if json.Unmarshal(line, &obj) == nil {
			return jsonlError{ID: jsonNull, Error: "input line is not a JSON object"}
		}
		return jsonlError{ID: jsonNull, Error: "invalid JSON: " + err.Error()}
	}
	if req == nil {
		return jsonlError{ID: jsonNull, Error: "input line is not a JSON object"}
	}
	id := req["id"]
	if len(id) == 0 {
		id = jsonNull
	}
	if !utf8.Valid(line) {
		return jsonlError{ID: id, Error: "input line is not valid UTF-8"}
	}
	text, ok, err := jsonString(req["text"])
	if err != nil {
		return jsonlError{ID: id, Error: "field \"text\": " + err.Error()}
	}
	if !ok {
		return jsonlError{ID: id, Error: "field \"text\" must be a string"}
	}
	var pair *string
	if rawPair := bytes.TrimSpace(req["pair"]); len(rawPair) > 0 && !bytes.Equal(rawPair, jsonNull) {
		p, ok, err := jsonString(rawPair)
		if err != nil {
			return jsonlError{ID: id, Error: "field \"pair\": " + err.Error()}
		}
		if !ok {
			return jsonlError{ID: id, Error: "field \"pair\" must be a string"}
		}
		pair = &p
	}
	e, err := t.EncodeWithOptions(text, pair, EncodeOptions{AddSpecialTokens: true})
	if err != nil {
		return jsonlError{ID: id, Error: err.Error()}
	}
	decoded, err := t.Decode(e.IDs, true)
	if err != nil {
		return jsonlError{ID: id, Error: err.Error()}
	}
	return jsonlResult{
		ID:                id,
		IDs:               nonNil(e.IDs),
		Tokens:            nonNil(e.Tokens),
		Offsets:           nonNil(e.Offsets),
		TypeIDs:           nonNil(e.TypeIDs),
		SpecialTokensMask: nonNil(e.SpecialTokensMask),
		Decoded:           decoded,
	}
}

// jsonString decodes a raw JSON value that must be a string. ok is false for
// other JSON types. Unlike encoding/json it rejects escaped lone surrogates
// (\ud800 alone), which cannot be text: Python accepts them into a str that
// HF then refuses to encode.
func jsonString(raw json.RawMessage) (s string, ok bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false, nil
	}
	if err := checkSurrogates(raw); err != nil {
		return "", true, err
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, err
	}
	return s, true, nil
}

// checkSurrogates reports an escaped UTF-16 surrogate in a JSON string
// literal that is not part of a high-low pair.
func checkSurrogates(lit []byte) error {
	pendingHigh := false
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			if pendingHigh {
				return errors.New("unpaired surrogate escape")
			}
			continue
		}
		if i+1 >= len(lit) {
			break
		}
		if lit[i+1] != 'u' {
			if pendingHigh {
				return errors.New("unpaired surrogate escape")
			}
			i++ // skip the escaped character
			continue
		}
		if i+6 > len(lit) {
			break
		}
		v, err := strconv.ParseUint(string(lit[i+2:i+6]), 16, 16)
		if err != nil {
			break // encoding/json reports the syntax error
		}
		switch {
		case v >= 0xD800 && v <= 0xDBFF:
			if pendingHigh {
				return errors.New("unpaired surrogate escape")
			}
			pendingHigh = true
		case v >= 0xDC00 && v <= 0xDFFF:
			if !pendingHigh {
				return errors.New("unpaired surrogate escape")
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return errors.New("unpaired surrogate escape")
			}
		}
		i += 5
	}
	if pendingHigh {
		return errors.New("unpaired surrogate escape")
	}
	return nil
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
