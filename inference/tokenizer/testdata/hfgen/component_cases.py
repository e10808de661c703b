#!/usr/bin/env python3
"""Writes the expected outputs of the unit tests of normalizers, pre-tokenizers and decoders.

Every case is a component as tokenizer.json spells it, an input, and what HF tokenizers returns:
  normalizers/testdata/cases.json     the normalized text and, for each of its characters, the
                                      code point range of the original text it is aligned to
  pretokenizers/testdata/cases.json   the pieces and their code point offsets (pre_tokenize_str)
  decoders/testdata/cases.json        the decoded string, or HF's error

    .venv/bin/python inference/tokenizer/testdata/hfgen/component_cases.py inference/tokenizer
"""

import json
import os
import sys

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

TEXTS = [
    "", "Hello World", "  Leading and trailing  ", "Héllo Wörld ÀÉÎÕÜ", "e\u0301 a\u0323\u0302 \u00e0\u0323 ậ",
    "ﬁ ① ² ½ Å Ω K", "İstanbul ΣΑΣ ǅ ẞ", "tab\there\nnew\r\nline\u00a0nbsp\u3000ideo", "中文字符 and かな カナ 한국어",
    "control\x00\x01\x7f\u200b\u200d\ufffd\ufeffchars", "😀 emoji 👨\u200d👩\u200d👧 flags 🇫🇷", "numbers 12,345.67 ٣٤٥ ⅷ",
    "punct!?... (a) [b] {c} \"q\" 'x' «y» —z– $5 +1 <a>", "don't I'm it's", "\u1100\u1161\u11a8 \uac00 \u3131",
    "  ", "a", "▁already▁metaspace", "x\u0301\u0301\u0301", "Ǖ\u0323 \u0344 \u0f73",
]

NORMALIZERS = [
    {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": False},
    {"type": "BertNormalizer", "clean_text": False, "handle_chinese_chars": False, "strip_accents": True, "lowercase": False},
    {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": False, "strip_accents": False, "lowercase": True},
    {"type": "NFC"}, {"type": "NFD"}, {"type": "NFKC"}, {"type": "NFKD"},
    {"type": "Lowercase"}, {"type": "StripAccents"}, {"type": "Nmt"}, {"type": "ByteLevel"},
    {"type": "Strip", "strip_left": True, "strip_right": True},
    {"type": "Strip", "strip_left": True, "strip_right": False},
    {"type": "Strip", "strip_left": False, "strip_right": True},
    {"type": "Prepend", "prepend": "▁"},
    {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
    {"type": "Replace", "pattern": {"String": "ll"}, "content": "L"},
    {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "},
    {"type": "Replace", "pattern": {"Regex": r"[aeiou]"}, "content": ""},
    {"type": "Replace", "pattern": {"Regex": r"(\p{L})"}, "content": "<>"},
    {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "StripAccents"}, {"type": "Lowercase"}]},
    {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
                                         {"type": "Prepend", "prepend": "▁"}]},
]

PRETOKENIZERS = [
    {"type": "BertPreTokenizer"}, {"type": "Whitespace"}, {"type": "WhitespaceSplit"},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": False},
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True},
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": True},
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False},
    {"type": "Metaspace", "replacement": "_", "add_prefix_space": True, "str_rep": "_"},
    {"type": "CharDelimiterSplit", "delimiter": "a"},
    {"type": "Digits", "individual_digits": True}, {"type": "Digits", "individual_digits": False},
    {"type": "UnicodeScripts"}, {"type": "FixedLength", "length": 3},
    *[{"type": "Punctuation", "behavior": b} for b in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]],
    *[{"type": "Split", "pattern": {"String": " "}, "behavior": b, "invert": False}
      for b in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]],
    {"type": "Split", "pattern": {"Regex": r"\p{L}+"}, "behavior": "Isolated", "invert": True},
    {"type": "Split", "pattern": {"Regex": r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"},
     "behavior": "Isolated", "invert": False},
    {"type": "Split", "pattern": {"String": ""}, "behavior": "Isolated", "invert": False},
    {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                                           {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}]},
    {"type": "Sequence", "pretokenizers": [{"type": "Punctuation", "behavior": "Isolated"}, {"type": "Digits", "individual_digits": True}]},
]

