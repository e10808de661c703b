"""Python side of tools/markvalues: marks vitals and lab values in texts by running the Go command, so
that training scripts and the Python reference pipeline see exactly the text the engine feeds a model
whose manifest says "preprocess": "reference-ranges"."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def mark_values(texts: list[str]) -> list[str]:
    """The texts with each value marked by its state ("Na 124" -> "Na 124 (low sodium: hyponatremia)"), in order."""
    if not texts:
        return []
    lines = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts)
    out = subprocess.run(["go", "run", "./tools/markvalues"], input=lines, capture_output=True, text=True, check=True,
                         cwd=REPO_ROOT).stdout.splitlines()
    if len(out) != len(texts):
        raise RuntimeError(f"markvalues answered {len(out)} lines for {len(texts)} texts")
    return [json.loads(line) for line in out]


def mark_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(premise, hypothesis) pairs with both texts marked, in one run of the Go command."""
    marked = mark_values([t for pair in pairs for t in pair])
    return list(zip(marked[0::2], marked[1::2]))


def mark_nli_examples(manifest: dict, examples: list[dict]) -> list[dict]:
    """NLI examples as a model with this manifest sees them: premise and hypothesis marked when the
    manifest asks for it, unchanged otherwise."""
    if manifest.get("preprocess") != "reference-ranges" or manifest.get("task") != "nli":
        return examples
    marked = mark_pairs([(ex["premise"], ex["hypothesis"]) for ex in examples])
    return [{**ex, "premise": p, "hypothesis": h} for ex, (p, h) in zip(examples, marked)]
