"""Turns the committed minilm-hoc model (ONNX Runtime dynamic int8) into weight-only int8 in place and
re-measures it on the HoC test abstracts, without retraining.

Why: dynamic int8 scales activations per batch and uses the CPU's integer kernels, so the same sentence scored
differently alone and in a batch, and the card's numbers moved between CPUs (a machine with AVX-512 VNNI flipped
predictions the card's machine made). Weight-only int8 (weight_only_int8.py) keeps the file's size and computes in
fp32. The dynamic numbers stay in the metrics file as eval.int8_dynamic; eval.int8 becomes the shipped file's.

Usage (repository root): .venv-train/bin/python tools/train/requantize_hoc.py
then write_cards.py and record_go_subset.py minilm-hoc, as after training.
"""

from __future__ import annotations

import json

import numpy as np
import onnx

import common
import train_hoc
import weight_only_int8

NAME = "minilm-hoc"


def main() -> None:
    from transformers import PreTrainedTokenizerFast

    folder = common.REPO_ROOT / "models" / NAME
    path = common.metrics_path(NAME)
    metrics = json.loads(path.read_text())
    model_path = folder / "model.onnx"
    graph = onnx.load(str(model_path))
    if any(n.op_type == "DynamicQuantizeLinear" for n in graph.graph.node):
        graph, n = weight_only_int8.rewrite(graph)
        onnx.save(graph, str(model_path))
        print(f"{model_path}: {n} MatMuls made weight-only", flush=True)
        metrics["eval"]["int8_dynamic"] = metrics["eval"]["int8"]
    hoc = train_hoc.load_hoc(common.shared_data())
    test = train_hoc.rows_of(hoc, metrics["test_pmids"])
    tok = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), unk_token="[UNK]",
                                  pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    feats = train_hoc.encode(tok, test, metrics["max_length"])
    gold = np.array([f["labels"] for f in feats], dtype=int)
    # Weight-only int8 is batch-invariant, so batches of 32 give the one-at-a-time scores.
    scores = train_hoc.scores_ort(common.ort_session(model_path, 2), feats, tok.pad_token_id, batch_size=32)
    th = np.array([metrics["thresholds"][l] for l in train_hoc.LABELS])
    metrics["eval"]["int8"] = {
        "hoc_test": train_hoc.classification(gold, (scores >= th).astype(int)),
        "hoc_test_threshold_0.5": train_hoc.classification(gold, (scores >= 0.5).astype(int)),
        "bytes": model_path.stat().st_size, "quantization": "weight-only int8 (fp32 compute)"}
    metrics.pop("go_eval_full_go", None)  # measured on the dynamic file
    common.write_json(path, metrics)
    print(json.dumps({k: metrics["eval"]["int8"]["hoc_test"][k] for k in ("micro_f1", "macro_f1", "subset_accuracy")}))


if __name__ == "__main__":
    main()
