"""Turns an ONNX Runtime dynamically quantised model (quantize_dynamic) into weight-only int8.

Usage (from the repository root):
    .venv-train/bin/python tools/train/weight_only.py models/minilm-hoc/model.onnx [--out FILE]
    .venv-train/bin/python tools/train/weight_only.py --hoc    # rewrite minilm-hoc in place and re-score its test

quantize_dynamic computes each MatMul in int8 with activations quantised at run time
(DynamicQuantizeLinear), and the activation scale is taken over the whole batch: the same sentence gets
slightly different scores depending on its batch-mates. This rewrite keeps the stored int8 weights and their
scales but computes in fp32: each DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul chain becomes
DequantizeLinear(weight) -> MatMul on the original fp32 activation. The file stays about as small, the
answers stop depending on the batch, and the numbers move slightly (no activation rounding any more).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def dynamic_to_weight_only(src: Path, dst: Path) -> int:
    import onnx
    from onnx import helper

    m = onnx.load(str(src))
    g = m.graph
    producer = {o: n for n in g.node for o in n.output}
    consumers: dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    drop, add, rewritten = set(), [], 0
    for n in g.node:
        if n.op_type != "MatMulInteger":
            continue
        dql = producer[n.input[0]]
        assert dql.op_type == "DynamicQuantizeLinear", dql.op_type
        cast = consumers[n.output[0]][0]
        mul = consumers[cast.output[0]][0]
        assert cast.op_type == "Cast" and mul.op_type == "Mul", (cast.op_type, mul.op_type)
        scales = producer[next(i for i in mul.input if i != cast.output[0])]
        assert scales.op_type == "Mul", scales.op_type
        w_scale = next(i for i in scales.input if i != dql.output[1])
        w_q, w_zero = n.input[1], n.input[3] if len(n.input) > 3 else ""
        w = n.input[1] + "_fp32"
        add.append(helper.make_node("DequantizeLinear", [w_q, w_scale] + ([w_zero] if w_zero else []), [w],
                                    name=n.name + "_weight_dequantize"))
        add.append(helper.make_node("MatMul", [dql.input[0], w], [mul.output[0]], name=n.name + "_fp32"))
        drop.update(id(x) for x in (n, cast, mul, scales))
        rewritten += 1
    kept = [x for x in g.node if id(x) not in drop]
    # DynamicQuantizeLinear nodes nothing reads any more
    used = {i for x in kept + add for i in x.input}
    kept = [x for x in kept if not (x.op_type == "DynamicQuantizeLinear" and not any(o in used for o in x.output))]
    # topological order (the graph keeps its order; each new node goes where its inputs exist)
    out, ready = [], {i.name for i in g.input} | {i.name for i in g.initializer}
    waiting = add + kept
    while waiting:
        rest = []
        for x in waiting:
            if all(i == "" or i in ready for i in x.input):
                out.append(x)
                ready.update(x.output)
            else:
                rest.append(x)
        if len(rest) == len(waiting):
            raise RuntimeError(f"cannot order {len(rest)} nodes, e.g. {rest[0].name}")
        waiting = rest
    del g.node[:]
    g.node.extend(out)
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))
    return rewritten


def rescore_hoc() -> None:
    """Rewrites models/minilm-hoc/model.onnx and re-scores HoC's test split with it (same thresholds):
    the quantize_dynamic numbers move to eval.int8_dynamic, the shipped file's to eval.int8."""
    import json

    import numpy as np
    from transformers import PreTrainedTokenizerFast

    import common
    import train_hoc

    folder = common.REPO_ROOT / "models" / "minilm-hoc"
    path = common.metrics_path("minilm-hoc")
    m = json.loads(path.read_text())
    if m.get("int8_kind") == "weight-only":
        print("minilm-hoc is weight-only already")
        return
    n = dynamic_to_weight_only(folder / "model.onnx", folder / "model.onnx")
    tok = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), unk_token="[UNK]", pad_token="[PAD]",
                                  cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    test = train_hoc.encode(tok, train_hoc.rows_of(train_hoc.load_hoc(common.shared_data()), m["test_pmids"]), m["max_length"])
    scores = train_hoc.scores_ort(common.ort_session(folder / "model.onnx", 2), test, tok.pad_token_id)
    gold = np.array([f["labels"] for f in test], dtype=int)
    th = np.array([m["thresholds"][l] for l in train_hoc.LABELS])
    m["eval"]["int8_dynamic"] = m["eval"]["int8"]
    m["eval"]["int8"] = {"hoc_test": train_hoc.classification(gold, (scores >= th).astype(int)),
                         "hoc_test_threshold_0.5": train_hoc.classification(gold, (scores >= 0.5).astype(int)),
                         "bytes": (folder / "model.onnx").stat().st_size}
    m["int8_kind"] = "weight-only"
    m.pop("go_eval_subset", None)  # re-record with record_go_subset.py
    m.pop("go_eval_full_go", None)
    common.write_json(path, m)
    print(f"{n} chains rewritten; int8 (weight-only) test", json.dumps({k: m["eval"]["int8"]["hoc_test"][k] for k in
                                                                       ("micro_f1", "macro_f1", "subset_accuracy")}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", type=Path, nargs="?")
    ap.add_argument("--out", type=Path, help="default: rewrite in place")
    ap.add_argument("--hoc", action="store_true", help="rewrite models/minilm-hoc and re-score its test split")
    args = ap.parse_args()
    if args.hoc:
        rescore_hoc()
        return
    n = dynamic_to_weight_only(args.model, args.out or args.model)
    print(f"{n} MatMulInteger chains now dequantise their weights and multiply in fp32")


if __name__ == "__main__":
    main()
