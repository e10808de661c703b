#!/usr/bin/env python3
"""Prepares everything the tokenizer parity test and benchmark need, and prints a manifest.

Checks that inference/tokenizer/testdata/parity/hard_cases.jsonl matches tools/hard_cases.py,
then runs, each step cached by its own input hash in the build dir (<repo>/.cache/parity):
  1. parity_corpus.py        the sampled corpus (texts and pairs) from <shared>/data
  2. make_gpt2_tokenizer.py  GPT-2's tokenizer.json from encoder.json + merges.txt
  3. train_tokenizers.py     the small trained tokenizers covering the other HF options
and lists those tokenizers with ../shared/tokenizers/*.json and the dashboard's own catalogue
(tokenizers/files/catalogue.json, the files that exist). It then writes one JSON object to stdout:

    {"tokenizers_version": "0.23.3",
     "inputs": {"corpus": ".../corpus.jsonl", "hard_cases": ".../hard_cases.jsonl"},
     "tokenizers": [{"name", "path", "source": "shared"|"gpt2"|"trained"|"catalogue", "model", "family", "features"?}]}

Progress goes to stderr. Run it with the venv's python (steps 2-3 need `tokenizers`):

    .venv/bin/python tools/parity_prepare.py [--shared ../shared] [--build .cache/parity]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import hard_cases  # noqa: E402
import make_gpt2_tokenizer  # noqa: E402
import parity_corpus  # noqa: E402
import tokenizers  # noqa: E402
import train_tokenizers  # noqa: E402


def model_type(model: dict) -> str:
    """The HF model type; older files omit model.type, so the vocabulary's shape tells."""
    if "type" in model:
        return model["type"]
    if "merges" in model:
        return "BPE"
    if isinstance(model.get("vocab"), list):
        return "Unigram"
    if "max_input_chars_per_word" in model:
        return "WordPiece"
    return "WordLevel"


def family(tokenizer_json: dict) -> tuple[str, str]:
    """The model type and the benchmark family of a tokenizer.json."""
    model = model_type(tokenizer_json.get("model", {}))
    if model == "BPE" and '"ByteLevel"' in json.dumps([tokenizer_json.get("pre_tokenizer"), tokenizer_json.get("decoder")]):
        return model, "byte-level BPE"
    return model, model


def describe(path: str, name: str, source: str, features: str | None = None) -> dict:
    with open(path, encoding="utf-8") as f:
        model, fam = family(json.load(f))
    entry = {"name": name, "path": os.path.abspath(path), "source": source, "model": model, "family": fam}
    if features:
        entry["features"] = features
    return entry


def catalogue_entries(files_dir: str) -> list[dict]:
    """The dashboard's own tokenizer catalogue (tokenizers/files/catalogue.json): every file that
    exists. Files under built/ appear only after `go tool task catalogue` has generated them."""
    try:
        with open(os.path.join(files_dir, "catalogue.json"), encoding="utf-8") as f:
            catalogue = json.load(f)
    except FileNotFoundError:
        return []
    entries = []
    for t in catalogue.get("tokenizers", []):
        path = os.path.join(files_dir, t["file"])
        if os.path.exists(path):
            entries.append(describe(path, "catalogue-" + t["name"], "catalogue", t.get("title")))
        else:
            print(f"parity_prepare: catalogue tokenizer {t['name']} not built ({path}); skipped", file=sys.stderr)
    return entries


def main(argv: list[str]) -> int:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLINLM_SHARED", os.path.join(repo, "..", "shared")))
    parser.add_argument("--build", default=os.path.join(repo, ".cache", "parity"))
    args = parser.parse_args(argv)

    corpus = os.path.join(args.build, "corpus.jsonl")
    gpt2 = os.path.join(args.build, "tokenizers", "gpt2.json")
    trained = os.path.join(args.build, "tokenizers", "trained")
    hard = os.path.join(repo, "inference", "tokenizer", "testdata", "parity", "hard_cases.jsonl")

    steps = [
        # The committed JSONL must match its source, tools/hard_cases.py.
        ("hard_cases --check", lambda: hard_cases.main(["--check", "--out", hard])),
        ("parity_corpus", lambda: parity_corpus.main(["--shared", args.shared, "--out", corpus])),
        ("make_gpt2_tokenizer", lambda: make_gpt2_tokenizer.main(["--shared", args.shared, "--out", gpt2])),
        ("train_tokenizers", lambda: train_tokenizers.main(["--corpus", corpus, "--out", trained])),
    ]
    for name, step in steps:
        rc = step()
        if rc != 0:
            print(f"parity_prepare: {name} failed (exit {rc})", file=sys.stderr)
            return rc

    entries = []
    shared_dir = os.path.join(args.shared, "tokenizers")
    for fname in sorted(os.listdir(shared_dir)):
        if fname.endswith(".json"):
            entries.append(describe(os.path.join(shared_dir, fname), fname[: -len(".json")], "shared"))
    entries.append(describe(gpt2, "gpt2", "gpt2"))
    with open(os.path.join(trained, "manifest.json"), encoding="utf-8") as f:
        for t in json.load(f)["tokenizers"]:
            entries.append(describe(os.path.join(trained, t["file"]), "trained-" + t["name"], "trained", t["features"]))
    entries += catalogue_entries(os.path.join(repo, "tokenizers", "files"))

    json.dump({
        "tokenizers_version": tokenizers.__version__,
        "inputs": {"corpus": os.path.abspath(corpus), "hard_cases": hard},
        "tokenizers": entries,
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
