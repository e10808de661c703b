#!/usr/bin/env python3
"""Writes the end-to-end cases of the tokenizer package (testdata/e2e/).

Small tokenizer.json files that combine added-token options (special or not, single_word,
lstrip, rstrip, normalized), every post-processor, truncation and padding settings, and for each
a list of inputs with everything HF tokenizers 0.23.3 returns: ids, tokens, offsets, type ids,
masks, word and sequence ids, overflowing windows, and decode with and without special tokens.

    .venv/bin/python inference/tokenizer/testdata/hfgen/e2e_cases.py inference/tokenizer/testdata/e2e
"""

import json
import os
import sys

from tokenizers import Tokenizer

TEXTS = [
    "Hello world, this is a test.",
    "The [DAY] was long; <ent> entity <ent>s and X<ent>",
    "  spaces   and [DAY]   marks  ",
    "Ünïcödé café naïve 漢字 😀",
    "mask <mask> here and<mask>there",
    "",
    "a",
    "one two three four five six seven eight nine ten eleven twelve",
]
PAIRS = [
    ("Is this a question?", "This is the answer, with more words than the question has."),
    ("short", "one two three four five six seven eight nine ten"),
    ("one two three four five six seven eight nine ten", "x"),
    ("", "empty first"),
]
OPTIONS = [
    {"max_length": 8, "stride": 0, "strategy": "longest_first", "direction": "right"},
    {"max_length": 9, "stride": 3, "strategy": "longest_first", "direction": "right"},
    {"max_length": 10, "stride": 2, "strategy": "only_first", "direction": "right"},
    {"max_length": 10, "stride": 1, "strategy": "only_second", "direction": "right"},
    {"max_length": 7, "stride": 2, "strategy": "longest_first", "direction": "left"},
]

SPECIALS = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "<s>", "</s>", "<pad>", "<mask>"]


def added(content, special, **kw):
    t = {"id": 0, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": not special, "special": special}
    t.update(kw)
    return t


def words_vocab(pre_tokenizer_json, normalizer_json, extra):
    """A WordLevel vocabulary holding every pre-token of the test texts."""
    spec = base_spec({"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"})
    spec["pre_tokenizer"] = pre_tokenizer_json
    spec["normalizer"] = normalizer_json
    tok = Tokenizer.from_str(json.dumps(spec))
    vocab = {}
    for tok_str in SPECIALS + extra:
        vocab.setdefault(tok_str, len(vocab))
    texts = TEXTS + [t for p in PAIRS for t in p]
    for t in texts:
        normed = tok.normalizer.normalize_str(t) if tok.normalizer else t
        for piece, _ in (tok.pre_tokenizer.pre_tokenize_str(normed) if tok.pre_tokenizer else [(normed, None)]):
            vocab.setdefault(piece, len(vocab))
    # Leave some words out so that [UNK] shows up too.
    for w in ["eleven", "Ġeleven", "▁eleven"]:
        vocab.pop(w, None)
    return {k: i for i, k in enumerate(vocab)}


def base_spec(model):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
            "pre_tokenizer": None, "post_processor": None, "decoder": None, "model": model}