DECODER_CASES = [
    ({"type": "WordPiece", "prefix": "##", "cleanup": True}, ["hello", "##world", ",", "how", "are", "you", "?", "i", "'", "m", "do", "n't", "do", "not"]),
    ({"type": "WordPiece", "prefix": "##", "cleanup": False}, ["un", "##believ", "##able", "!", "##"]),
    ({"type": "WordPiece", "prefix": "##", "cleanup": True}, []),
    ({"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}, ["Hello", "Ġworld", "Ġ", "ð", "Ł", "ĺ", "Ģ", " <mask>"]),
    ({"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}, ["Ã", "Ġx", "âĢ", "ð", "Ł"]),
    ({"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}, ["ð", "Ł", "x", "í", "ł", "Ģ", "ÿ", "ý"]),
    ({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}, ["▁Hello", "▁world", "▁▁x", "y▁"]),
    ({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": True}, ["▁Hello", "▁world"]),
    ({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True}, ["a▁b", "▁c"]),
    ({"type": "BPEDecoder", "suffix": "</w>"}, ["hel", "lo</w>", "wor", "ld</w>"]),
    ({"type": "BPEDecoder", "suffix": "</w>"}, []),
    ({"type": "ByteFallback"}, ["<0x61>", "b", "<0xE2>", "<0x82>", "<0xAC>", "<0xE2>", "<0x82>", "c", "<0xZZ>", "<0x6>"]),
    ({"type": "Fuse"}, ["a", "b", " c"]),
    ({"type": "Strip", "content": "▁", "start": 1, "stop": 1}, ["▁a▁", "▁▁b", "c"]),
    ({"type": "Strip", "content": " ", "start": 2, "stop": 0}, ["  x", " y "]),
    ({"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, ["▁Hello", "▁world▁"]),
    ({"type": "Replace", "pattern": {"Regex": "[0-9]+"}, "content": "#"}, ["a12b", "345"]),
    ({"type": "CTC", "pad_token": "<pad>", "word_delimiter_token": "|", "cleanup": True},
     ["<pad>", "h", "h", "e", "<pad>", "l", "l", "<pad>", "l", "o", "|", "|", "w", "o", "r", "l", "d", "<pad>"]),
    ({"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                      {"type": "ByteFallback"}, {"type": "Fuse"},
                                      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
     ["▁Hello", "<0xE2>", "<0x82>", "<0xAC>", "▁world"]),
]


def alignments(normalizer_json, text):
    """The normalized text and, per normalized character, its original code point range."""
    tok = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Normalizer.custom if False else None
    spec = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
            "normalizer": normalizer_json,
            "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?m)."}, "behavior": "Isolated", "invert": False},
            "post_processor": None, "decoder": None,
            "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}
    tok = Tokenizer.from_str(json.dumps(spec))
    enc = tok.encode(text, add_special_tokens=False)
    return tok.normalizer.normalize_str(text), [list(o) for o in enc.offsets]


def main(root):
    norm_cases = []
    for n in NORMALIZERS:
        for t in TEXTS:
            normed, offs = alignments(n, t)
            norm_cases.append({"normalizer": n, "text": t, "normalized": normed, "offsets": offs})
    write(root, "normalizers", norm_cases)

    pre_cases = []
    for p in PRETOKENIZERS:
        pt = pre_tokenizers.PreTokenizer.custom if False else None
        spec = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
                "pre_tokenizer": p, "post_processor": None, "decoder": None,
                "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}
        pt = Tokenizer.from_str(json.dumps(spec)).pre_tokenizer
        for t in TEXTS:
            pieces = pt.pre_tokenize_str(t)
            pre_cases.append({"pre_tokenizer": p, "text": t, "pieces": [[s, list(o)] for s, o in pieces]})
    write(root, "pretokenizers", pre_cases)

    dec_cases = []
    for d, tokens in DECODER_CASES:
        spec = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
                "pre_tokenizer": None, "post_processor": None, "decoder": d,
                "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}
        dec = Tokenizer.from_str(json.dumps(spec)).decoder
        try:
            dec_cases.append({"decoder": d, "tokens": tokens, "decoded": dec.decode(tokens)})
        except BaseException as err:  # Rust panics surface as pyo3 PanicException
            dec_cases.append({"decoder": d, "tokens": tokens, "error": str(err)})
    write(root, "decoders", dec_cases)


def write(root, pkg, cases):
    path = os.path.join(root, pkg, "testdata", "cases.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n")
    print(f"{path}: {len(cases)} cases")


if __name__ == "__main__":
    main(sys.argv[1])
