#!/usr/bin/env python3
"""HF `tokenizers` side of the tokenizer benchmark; prints one JSON result like tokbench (main.go).

Single-threaded on purpose: mode "encode" calls Tokenizer.encode once per text (one call never
uses more than one thread); mode "batch" calls encode_batch over all texts with rayon limited
to one thread (RAYON_NUM_THREADS=1, set before `tokenizers` is imported; the run fails if the
caller set another value). Every "text" and "pair" string of the corpus is one input, encoded
with special tokens; one warm-up pass, then passes until --min-time seconds have elapsed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

if os.environ.setdefault("RAYON_NUM_THREADS", "1") != "1":
    sys.exit("hf_bench: RAYON_NUM_THREADS must be 1 (single-threaded comparison)")
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import tokenizers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402


def read_texts(path: str) -> list[str]:
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            texts.append(rec["text"])
            if rec.get("pair") is not None:
                texts.append(rec["pair"])
    return texts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--mode", choices=("encode", "batch"), default="encode")
    parser.add_argument("--min-time", type=float, default=3.0)
    args = parser.parse_args(argv)

    texts = read_texts(args.corpus)
    tok = Tokenizer.from_file(args.tokenizer)
    # Padding would make batch mode pad every text to the longest; neither side pads here.
    tok.no_padding()
    size = sum(len(t.encode("utf-8")) for t in texts)

    if args.mode == "encode":
        def one_pass() -> int:
            return sum(len(tok.encode(t).ids) for t in texts)
    else:
        def one_pass() -> int:
            return sum(len(e.ids) for e in tok.encode_batch(texts))

    tokens = one_pass()  # warm-up; also the token count
    passes, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while passes == 0 or time.perf_counter() - start < args.min_time:
        one_pass()
        passes += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start

    json.dump({
        "impl": f"hf-{args.mode}",
        "tokenizer": args.tokenizer,
        "texts": len(texts),
        "bytes": size,
        "tokens": tokens,
        "passes": passes,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "mb_per_s": size * passes / elapsed / 1e6,
        "cpu_mb_per_s": size * passes / cpu / 1e6,
        "tokens_per_s": tokens * passes / elapsed,
        "us_per_text": elapsed * 1e6 / (passes * len(texts)),
        "tokenizers_version": tokenizers.__version__,
        "python_version": sys.version.split()[0],
    }, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
