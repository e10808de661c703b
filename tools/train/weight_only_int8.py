"""Rewrites an ONNX Runtime dynamically quantised model (`quantize_dynamic`) into a weight-only int8 model.

Why: dynamic quantisation scales each activation by its batch's range (DynamicQuantizeLinear), so a note's
scores depend on the other notes in its batch, and the integer kernels differ between CPUs (VNNI or not), so a
card's numbers depend on the machine. A weight-only model keeps the int8 weights on disk (the same bytes, the same
size) and feeds `DequantizeLinear(W)` into a float `MatMul`: the arithmetic is fp32, so a row's answer no longer
depends on its batch-mates or on the CPU's integer instructions.

Each `DynamicQuantizeLinear(x) -> MatMulInteger(xq, Wq, xzp, Wzp) -> Cast -> Mul(., Mul(x_scale, W_scale))` chain
becomes `MatMul(x, DequantizeLinear(Wq, W_scale, Wzp))`. The quantised embedding Gathers (already weight-only)
are kept as they are.

Usage: python weight_only_int8.py IN.onnx OUT.onnx
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import onnx
from onnx import helper


def rewrite(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    graph = model.graph
    producer = {out: n for n in graph.node for out in n.output}
    consumers: dict[str, list[onnx.NodeProto]] = defaultdict(list)
    for n in graph.node:
        for name in n.input:
            consumers[name].append(n)
    initializers = {t.name for t in graph.initializer}

    drop: set[int] = set()  # id() of nodes to remove
    rename: dict[str, str] = {}  # old output name -> new float output name
    added: list[tuple[onnx.NodeProto, list[onnx.NodeProto]]] = []  # (anchor, new nodes placed before it)
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        xq, wq, _, wzp = node.input
        dql = producer.get(xq)
        if dql is None or dql.op_type != "DynamicQuantizeLinear" or wq not in initializers:
            raise ValueError(f"{node.name}: not the quantize_dynamic MatMul pattern")
        x, x_scale = dql.input[0], dql.output[1]
        (cast,) = consumers[node.output[0]]
        (scaled,) = consumers[cast.output[0]]
        if cast.op_type != "Cast" or scaled.op_type != "Mul":
            raise ValueError(f"{node.name}: expected Cast then Mul after MatMulInteger")
        scale = next(i for i in scaled.input if i != cast.output[0])
        scale_mul = producer[scale]
        if scale_mul.op_type != "Mul" or x_scale not in scale_mul.input:
            raise ValueError(f"{node.name}: the output scale is not x_scale * W_scale")
        w_scale = next(i for i in scale_mul.input if i != x_scale)
        w_float = wq + "_dequantized"
        out = node.output[0] + "_float"
        added.append((node, [
            helper.make_node("DequantizeLinear", [wq, w_scale, wzp], [w_float], name=node.name + "_dequantize_weight"),
            helper.make_node("MatMul", [x, w_float], [out], name=node.name + "_float"),
        ]))
        rename[scaled.output[0]] = out
        drop.update({id(node), id(cast), id(scaled)})
        if len(consumers[scale]) == 1:
            drop.add(id(scale_mul))

    nodes: list[onnx.NodeProto] = []
    anchors = {id(a): new for a, new in added}
    for n in graph.node:
        nodes.extend(anchors.get(id(n), []))
        if id(n) not in drop:
            nodes.append(n)
    for n in nodes:
        for i, name in enumerate(n.input):
            if name in rename:
                n.input[i] = rename[name]
    for o in graph.output:
        if o.name in rename:
            raise ValueError(f"graph output {o.name} comes straight from a quantised MatMul")
    # DynamicQuantizeLinear nodes whose outputs nobody reads any more go too.
    used = {name for n in nodes for name in n.input} | {o.name for o in graph.output}
    nodes = [n for n in nodes if n.op_type != "DynamicQuantizeLinear" or any(o in used for o in n.output)]
    del graph.node[:]
    graph.node.extend(nodes)
    leftover = [n.name for n in nodes if n.op_type in ("DynamicQuantizeLinear", "MatMulInteger")]
    if leftover:
        raise ValueError(f"dynamic quantisation left in {leftover}")
    onnx.checker.check_model(model)
    return model, len(added)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    args = ap.parse_args()
    model, n = rewrite(onnx.load(str(args.src)))
    onnx.save(model, str(args.dst))
    print(f"{args.dst}: {n} MatMulInteger chains made weight-only")


if __name__ == "__main__":
    main()
