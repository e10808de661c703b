#!/usr/bin/env python3
"""Dumps, for every Unicode scalar value, the character classes that HF `tokenizers` uses.

The Go engine reproduces these classes from Go's unicode tables plus small exception lists
(tables.go beside this directory). HF takes its Unicode data from several places of different
ages (Rust's std, unicode_categories, unicode-normalization-alignments, Oniguruma), so the only
reliable source is the library itself: this script asks it, character by character.

    .venv/bin/python inference/tokenizer/internal/runeclass/mktables/dump_hf.py > /tmp/hf_classes.json
    go run inference/tokenizer/internal/runeclass/mktables/main.go -in /tmp/hf_classes.json \
        > inference/tokenizer/internal/runeclass/tables.go

It takes a few minutes (tens of millions of tiny calls into the library).
"""

import json
import sys

import tokenizers
from tokenizers import Regex, normalizers, pre_tokenizers

CATEGORIES = ["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
              "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
              "Z", "Zs", "Zl", "Zp", "Cc", "Cf", "Co"]


def scalars():
    for cp in range(0x110000):
        if not 0xD800 <= cp <= 0xDFFF:
            yield cp, chr(cp)


def main() -> None:
    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    strip_bert = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    nfd = normalizers.NFD()
    nfkd = normalizers.NFKD()
    nfc = normalizers.NFC()
    lower = normalizers.Lowercase()
    strip_acc = normalizers.StripAccents()
    bert_pt = pre_tokenizers.BertPreTokenizer()
    ws = pre_tokenizers.Whitespace()
    digits = pre_tokenizers.Digits(individual_digits=True)
    onig = {name: pre_tokenizers.Split(Regex(rf"\p{{{name}}}"), "removed") for name in CATEGORIES}
    onig.update({name: pre_tokenizers.Split(Regex(name), "removed") for name in [r"\s", r"\w", r"\d"]})

    sets: dict[str, list[int]] = {k: [] for k in ["other", "bert_punct", "numeric", "combining_mark", "nonspacing_mark", "regex_word", *onig]}
    lower_map: dict[int, str] = {}
    decomp: dict[str, dict[int, str]] = {"nfd": {}, "nfkd": {}}
    for cp, c in scalars():
        if clean.normalize_str("a" + c + "a") == "aa" and cp not in (0, 0xFFFD):
            sets["other"].append(cp)
        if len(bert_pt.pre_tokenize_str("a" + c + "a")) == 3:
            sets["bert_punct"].append(cp)
        if len(digits.pre_tokenize_str("a" + c + "a")) == 3:
            sets["numeric"].append(cp)
        if strip_acc.normalize_str("a" + c) == "a":
            sets["combining_mark"].append(cp)
        d = nfd.normalize_str(c)
        if d != c:
            decomp["nfd"][cp] = d
        elif strip_bert.normalize_str("a" + c) == "a":
            sets["nonspacing_mark"].append(cp)
        kd = nfkd.normalize_str(c)
        if kd != c:
            decomp["nfkd"][cp] = kd
        if ws.pre_tokenize_str("a" + c) == [("a" + c, (0, 2))]:
            sets["regex_word"].append(cp)
        low = lower.normalize_str(c)
        if low != c:
            lower_map[cp] = low
        for name, pt in onig.items():
            if pt.pre_tokenize_str(c) == []:
                sets[name].append(cp)
    # Canonical combining class, as far as reordering reveals it: a character that HF moves
    # before U+0301 (class 230) or after U+0301 or U+0334 (class 1) has a non-zero class.
    ccc_nonzero = []
    for cp, c in scalars():
        if cp < 0x300 or cp in decomp["nfd"]:
            continue
        moved = any(nfd.normalize_str(p) != p for p in ("a\u0301" + c, "a" + c + "\u0301", "a" + c + "\u0334"))
        if moved:
            ccc_nonzero.append(cp)
    json.dump({"tokenizers": tokenizers.__version__, "sets": sets, "lower": lower_map,
               "decompositions": decomp, "ccc_nonzero": ccc_nonzero,
               "nfc_pairs": nfc_pairs(nfc, decomp["nfd"])}, sys.stdout)


def nfc_pairs(nfc, nfd_map):
    """Primary composites HF's NFC knows: characters it decomposes and composes back."""
    out = []
    for cp, d in nfd_map.items():
        if nfc.normalize_str(d) == chr(cp):
            out.append(cp)
    return out


if __name__ == "__main__":
    main()
