package models

import (
	"bytes"
	"errors"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"math"
	"slices"
	"sort"
	"strings"
)

// FromJSON builds a model from the "model" object of a tokenizer.json.
//
// With a "type" field the model is parsed as that type. Older files have no
// "type"; HF then tries, in order, BPE, WordPiece, WordLevel and Unigram and
// keeps the first whose required fields parse (BPE: vocab and merges;
// WordPiece: unk_token, continuing_subword_prefix, max_input_chars_per_word
// and vocab; WordLevel: unk_token and vocab; Unigram: vocab as a list of
// [piece, score]). FromJSON makes the same choice.
//
// Unlike HF, which ignores fields it does not know, FromJSON rejects them
// (naming the field): an unknown option could change the output, and this
// engine promises HF-identical output.
func FromJSON(raw []byte) (Model, error) {
	fields, err := topFields(raw)
	if err != nil {
		return nil, smallfmt.Errorf("models: model must be a JSON object: %w", err)
	}
	if t, ok := fields["type"]; ok {
		var typ string
		if err := smalljson.Unmarshal(t, &typ); err != nil {
			return nil, smallfmt.Errorf("models: model type must be a string: %w", err)
		}
		p, ok := parsers[typ]
		if !ok {
			return nil, smallfmt.Errorf("models: unsupported model type %q (want BPE, WordPiece, WordLevel or Unigram)", typ)
		}
		if err := checkFields(typ, fields, p.known); err != nil {
			return nil, err
		}
		m, err := p.parse(fields)
		if err != nil {
			return nil, smallfmt.Errorf("models: %s: %w", typ, err)
		}
		return m, nil
	}
	// Legacy file: the first type that parses wins (HF's untagged enum).
	var errs []string
	for _, typ := range legacyOrder {
		p := parsers[typ]
		m, err := p.parse(fields)
		if err != nil {
			errs = append(errs, smallfmt.Sprintf("%s: %v", typ, err))
			continue
		}
		if err := checkFields(typ, fields, p.known); err != nil {
			return nil, smallfmt.Errorf("%w (model without \"type\" read as %s)", err, typ)
		}
		return m, nil
	}
	return nil, smallfmt.Errorf("models: model without \"type\" matches no model type: %s", strings.Join(errs, "; "))
}

type modelParser struct {
	known []string
	parse func(map[string]smalljson.RawMessage) (Model, error)
}

var legacyOrder = []string{"BPE", "WordPiece", "WordLevel", "Unigram"}

var parsers = map[string]modelParser{
	"BPE": {
		known: []string{"type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix",
			"fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges"},
		parse: parseBPE,
	},
	"WordPiece": {
		known: []string{"type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"},
		parse: parseWordPiece,
	},
	"WordLevel": {
		known: []string{"type", "vocab", "unk_token"},
		parse: parseWordLevel,
	},
	"Unigram": {
		known: []string{"type", "unk_id", "vocab", "byte_fallback"},
		parse: parseUnigram,
	},
}

