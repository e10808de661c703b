"""Times the shipped demo model (int8 weights behind DequantizeLinear) in ONNX Runtime with its default QDQ
fusions against `session.disable_quant_qdq=1` (what the Go engine sets), interleaved, and reports how far
each one's logits are from the graph run with no optimisation at all (DequantizeLinear, then fp32 MatMul). One intra-op thread; batches of 1 x 32 and 8 x 64 tokens.

    .venv-train/bin/python bench/ort/qdq_fusion.py [models/minilm-nli/model.onnx]
"""

import sys
import time

import numpy as np
import onnxruntime as ort


def session(path: str, fused: bool, optimize: bool = True) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    if not fused:
        opts.add_session_config_entry("session.disable_quant_qdq", "1")
    if not optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "models/minilm-nli/model.onnx"
    rng = np.random.default_rng(0)
    sessions = {"default (QDQ fused)": session(path, True), "disable_quant_qdq=1": session(path, False)}
    # The graph as written, no fusions at all: DequantizeLinear then fp32 MatMul, the exact reference.
    plain = session(path, False, optimize=False)
    for batch, length in ((1, 32), (8, 64)):
        feed = {"input_ids": rng.integers(1000, 29000, (batch, length)).astype(np.int64),
                "attention_mask": np.ones((batch, length), np.int64), "token_type_ids": np.zeros((batch, length), np.int64)}
        outs = {k: s.run(None, feed) for k, s in sessions.items()}
        best = {k: float("inf") for k in sessions}
        for _ in range(7):  # rounds, interleaved
            for k, s in sessions.items():
                t = time.perf_counter()
                for _ in range(5):
                    s.run(None, feed)
                best[k] = min(best[k], (time.perf_counter() - t) / 5)
        exact = plain.run(None, feed)
        diff = {k: max(float(np.abs(x - y).max()) for x, y in zip(o, exact)) for k, o in outs.items()}
        print(f"batch {batch} x {length}: " + ", ".join(f"{k} {best[k] * 1000:.1f} ms (max |logit - unoptimized graph| "
                                                          f"{diff[k]:.2g})" for k in sessions), flush=True)


if __name__ == "__main__":
    main()
