#!/usr/bin/env python3
"""Builds a GPT-2 tokenizer.json from the original encoder.json + merges.txt with HF `tokenizers`.

The shared data holds GPT-2's vocabulary in OpenAI's original two-file form. This assembles the
same pipeline Hugging Face publishes for GPT-2: byte-level BPE, ByteLevel pre-tokenizer without
a prefix space, ByteLevel decoder and post-processor, and <|endoftext|> as a special added
token. The output goes to the build dir (it is derived from shared data, so never committed).

    .venv/bin/python tools/make_gpt2_tokenizer.py --shared ../shared --out .cache/parity/tokenizers/gpt2.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import tokenizers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import buildcache  # noqa: E402

END_OF_TEXT = "<|endoftext|>"


def read_merges(path: str) -> list[tuple[str, str]]:
    merges = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#version"):
                continue
            left, right = line.split(" ")
            merges.append((left, right))
    return merges


def build(encoder_path: str, merges_path: str) -> Tokenizer:
    with open(encoder_path, encoding="utf-8") as f:
        vocab = json.load(f)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=read_merges(merges_path)))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    # GPT-2 adds no special tokens around a sequence; the post-processor only maps offsets.
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([AddedToken(END_OF_TEXT, special=True, normalized=True)])
    return tok


def main(argv: list[str]) -> int:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLINLM_SHARED", os.path.join(repo, "..", "shared")))
    parser.add_argument("--out", default=os.path.join(repo, ".cache", "parity", "tokenizers", "gpt2.json"))
    args = parser.parse_args(argv)

    src = os.path.join(args.shared, "tokenizers", "gpt2")
    encoder, merges = os.path.join(src, "encoder.json"), os.path.join(src, "merges.txt")
    for path in (encoder, merges):
        if not os.path.exists(path):
            print(f"make_gpt2_tokenizer: {path} not found", file=sys.stderr)
            return 2
    want = buildcache.digest(
        buildcache.file_bytes(__file__),
        buildcache.file_bytes(encoder),
        buildcache.file_bytes(merges),
        tokenizers.__version__,
    )
    if buildcache.current(args.out, want):
        print(f"make_gpt2_tokenizer: {args.out} up to date", file=sys.stderr)
        return 0
    tok = build(encoder, merges)
    if tok.token_to_id(END_OF_TEXT) != 50256:
        print(f"make_gpt2_tokenizer: {END_OF_TEXT} got id {tok.token_to_id(END_OF_TEXT)}, want 50256", file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tok.save(args.out)
    buildcache.stamp(args.out, want)
    print(f"make_gpt2_tokenizer: wrote {args.out} (vocab {tok.get_vocab_size()})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
