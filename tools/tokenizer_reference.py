#!/usr/bin/env python3
"""Reference implementation of the `clinlm tokenize` JSON-lines contract, using HF `tokenizers`.

Reads JSON lines {"id", "text", "pair"?} from stdin (or --input) and writes one JSON line per
input, in order:

    {"id", "ids", "tokens", "offsets", "type_ids", "special_tokens_mask", "decoded"}

exactly as the Go engine's RunJSONLines must: special tokens added, offsets [start, end) in code
points of the original text (of `pair` for the pair's tokens, as the Python binding's
Encoding.offsets reports them), decoded = decode(ids, skip_special_tokens=True). Truncation and
padding configured in tokenizer.json apply, as they do for Tokenizer.encode in Python. A line
that cannot be parsed or encoded yields {"id", "error"} and the run goes on. Blank lines are
skipped. A "pair" key that is present (even "") makes the input a pair.

    .venv/bin/python tools/tokenizer_reference.py --tokenizer t.json < in.jsonl > out.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

from tokenizers import Tokenizer


def encode_line(tok: Tokenizer, line: str) -> dict:
    try:
        req = json.loads(line)
    except json.JSONDecodeError as err:
        return {"id": None, "error": f"invalid JSON: {err}"}
    if not isinstance(req, dict):
        return {"id": None, "error": "input line is not a JSON object"}
    rid = req.get("id")
    text, pair = req.get("text"), req.get("pair")
    if not isinstance(text, str):
        return {"id": rid, "error": "field \"text\" must be a string"}
    if pair is not None and not isinstance(pair, str):
        return {"id": rid, "error": "field \"pair\" must be a string"}
    try:
        enc = tok.encode(text, pair, add_special_tokens=True)
        decoded = tok.decode(enc.ids, skip_special_tokens=True)
    except Exception as err:  # the binding raises plain Exception subclasses
        return {"id": rid, "error": str(err)}
    return {
        "id": rid,
        "ids": enc.ids,
        "tokens": enc.tokens,
        "offsets": [list(o) for o in enc.offsets],
        "type_ids": enc.type_ids,
        "special_tokens_mask": enc.special_tokens_mask,
        "decoded": decoded,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokenizer", required=True, help="path to a tokenizer.json")
    parser.add_argument("--input", help="JSON-lines input (default: stdin)")
    parser.add_argument("--output", help="JSON-lines output (default: stdout)")
    args = parser.parse_args(argv)

    tok = Tokenizer.from_file(args.tokenizer)
    # JSON lines are UTF-8 whatever the locale says.
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    src = open(args.input, encoding="utf-8") if args.input else sys.stdin
    dst = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        for line in src:
            if not line.strip():
                continue
            dst.write(json.dumps(encode_line(tok, line), ensure_ascii=False, separators=(",", ":")) + "\n")
    finally:
        if args.input:
            src.close()
        if args.output:
            dst.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
