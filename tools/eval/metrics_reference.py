"""Reference metrics for the parity test of clinlm's Go evaluation (inference/eval).

Reads one JSON object on stdin:
  {"squad": [{"prediction": str, "golds": [str, ...]}, ...],
   "classification": [{"labels": int, "gold": [[0/1, ...], ...], "pred": [[0/1, ...], ...],
                       "zero_division": 0 or 1}, ...]}
and writes the scores as JSON on stdout:
  squad: per case the normalised prediction, and for each script version ("1.1", "2.0") exact and
         f1; "totals" per version over all cases (exact, f1, total, HasAns_*, NoAns_*, in percent).
  classification: per case sklearn's per-label precision/recall/f1/support, micro and macro
         averages, and accuracy_score (subset accuracy for multi-label data).

The SQuAD functions restate the official evaluation scripts (v1.1 and v2.0) in our own words;
the classification scores come from scikit-learn itself. Runs in <repo>/.venv-models after
`bash tools/eval/setup.sh`.
"""

import collections
import json
import re
import string
import sys
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

PUNCTUATION = frozenset(string.punctuation)
ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize(text: str) -> str:
    """Lower-case, drop punctuation, turn articles into spaces, collapse whitespace (in that order)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in PUNCTUATION)
    text = ARTICLES.sub(" ", text)
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    return normalize(text).split() if text else []


def exact(pred: str, gold: str) -> int:
    return int(normalize(pred) == normalize(gold))


def f1_v1(pred: str, gold: str) -> float:
    p, g = normalize(pred).split(), normalize(gold).split()
    overlap = sum((collections.Counter(p) & collections.Counter(g)).values())
    if overlap == 0:
        return 0
    precision = 1.0 * overlap / len(p)
    recall = 1.0 * overlap / len(g)
    return (2 * precision * recall) / (precision + recall)


def f1_v2(pred: str, gold: str) -> float:
    p, g = tokens(pred), tokens(gold)
    if not p or not g:
        return int(p == g)
    overlap = sum((collections.Counter(p) & collections.Counter(g)).values())
    if overlap == 0:
        return 0
    precision = 1.0 * overlap / len(p)
    recall = 1.0 * overlap / len(g)
    return (2 * precision * recall) / (precision + recall)


def score_v1(pred: str, golds: list[str]):
    # v1.1 takes max over the gold answers as given (an empty list cannot occur there).
    if not golds:
        return 0, 0
    return max(exact(pred, g) for g in golds), max(f1_v1(pred, g) for g in golds)


def score_v2(pred: str, golds: list[str]):
    kept = [g for g in golds if normalize(g)]
    if not kept:
        kept = [""]
    return max(exact(pred, g) for g in kept), max(f1_v2(pred, g) for g in kept)


def totals(scores, has_answer):
    def pct(rows):
        n = len(rows)
        return (100.0 * sum(e for e, _ in rows) / n, 100.0 * sum(f for _, f in rows) / n, n) if n else (0.0, 0.0, 0)

    out = {}
    for key, rows in (("", scores), ("HasAns_", [s for s, h in zip(scores, has_answer) if h]),
                      ("NoAns_", [s for s, h in zip(scores, has_answer) if not h])):
        e, f, n = pct(rows)
        out[key + "exact"], out[key + "f1"], out[key + "total"] = e, f, n
    return out


def squad(cases):
    per_case, v1, v2, has = [], [], [], []
    for c in cases:
        pred, golds = c["prediction"], c["golds"]
        e1, f1 = score_v1(pred, golds)
        e2, f2 = score_v2(pred, golds)
        v1.append((e1, f1))
        v2.append((e2, f2))
        has.append(any(normalize(g) for g in golds))
        per_case.append({"normalized": normalize(pred), "1.1": {"exact": e1, "f1": f1}, "2.0": {"exact": e2, "f1": f2}})
    return {"cases": per_case, "totals": {"1.1": totals(v1, has), "2.0": totals(v2, has)}}


def classification(case):
    n = case["labels"]
    gold = np.array(case["gold"], dtype=int).reshape(-1, n)
    pred = np.array(case["pred"], dtype=int).reshape(-1, n)
    zd = case["zero_division"]
    labels = list(range(n))
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, average=None, zero_division=zd)
        out["per_label"] = {"precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": [int(x) for x in s]}
        for avg in ("micro", "macro"):
            p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=labels, average=avg, zero_division=zd)
            out[avg] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    out["accuracy"] = float(accuracy_score(gold, pred))
    return out


def main():
    req = json.load(sys.stdin)
    json.dump({"squad": squad(req.get("squad", [])),
               "classification": [classification(c) for c in req.get("classification", [])]}, sys.stdout)


if __name__ == "__main__":
    main()
