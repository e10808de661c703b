#!/usr/bin/env python3
"""Writes pattern/testdata/regex_cases.json: how HF tokenizers' Oniguruma splits texts.

For each (pattern, text) the expected value is the list of pieces of HF's find_matches (byte
offsets into the UTF-8 text and whether the piece is a match), obtained through
pre_tokenizers.Split with the "isolated" behaviour and invert=False/True, or the error HF raises.

    .venv/bin/python inference/tokenizer/testdata/hfgen/regex_cases.py > inference/tokenizer/pattern/testdata/regex_cases.json
"""

import json
import sys

from tokenizers import Regex, pre_tokenizers

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
          r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
TEXTS = [
    "", "a", "Hello world", "Hello  world  ", "I'm here, they'll see 'Tis", "It'S done'", "  leading",
    "tabs\tand\nnewlines\n\n end\n", "numbers 12345 and 3.14159 and ٣٤٥", "émigré naïve Ünïcödé", "漢字とかな mixed",
    "emoji 😀👍🏽 ok", "a\u00a0b\u2003c\u3000d", "x\r\ny\rz", "multiple   spaces\t\t\ttabs", "!!!???...", " !x", "'",
    "don't won't y'all", "\u0085next line", "A1b2C3", "  \n  ", "end with space ", "αβγ ΔΕΖ",
    "snake_case and kebab-case", "CAPS'RE'VE", "line1\nline2\r\n\r\nline3",
]
PATTERNS = [
    GPT2, LLAMA3, r"\s+", r" ", r"\w+|[^\w\s]+", r"\p{L}+", r"\p{N}", r"[^\s]+", r"(?i)hello", r"(?i:'S|'T)",
    r"\s+(?!\S)", r"(?<=a)b", r"(?<!\s)\s", r"[a-z&&[^aeiou]]+", r"\b\w", r"^\s*|\s*$", r".", r"(?m).",
    r"\p{Lu}\p{Ll}*", r"[[:digit:]]+", r"[[:alpha:]]+", r"[[:alnum:]]+", r"[[:upper:]][[:lower:]]+", r"\d{1,3}",
    r"a{,2}", r"(?>\s+)\S", r"\S+?\s", r"[\u00e0-\u00ff]+", r"\x20+", r"[.!?]+", r"'(?:s|t|re)", r"\p{Han}+",
    r"\p{Greek}+", r"\h+", r"\R", r"(?x) \p{L} + # letters", r"[^\p{L}\p{N}\s]", r"\p{P}+", r"\p{S}",
    r"(a|ab)(c|bcd)", r"x*", r"\Z", r"$", r"\A\s*", r"\p{Zs}", r"[\p{L}\p{M}]+", r"\w+(?=\s)", r"[-+]?\d+",
    r"[]a]", r"[a-]", r"\p{^L}+", r"\P{N}+", r"\u0041", r"\x{1F600}", r"(?i)[a-c]+",
]
BAD = [r"(a)\1", r"\K", r"\X", r"a**", r"(?s).", r"[a", r"(", r"\p{Nope}", r"\g<1>", r"(?<n>a)\k<n>"]


def pieces(pattern, text):
    try:
        iso = pre_tokenizers.Split(Regex(pattern), "isolated").pre_tokenize_str(text)
        rem = pre_tokenizers.Split(Regex(pattern), "removed", invert=True).pre_tokenize_str(text)
    except Exception as err:  # the binding raises plain Exception subclasses
        return {"error": str(err)}
    matched = {tuple(o) for _, o in rem}
    b = text.encode()
    cuts = []
    for _, (s, e) in iso:
        bs, be = len(text[:s].encode()), len(text[:e].encode())
        cuts.append([bs, be, (s, e) in matched])
    return {"pieces": cuts}


def main():
    cases = []
    for p in PATTERNS:
        for t in TEXTS:
            cases.append({"pattern": p, "text": t, **pieces(p, t)})
    for p in BAD:
        cases.append({"pattern": p, "text": "aa", **pieces(p, "aa")})
    json.dump(cases, sys.stdout, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main()