func checkFields(typ string, fields map[string]smalljson.RawMessage, known []string) error {
	var unknown []string
	for k := range fields {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return smallfmt.Errorf("models: %s model has unsupported field(s) %q", typ, unknown)
}

func isNull(raw smalljson.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// optString reads an Option<String>: absent or null → nil.
func optString(fields map[string]smalljson.RawMessage, name string) (*string, error) {
	raw, ok := fields[name]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var s string
	if err := smalljson.Unmarshal(raw, &s); err != nil {
		return nil, smallfmt.Errorf("field %q must be a string or null: %w", name, err)
	}
	return &s, nil
}

// reqString reads a required String (null is an error, as in serde).
func reqString(fields map[string]smalljson.RawMessage, name string) (string, error) {
	raw, ok := fields[name]
	if !ok {
		return "", smallfmt.Errorf("missing field %q", name)
	}
	var s *string
	if err := smalljson.Unmarshal(raw, &s); err != nil || s == nil {
		return "", smallfmt.Errorf("field %q must be a string", name)
	}
	return *s, nil
}

// optBool reads an Option<bool> whose None keeps the default.
func optBool(fields map[string]smalljson.RawMessage, name string, nullOK bool) (bool, error) {
	raw, ok := fields[name]
	if !ok {
		return false, nil
	}
	if isNull(raw) {
		if nullOK {
			return false, nil
		}
		return false, smallfmt.Errorf("field %q must be a boolean, got null", name)
	}
	var b bool
	if err := smalljson.Unmarshal(raw, &b); err != nil {
		return false, smallfmt.Errorf("field %q must be a boolean: %w", name, err)
	}
	return b, nil
}

func reqVocabMap(fields map[string]smalljson.RawMessage) (map[string]uint32, error) {
	raw, ok := fields["vocab"]
	if !ok {
		return nil, errors.New(`missing field "vocab"`)
	}
	return readVocabMap(raw)
}

func parseBPE(fields map[string]smalljson.RawMessage) (Model, error) {
	var cfg BPEConfig
	var err error
	if err = checkTypeTag(fields, "BPE"); err != nil {
		return nil, err
	}
	vocabRaw, hasVocab := fields["vocab"]
	mergesRaw, hasMerges := fields["merges"]
	if !hasVocab || !hasMerges {
		return nil, errors.New("missing vocab/merges")
	}
	if raw, ok := fields["dropout"]; ok && !isNull(raw) {
		lit, ok := numberLiteral(raw)
		if !ok {
			return nil, errors.New(`field "dropout" must be a number or null`)
		}
		f, err := parseSerdeFloat(lit)
		if err != nil {
			return nil, smallfmt.Errorf("field \"dropout\": %w", err)
		}
		d := float32(f)
		cfg.Dropout = &d
	}
	if cfg.UnkToken, err = optString(fields, "unk_token"); err != nil {
		return nil, err
	}
	if cfg.ContinuingSubwordPrefix, err = optString(fields, "continuing_subword_prefix"); err != nil {
		return nil, err
	}
	if cfg.EndOfWordSuffix, err = optString(fields, "end_of_word_suffix"); err != nil {
		return nil, err
	}
	if cfg.FuseUnk, err = optBool(fields, "fuse_unk", true); err != nil {
		return nil, err
	}
	if cfg.ByteFallback, err = optBool(fields, "byte_fallback", true); err != nil {
		return nil, err
	}
	if cfg.IgnoreMerges, err = optBool(fields, "ignore_merges", true); err != nil {
		return nil, err
	}
	vocab, err := readVocabMap(vocabRaw)
	if err != nil {
		return nil, err
	}
	if cfg.Merges, err = readMerges(mergesRaw); err != nil {
		return nil, err
	}
	return newBPE(vocab, cfg)
}

func checkTypeTag(fields map[string]smalljson.RawMessage, want string) error {
	raw, ok := fields["type"]
	if !ok {
		return nil
	}
	var t string
	if err := smalljson.Unmarshal(raw, &t); err != nil || t != want {
		return smallfmt.Errorf("type is %s, want %q", raw, want)
	}
	return nil
}

func parseWordPiece(fields map[string]smalljson.RawMessage) (Model, error) {
	if err := checkTypeTag(fields, "WordPiece"); err != nil {
		return nil, err
	}
	unk, err := reqString(fields, "unk_token")
	if err != nil {
		return nil, err
	}
	prefix, err := reqString(fields, "continuing_subword_prefix")
	if err != nil {
		return nil, err
	}
	rawMax, ok := fields["max_input_chars_per_word"]
	if !ok {
		return nil, errors.New(`missing field "max_input_chars_per_word"`)
	}
	maxChars, err := parseUsize(rawMax)
	if err != nil {
		return nil, smallfmt.Errorf(`field "max_input_chars_per_word": %w`, err)
	}
	vocab, err := reqVocabMap(fields)
	if err != nil {
		return nil, err
	}
	return newWordPiece(vocab, unk, prefix, maxChars), nil
}

// parseUsize reads a JSON unsigned 64-bit integer (HF's usize); values past
// the int range saturate, which changes nothing for the fields read with it.
func parseUsize(raw smalljson.RawMessage) (int, error) {
	var v *uint64
	if err := smalljson.Unmarshal(raw, &v); err != nil || v == nil {
		return 0, smallfmt.Errorf("%s is not an unsigned integer", raw)
	}
	if *v > math.MaxInt {
		return math.MaxInt, nil
	}
	return int(*v), nil
}

func parseWordLevel(fields map[string]smalljson.RawMessage) (Model, error) {
	if err := checkTypeTag(fields, "WordLevel"); err != nil {
		return nil, err
	}
	unk, err := reqString(fields, "unk_token")
	if err != nil {
		return nil, err
	}
	vocab, err := reqVocabMap(fields)
	if err != nil {
		return nil, err
	}
	return newWordLevel(vocab, unk), nil
}

func parseUnigram(fields map[string]smalljson.RawMessage) (Model, error) {
	if err := checkTypeTag(fields, "Unigram"); err != nil {
		return nil, err
	}
	raw, ok := fields["vocab"]
	if !ok {
		return nil, errors.New("missing vocab")
	}
	pieces, err := readUnigramVocab(raw)
	if err != nil {
		return nil, err
	}
	unkID := -1
	if raw, ok := fields["unk_id"]; ok && !isNull(raw) {
		v, err := parseUsize(raw)
		if err != nil {
			return nil, smallfmt.Errorf(`field "unk_id": %w`, err)
		}
		unkID = v
	}
	byteFallback, err := optBool(fields, "byte_fallback", false)
	if err != nil {
		return nil, err
	}
	return NewUnigram(pieces, unkID, byteFallback)
}

var (
	_ Model = (*BPE)(nil)
	_ Model = (*WordPiece)(nil)
	_ Model = (*WordLevel)(nil)
	_ Model = (*Unigram)(nil)
)
