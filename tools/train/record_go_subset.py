"""Records, in tools/train/metrics/<model>.json, what `clinlm eval` must print on the first few test
examples of a committed model (`go_eval_subset`), for web/eval_test.go to check.

Usage (from the repository root, after training and write_cards.py):
    .venv-train/bin/python tools/train/record_go_subset.py minilm-nli minilm-radqa minilm-hoc [--full]

The predictions come from tools/eval/pipeline_reference.py (HF tokenizers + Python onnxruntime, one
sequence per run, the engine's documented pipelines) on the model folder as committed (models/NAME),
and the metrics from tools/eval/metrics_reference.py (the SQuAD scripts restated, scikit-learn). One
sequence per run matters for int8 files: ONNX Runtime's dynamic quantisation scales activations per
batch, so the Go side runs with --max-batch 1 too.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import common
import taskfiles

sys.path.insert(0, str(common.REPO_ROOT / "tools" / "eval"))
import metrics_reference  # noqa: E402
import pipeline_reference  # noqa: E402

SIZES = {"minilm-nli": 40, "minilm-radqa": 12, "minilm-hoc": 200}
INNER_STOP = re.compile(r"[.!?]")


def subset_metrics(task: str, labels: list[str], examples: list[dict], preds: list[dict]) -> dict:
    if task == "qa":
        t = metrics_reference.squad([{"prediction": p["answer"], "golds": [a["text"] for a in ex["answers"]]}
                                     for p, ex in zip(preds, examples)])["totals"]["1.1"]
        return {"exact": t["exact"], "f1": t["f1"]}
    gold = [[ex["label"]] if task == "nli" else ex["labels"] for ex in examples]
    pred = [[p["label"]] if task == "nli" else p["labels"] for p in preds]
    onehot = lambda sets: [[int(l in s) for l in labels] for s in sets]  # noqa: E731
    c = metrics_reference.classification({"labels": len(labels), "gold": onehot(gold), "pred": onehot(pred),
                                          "zero_division": 0})
    if task == "nli":
        return {"accuracy": c["accuracy"], "macro_f1": c["macro"]["f1"]}
    return {"micro_f1": c["micro"]["f1"], "macro_f1": c["macro"]["f1"], "subset_accuracy": c["accuracy"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+", choices=sorted(SIZES))
    ap.add_argument("--go-report", type=Path, action="append", default=[],
                    help="a `clinlm eval --json --max-batch 1` report on a whole test file, recorded as measured by Go "
                         "(go_eval_full_go); for files where the engine's sentence splitting changes a few examples")
    ap.add_argument("--full", action="store_true",
                    help="also score the whole test files (go_eval_full), for cards whose Python numbers were batched")
    args = ap.parse_args()
    data = common.shared_data()
    for name in args.models:
        path = common.metrics_path(name)
        metrics = json.loads(path.read_text())
        files = taskfiles.for_model(name, metrics, data)
        model = pipeline_reference.Model(common.REPO_ROOT / "models" / name)
        task = model.manifest["task"]
        predict = {"nli": pipeline_reference.predict_nli, "qa": pipeline_reference.predict_qa,
                   "clip": pipeline_reference.predict_clip}[task]
        if args.full:
            # Whole test files, one sequence per run: what `clinlm eval --max-batch 1` prints on them.
            metrics["go_eval_full"] = {}
            for file, rows in files.items():
                full = [predict(model, ex) for ex in pipeline_reference.mark_nli_examples(model.manifest, rows)]
                metrics["go_eval_full"][file] = {"examples": len(rows), "max_batch": 1,
                                                 "metrics": subset_metrics(task, model.manifest.get("labels", []), rows, full)}
                print(name, file, json.dumps(metrics["go_eval_full"][file]["metrics"]), flush=True)
        for report in args.go_report:
            rep = json.loads(report.read_text())
            if rep["model"] != name:
                continue
            metrics.setdefault("go_eval_full_go", {})[Path(rep["data"]).name] = {
                "examples": rep["examples"], "max_batch": 1, "source": "clinlm eval (Go engine)",
                "metrics": {x["name"]: x["value"] for x in rep["metrics"]}}
        examples = next(iter(files.values()))
        if task == "clip":
            # The engine splits a text into sentences and labels each; the Python reference labels the
            # whole line. A few HoC lines hold a full stop inside ("ref. 8", "0.05", two sentences), so
            # the subset keeps lines whose only [.!?] is at the end; the Go test checks the splitter agrees.
            examples = [ex for ex in examples if not INNER_STOP.search(ex["text"].rstrip(" .!?"))]
        examples = examples[: SIZES[name]]
        preds = [predict(model, ex) for ex in pipeline_reference.mark_nli_examples(model.manifest, examples)]
        key = {"nli": "label", "qa": "answer", "clip": "labels"}[task]
        metrics["go_eval_subset"] = {
            "examples": len(examples), "ids": [ex["id"] for ex in examples], "max_batch": 1,
            "squad_version": "1.1" if task == "qa" else None, "model_file": metrics.get("shipped"),
            "metrics": subset_metrics(task, model.manifest.get("labels", []), examples, preds),
            "predictions": [p[key] for p in preds]}
        common.write_json(path, metrics)
        print(name, json.dumps(metrics["go_eval_subset"]["metrics"]), flush=True)


if __name__ == "__main__":
    main()
