"""Rebuilds a train_demo.py checkpoint from the shipped models/minilm-nli/model.onnx, so a later stage can
resume from the model in the repository (train_demo.py --resume) when the training cache is gone.

The shipped file keeps its large weights as int8 with a DequantizeLinear in front (train_demo.weight_only_int8);
they come back dequantized, so the rebuilt model is the shipped one exactly, not the fp32 model before rounding.
The exporter names most initializers after their parameters; the transposed MatMul weights it renames
(onnx::MatMul_N) are matched through the scope of the MatMul node that reads them.

    .venv-train/bin/python tools/train/onnx_checkpoint.py models/minilm-nli/model.onnx OUT.pt
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from clinical import gen_clip  # noqa: E402
from train_demo import OUTPUTS, MultiTask  # noqa: E402


def onnx_state_dict(path: Path) -> dict[str, torch.Tensor]:
    import onnx
    from onnx import numpy_helper

    g = onnx.load(str(path)).graph
    arrays = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for node in g.node:  # int8 weight * per-row/column scale
        if node.op_type == "DequantizeLinear" and node.input[0] in arrays:
            q, scale = arrays.pop(node.input[0]).astype(np.float32), arrays.pop(node.input[1])
            arrays.pop(node.input[2], None)
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            arrays[node.output[0]] = q * (scale[None, :] if axis == 1 else scale[:, None])
    state = {}
    for node in g.node:
        if node.op_type == "MatMul" and node.input[1].startswith("onnx::MatMul"):
            # "/m/encoder/encoder/layer.0/attention/self/query/MatMul" -> encoder.encoder.layer.0.attention.self.query.weight
            scope = node.name.strip("/").split("/")[1:-1]
            state[".".join(scope) + ".weight"] = torch.from_numpy(np.ascontiguousarray(arrays[node.input[1]].T))
    for name, a in arrays.items():
        if name.startswith("m.") and a.dtype == np.float32:
            state[name[2:]] = torch.from_numpy(np.array(a))
    return state


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("onnx", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    from transformers import AutoModel, AutoTokenizer

    model = MultiTask(AutoModel.from_pretrained(common.base_model_dir()), len(gen_clip.LABELS))
    state = onnx_state_dict(args.onnx)
    own = model.state_dict()
    # The pooler is never run (the heads read the mean of the last layer), so the exporter dropped it;
    # position_ids and similar buffers are not initializers either. Those keep the model's own values.
    missing = [k for k in own if k not in state and not k.endswith("position_ids") and ".pooler." not in k]
    extra = [k for k in state if k not in own]
    if missing or extra:
        sys.exit(f"onnx_checkpoint: cannot map the graph onto the model: missing {missing[:8]}, unexpected {extra[:8]}")
    model.load_state_dict({**own, **state})
    model.eval()

    # The rebuilt model must answer as the file does.
    tok = AutoTokenizer.from_pretrained(common.base_model_dir())
    sess = common.ort_session(args.onnx, 1)  # fp32 compute of the int8 weights, as the engine
    worst = 0.0
    for a, b in [("Patient denies chest pain.", "The patient has chest pain."),
                 ("Which side is the effusion on?", "FINDINGS: Small left pleural effusion. No pneumothorax.")]:
        e = tok(a, b, return_tensors="np")
        feed = {k: e[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
        want = sess.run(OUTPUTS, feed)
        with torch.no_grad():
            got = model(*(torch.from_numpy(feed[k]) for k in ("input_ids", "attention_mask", "token_type_ids")))
        worst = max(worst, max(float(np.abs(w - g.numpy()).max()) for w, g in zip(want, got)))
    print(f"onnx_checkpoint: {len(state)} tensors; max |logit| difference against the file {worst:.2e}")
    if worst > 1e-4:
        sys.exit("onnx_checkpoint: the rebuilt model does not answer as the file does")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