def configs():
    out = {}

    # BERT-like: added tokens with every option.
    norm = {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True}
    pre = {"type": "BertPreTokenizer"}
    spec = base_spec({"type": "WordLevel", "vocab": words_vocab(pre, norm, []), "unk_token": "[UNK]"})
    spec.update(normalizer=norm, pre_tokenizer=pre,
                post_processor={"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
                decoder={"type": "WordPiece", "prefix": "##", "cleanup": True})
    spec["added_tokens"] = [added(s, True) for s in ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]] + [
        added("[DAY]", True, lstrip=True, rstrip=True),
        added("<ent>", False, single_word=True),
        added("Café", False, normalized=True),
    ]
    out["bert-added"] = spec

    # RoBERTa-like: byte-level, lstrip <mask>, Roberta post-processor with offset trimming.
    pre = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
    spec = base_spec({"type": "WordLevel", "vocab": words_vocab(pre, None, []), "unk_token": "[UNK]"})
    spec.update(pre_tokenizer=pre,
                post_processor={"type": "RobertaProcessing", "sep": ["</s>", 6], "cls": ["<s>", 5],
                                "trim_offsets": True, "add_prefix_space": True},
                decoder={"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True})
    spec["added_tokens"] = [added(s, True) for s in ["<s>", "</s>", "<pad>", "[UNK]"]] + [
        added("<mask>", True, lstrip=True), added("[DAY]", False, rstrip=True, normalized=False)]
    out["roberta-bytelevel"] = spec

    # Template with multi-token specials and type ids, Metaspace, Lowercase normalizer; file
    # truncation (left, with stride) and padding to a multiple.
    norm = {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]}
    pre = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    spec = base_spec({"type": "WordLevel", "vocab": words_vocab(pre, norm, ["<cls>", "<sep>", "<sep2>"]), "unk_token": "[UNK]"})
    vocab = spec["model"]["vocab"]
    spec.update(normalizer=norm, pre_tokenizer=pre,
                post_processor={"type": "TemplateProcessing",
                                "single": [{"SpecialToken": {"id": "<cls>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                           {"SpecialToken": {"id": "<sep>", "type_id": 0}}],
                                "pair": [{"SpecialToken": {"id": "<cls>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                         {"SpecialToken": {"id": "<sep>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                                         {"SpecialToken": {"id": "<sep>", "type_id": 1}}],
                                "special_tokens": {
                                    "<cls>": {"id": "<cls>", "ids": [vocab["<cls>"]], "tokens": ["<cls>"]},
                                    "<sep>": {"id": "<sep>", "ids": [vocab["<sep>"], vocab["<sep2>"]], "tokens": ["<sep>", "<sep2>"]}}},
                decoder={"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
                truncation={"direction": "Left", "max_length": 12, "strategy": "LongestFirst", "stride": 2},
                padding={"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": 8, "pad_id": 3,
                         "pad_type_id": 0, "pad_token": "[PAD]"})
    spec["added_tokens"] = [added(s, True) for s in ["<cls>", "<sep>", "<sep2>", "[PAD]", "[UNK]"]] + [
        added("[DAY]", False, normalized=True), added("<ENT>", True, normalized=True)]
    out["template-metaspace"] = spec

    # No post-processor, fixed left padding, Sequence post-processor elsewhere.
    pre = {"type": "Whitespace"}
    spec = base_spec({"type": "WordLevel", "vocab": words_vocab(pre, None, []), "unk_token": "[UNK]"})
    spec.update(pre_tokenizer=pre,
                padding={"strategy": {"Fixed": 16}, "direction": "Left", "pad_to_multiple_of": None, "pad_id": 3,
                         "pad_type_id": 1, "pad_token": "[PAD]"})
    spec["added_tokens"] = [added("[PAD]", True), added("[UNK]", True), added("and", False)]
    out["plain-padleft"] = spec

    pre = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    spec = base_spec({"type": "WordLevel", "vocab": words_vocab(pre, None, ["<|end|>"]), "unk_token": "[UNK]"})
    vocab = spec["model"]["vocab"]
    spec.update(pre_tokenizer=pre,
                post_processor={"type": "Sequence", "processors": [
                    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
                    {"type": "TemplateProcessing",
                     "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|end|>", "type_id": 0}}],
                     "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|end|>", "type_id": 0}},
                              {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "<|end|>", "type_id": 1}}],
                     "special_tokens": {"<|end|>": {"id": "<|end|>", "ids": [vocab["<|end|>"]], "tokens": ["<|end|>"]}}}]},
                decoder={"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True})
    spec["added_tokens"] = [added("<|end|>", True), added("[UNK]", True)]
    out["bytelevel-sequence"] = spec
    return out


def encoding_json(e):
    return {"ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets], "type_ids": e.type_ids,
            "special_tokens_mask": e.special_tokens_mask, "attention_mask": e.attention_mask,
            "word_ids": [-1 if w is None else w for w in e.word_ids],
            "sequence_ids": [-1 if s is None else s for s in e.sequence_ids],
            "overflowing": [encoding_json(o) for o in e.overflowing]}


def run(tok, text, pair, add_special, options):
    try:
        if options:
            tok.enable_truncation(options["max_length"], stride=options["stride"], strategy=options["strategy"],
                                  direction=options["direction"])
        e = tok.encode(text, pair, add_special_tokens=add_special)
        return {**encoding_json(e), "decoded": tok.decode(e.ids, skip_special_tokens=True),
                "decoded_with_special": tok.decode(e.ids, skip_special_tokens=False)}
    except BaseException as err:  # Rust panics surface as pyo3 PanicException
        return {"error": str(err)}


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    cases = []
    for name, spec in configs().items():
        path = os.path.join(out_dir, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False, indent=1)
        inputs = [(t, None) for t in TEXTS] + PAIRS
        for text, pair in inputs:
            for add_special in (True, False):
                tok = Tokenizer.from_file(path)
                cases.append({"tokenizer": name, "text": text, "pair": pair, "add_special_tokens": add_special,
                              "options": None, **run(tok, text, pair, add_special, None)})
            for opt in OPTIONS:
                tok = Tokenizer.from_file(path)
                cases.append({"tokenizer": name, "text": text, "pair": pair, "add_special_tokens": True,
                              "options": opt, **run(tok, text, pair, True, opt)})
    with open(os.path.join(out_dir, "cases.json"), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n")
    print(len(cases), "cases")


if __name__ == "__main__":
    main(sys.argv[1])
