"""Test models whose answer depends on one token only, for clinlm's saliency tests.

Writes <out>/<name>/{model.onnx, tokenizer.json, manifest.json} for

  onetoken-nli   logits = [10·n, 0, 0]          (entailment, neutral, contradiction)
  onetoken-qa    start_logits = end_logits = 10·[token is the key]
  onetoken-clip  logits = 10·n·[1, 0, 0, 0, 0, 0, 0] - 5   (appointment first)

where n counts the key token ("fever") among the attended input ids. Every other token has no
influence on the answer, so occlusion must rank the key word first and give every other word an
importance of zero. The graphs are built with the onnx helper API (no weights, no torch), so they
take milliseconds to write; the tokenizer is the tiny WordPiece one of make_test_models.py, read
from its output folder.

Run through tools/models/setup.sh.
"""

import argparse
import json
import pathlib
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

KEY = "fever"
CLIP_LABELS = ["appointment", "medication", "lab", "patient instructions", "procedure", "imaging", "other"]


def key_mask(key_id: int) -> list:
    """Nodes computing mask[b, s] = float(input_ids == key and attention_mask == 1)."""
    return [
        helper.make_node("Equal", ["input_ids", "key_id"], ["is_key"]),
        helper.make_node("Cast", ["is_key"], ["is_key_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["attention_mask"], ["attended"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["is_key_f", "attended"], ["mask"]),
    ]


def graph(name: str, key_id: int, head: str) -> onnx.ModelProto:
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"]) for n in ("input_ids", "attention_mask")]
    inits = [numpy_helper.from_array(np.array(key_id, dtype=np.int64), "key_id"),
             numpy_helper.from_array(np.array(10.0, dtype=np.float32), "ten")]
    nodes = key_mask(key_id)
    if head == "qa":
        nodes += [helper.make_node("Mul", ["mask", "ten"], ["start_logits"]),
                  helper.make_node("Mul", ["mask", "ten"], ["end_logits"])]
        outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", "sequence"]) for n in ("start_logits", "end_logits")]
    else:
        width = 3 if head == "nli" else len(CLIP_LABELS)
        weights = np.zeros((1, width), dtype=np.float32)
        weights[0, 0] = 10.0
        bias = np.zeros((1, width), dtype=np.float32) - (5.0 if head == "clip" else 0.0)
        inits += [numpy_helper.from_array(weights, "weights"), numpy_helper.from_array(bias, "bias"),
                  numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1")]
        nodes += [helper.make_node("ReduceSum", ["mask", "axis1"], ["count"], keepdims=1),
                  helper.make_node("MatMul", ["count", "weights"], ["scaled"]),
                  helper.make_node("Add", ["scaled", "bias"], ["logits"])]
        outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", width])]
    model = helper.make_model(helper.make_graph(nodes, name, inputs, outputs, inits),
                              opset_imports=[helper.make_opsetid("", 17)], producer_name="clinlm saliency_test_models.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def manifest(head: str) -> dict:
    common = {"description": f"answer depends on the token '{KEY}' only (saliency tests)",
              "provenance": {"source": "tools/models/saliency_test_models.py", "weights": "none: a fixed graph"},
              "licence": "MIT", "availability": "public", "max_length": 64, "stride": 16, "metrics": []}
    if head == "nli":
        return {"task": "nli", "head": "sequence-pair-classification", "labels": ["entailment", "neutral", "contradiction"], **common}
    if head == "qa":
        return {"task": "qa", "head": "span-extraction", "labels": [], "max_answer_length": 15, **common}
    return {"task": "clip", "head": "sentence-multi-label", "labels": CLIP_LABELS,
            "thresholds": {l: 0.5 for l in CLIP_LABELS}, **common}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", required=True, type=pathlib.Path, help="tokenizer.json of the tiny test models")
    ap.add_argument("--out", required=True, type=pathlib.Path)
    args = ap.parse_args()
    vocab = json.loads(args.tokenizer.read_text())["model"]["vocab"]
    key_id = vocab[KEY]
    for head in ("nli", "qa", "clip"):
        d = args.out / f"onetoken-{head}"
        d.mkdir(parents=True, exist_ok=True)
        onnx.save(graph(f"onetoken_{head}", key_id, head), d / "model.onnx")
        shutil.copyfile(args.tokenizer, d / "tokenizer.json")
        (d / "manifest.json").write_text(json.dumps(manifest(head), indent=2) + "\n")
    (args.out / "COMPLETE").write_text("")


if __name__ == "__main__":
    main()
