"""Fine-tunes the first layers of all-MiniLM-L6-v2 as a sentence multi-label classifier on the
Hallmarks of Cancer corpus (HoC) and writes a model folder for the `sentence-multi-label` head.

Usage (from the repository root, after `bash tools/train/setup.sh`):
    .venv-train/bin/python tools/train/train_hoc.py --out models/minilm-hoc

Why this model exists: the CLIP task's `sentence-multi-label` head (sigmoid per label, a threshold per
label) needs a real model to run end to end, and CLIP itself is credentialed (MIMIC). HoC is public
and sentence-level multi-label, so it exercises the same head with other labels: the ten hallmarks.

Data: ../shared/data/hoc/{text,labels}/<PMID>.txt, read, never copied. text has one (tokenised)
sentence per line; labels has one "<" per sentence followed by that sentence's labels joined by
"AND", each a path "Hallmark--sub--sub" (or NULL). A sentence's labels are the top-level hallmarks.
Split BY ABSTRACT: PMIDs shuffled with the seed; the first --test-share are the test set, the next
--dev-share the dev set (per-label thresholds are tuned there), the rest train.

Size: the model must fit beside the NLI and QA models (40 MB in all), so it keeps only --layers of
MiniLM's six layers and a vocabulary of the --vocab-size most frequent training tokens plus the
characters of the training text. The vocabulary is pruned BEFORE fine-tuning (pruning changes how rare
words split, so the model is trained and tested with the tokenizer it ships with).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import time
from pathlib import Path

import numpy as np
import torch

import common
import weight_only

# The ten hallmarks in Hanahan & Weinberg's order (HoC's top-level classes); the logit order.
LABELS = [
    "Sustaining proliferative signaling",
    "Evading growth suppressors",
    "Resisting cell death",
    "Enabling replicative immortality",
    "Inducing angiogenesis",
    "Activating invasion and metastasis",
    "Genomic instability and mutation",
    "Tumor promoting inflammation",
    "Cellular energetics",
    "Avoiding immune destruction",
]


def load_hoc(data: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """PMID -> [(sentence, hallmarks in LABELS order)]."""
    out = {}
    for path in sorted((data / "hoc" / "text").glob("*.txt")):
        sents = [s for s in path.read_text(encoding="utf-8").split("\n") if s.strip()]
        marks = (data / "hoc" / "labels" / path.name).read_text(encoding="utf-8").split("<")[1:]
        if len(marks) != len(sents):
            raise SystemExit(f"hoc {path.name}: {len(sents)} sentences but {len(marks)} label groups")
        rows = []
        for s, m in zip(sents, marks):
            tops = {p.split("--")[0].strip() for p in m.split("AND") if p.strip()} - {"NULL"}
            unknown = tops - set(LABELS)
            if unknown:
                raise SystemExit(f"hoc {path.name}: unknown hallmark {sorted(unknown)}")
            rows.append((s.strip(), [l for l in LABELS if l in tops]))
        out[path.stem] = rows
    return out


def split(pmids: list[str], seed: int, test_share: float, dev_share: float):
    ids = sorted(pmids)
    random.Random(seed).shuffle(ids)
    n_test, n_dev = round(len(ids) * test_share), round(len(ids) * dev_share)
    return ids[n_dev + n_test:], ids[n_test:n_test + n_dev], ids[:n_test]


def rows_of(hoc, pmids):
    """Sentences of the abstracts in the given order (test: the order the task files use)."""
    return [r for p in pmids for r in hoc[p]]


def pruned_tokenizer(train_rows, vocab_size: int, tokenizer_json: dict, model):
    """Keeps the vocab_size most frequent tokens of the training text (ties by id), every character of
    it (plain and ## form) and the ASCII characters, and slices the model's embeddings to match."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(common.base_model_dir())
    counts = collections.Counter()
    chars = {chr(c) for c in range(33, 127)}
    for text, _ in train_rows:
        counts.update(tok(text)["input_ids"])
        chars |= set(tok.backend_tokenizer.normalizer.normalize_str(text))
    frequent = {i for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:vocab_size]}
    pruned, kept = common.prune_vocabulary(tokenizer_json, model, frequent, chars=chars)
    pruned["truncation"] = None
    pruned["padding"] = None
    return pruned, kept


def encode(tok, rows, max_length):
    enc = tok([r[0] for r in rows], truncation=True, max_length=max_length, return_token_type_ids=True)
    return [{"input_ids": enc["input_ids"][i], "attention_mask": enc["attention_mask"][i],
             "token_type_ids": enc["token_type_ids"][i],
             "labels": [float(l in r[1]) for l in LABELS]} for i, r in enumerate(rows)]


class MeanPoolClassifier(torch.nn.Module):
    """The first `layers` MiniLM layers, the mean of the token vectors (attention-masked) and a linear
    layer to one logit per label. all-MiniLM-L6-v2 was trained as a mean-pooled sentence encoder (its
    [CLS] pooler was not part of its sentence-embedding training), so mean pooling starts from useful sentence vectors: a first run
    through BERT's [CLS] pooler at lr 2e-4 collapsed to the label priors (the same scores for every
    sentence). Exported, it is an ordinary (input_ids, attention_mask, token_type_ids) -> logits graph."""

    def __init__(self, layers: int, labels: int, init: Path):
        super().__init__()
        from transformers import AutoModel

        self.bert = AutoModel.from_pretrained(init, num_hidden_layers=layers, add_pooling_layer=False)
        self.config = self.bert.config
        self.dropout = torch.nn.Dropout(0.1)
        self.classifier = torch.nn.Linear(self.config.hidden_size, labels)

    def get_input_embeddings(self):
        return self.bert.get_input_embeddings()

    def set_input_embeddings(self, emb):
        self.bert.set_input_embeddings(emb)

    def forward(self, input_ids, attention_mask, token_type_ids, labels=None):
        from transformers.modeling_outputs import SequenceClassifierOutput

        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        logits = self.classifier(self.dropout(pooled))
        loss = None
        if labels is not None:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
        return SequenceClassifierOutput(loss=loss, logits=logits)


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))


def scores_ort(session, feats, pad_id, batch_size=1):
    """Per-label sigmoid scores. batch_size 1 by default: dynamic int8 quantisation scales activations
    per batch, and one sentence per run is what `clinlm eval --max-batch 1` does."""
    out = []
    for i in range(0, len(feats), batch_size):
        feed = common.pad_batch(feats[i:i + batch_size], pad_id)
        (logits,) = session.run(["logits"], feed)
        out.append(sigmoid(logits))
    return np.concatenate(out)


def tune_thresholds(scores, gold):
    """Per label, the threshold in 0.05..0.95 that maximises F1 on dev (ties: the one nearest 0.5)."""
    grid = [round(0.05 * k, 2) for k in range(1, 20)]
    out = []
    for j in range(gold.shape[1]):
        def f1(t):
            p = scores[:, j] >= t
            tp = int((p & (gold[:, j] == 1)).sum())
            fp, fn = int((p & (gold[:, j] == 0)).sum()), int((~p & (gold[:, j] == 1)).sum())
            return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        out.append(max(grid, key=lambda t: (f1(t), -abs(t - 0.5))))
    return out


def classification(gold, pred) -> dict:
    """scikit-learn's definitions (zero_division=0), as inference/eval computes them."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    res = {}
    for avg in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(gold, pred, average=avg, zero_division=0)
        res[f"{avg}_f1"], res[f"{avg}_precision"], res[f"{avg}_recall"] = round(f, 4), round(p, 4), round(r, 4)
    res["subset_accuracy"] = round(accuracy_score(gold, pred), 4)
    _, _, f, support = precision_recall_fscore_support(gold, pred, average=None, zero_division=0)
    res["per_label_f1"] = {l: round(float(x), 4) for l, x in zip(LABELS, f)}
    res["support"] = {l: int(x) for l, x in zip(LABELS, support)}
    res["n"] = int(gold.shape[0])
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--layers", type=int, default=3, help="keep the first N of MiniLM's 6 layers")
    ap.add_argument("--vocab-size", type=int, default=4000, help="most frequent training tokens kept (0: all)")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--test-share", type=float, default=0.15)
    ap.add_argument("--dev-share", type=float, default=0.10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=0, help="optimizer steps (0: until --epochs or --budget-minutes)")
    ap.add_argument("--warmup-steps", type=int, default=20)
    ap.add_argument("--budget-minutes", type=float, default=0)
    ap.add_argument("--init", type=Path, default=None,
                    help="encoder to start from (a pretrain_mlm.py checkpoint); default all-MiniLM-L6-v2")
    ap.add_argument("--ablation", default="",
                    help="a comparison run: write metrics/ablations/NAME.json and nothing in models/")
    args = ap.parse_args()

    from tokenizers import Tokenizer
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    common.seed_everything(args.seed, args.threads)
    hoc = load_hoc(common.shared_data())
    train_ids, dev_ids, test_ids = split(list(hoc), args.seed, args.test_share, args.dev_share)
    train_rows, dev_rows, test_rows = rows_of(hoc, train_ids), rows_of(hoc, dev_ids), rows_of(hoc, test_ids)
    print(f"abstracts train {len(train_ids)} dev {len(dev_ids)} test {len(test_ids)}; sentences "
          f"{len(train_rows)} / {len(dev_rows)} / {len(test_rows)}", flush=True)

    model = MeanPoolClassifier(args.layers, len(LABELS), args.init or common.base_model_dir())
    base_tok = AutoTokenizer.from_pretrained(common.base_model_dir())
    tok_json = json.loads(base_tok.backend_tokenizer.to_str())
    if args.vocab_size:
        tok_json, kept = pruned_tokenizer(train_rows, args.vocab_size, tok_json, model)
    else:
        kept = list(range(len(tok_json["model"]["vocab"])))
    work = common.REPO_ROOT / ".cache" / "train" / (args.ablation or args.out.name)
    work.mkdir(parents=True, exist_ok=True)
    Tokenizer.from_str(json.dumps(tok_json)).save(str(work / "tokenizer.json"))
    tok = PreTrainedTokenizerFast(tokenizer_file=str(work / "tokenizer.json"), unk_token="[UNK]",
                                  pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    print(f"vocabulary {len(kept)} tokens; layers {args.layers}", flush=True)

    rng = random.Random(args.seed)
    feats = encode(tok, train_rows, args.max_length)
    dev, test = encode(tok, dev_rows, args.max_length), encode(tok, test_rows, args.max_length)
    total, train_s = common.train_loop(model, feats, tok.pad_token_id, args, rng, ("labels",), bucket=True)
    model.eval()

    fp32, int8 = work / "model.fp32.onnx", work / "model.int8.onnx"
    common.export_onnx(model, fp32, ["logits"])
    common.quantize_int8(fp32, int8)
    # Weight-only: fp32 arithmetic, so a sentence's scores do not depend on its batch or the CPU.
    weight_only.dynamic_to_weight_only(int8, int8)
    gold = lambda fs: np.array([f["labels"] for f in fs], dtype=int)  # noqa: E731
    sess = {"fp32": common.ort_session(fp32, args.threads), "int8": common.ort_session(int8, args.threads)}
    # Thresholds come from the fp32 model's dev scores and serve both files.
    thresholds = tune_thresholds(scores_ort(sess["fp32"], dev, tok.pad_token_id), gold(dev))
    metrics = {"labels": LABELS, "seed": args.seed, "layers": args.layers, "epochs": args.epochs, "steps": total,
               "warmup_steps": args.warmup_steps, "batch_size": args.batch_size, "lr": args.lr, "max_length": args.max_length,
               "vocab_size": len(kept), "vocab_size_arg": args.vocab_size,
               "init": str(args.init) if args.init else "all-MiniLM-L6-v2",
               "split": {"test_share": args.test_share, "dev_share": args.dev_share, "abstracts":
                         {"train": len(train_ids), "dev": len(dev_ids), "test": len(test_ids)},
                         "sentences": {"train": len(train_rows), "dev": len(dev_rows), "test": len(test_rows)}},
               "test_pmids": test_ids, "thresholds": dict(zip(LABELS, thresholds)),
               "train_seconds": round(train_s), "versions": common.versions(), "eval": {}}
    th = np.array(thresholds)
    for name in ("fp32", "int8"):
        s = scores_ort(sess[name], test, tok.pad_token_id)
        metrics["eval"][name] = {"hoc_test": classification(gold(test), (s >= th).astype(int)),
                                 "hoc_test_threshold_0.5": classification(gold(test), (s >= 0.5).astype(int)),
                                 "bytes": (fp32 if name == "fp32" else int8).stat().st_size}
        print(name, json.dumps({k: v for k, v in metrics["eval"][name]["hoc_test"].items()
                                if k in ("micro_f1", "macro_f1", "subset_accuracy")}), flush=True)
    f_fp32 = metrics["eval"]["fp32"]["hoc_test"]["micro_f1"]
    f_int8 = metrics["eval"]["int8"]["hoc_test"]["micro_f1"]
    shipped = "int8" if f_int8 >= f_fp32 - 0.01 else "fp32"
    metrics["shipped"] = shipped
    metrics["int8_kind"] = "weight-only"
    if not args.ablation:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "model.onnx").write_bytes((int8 if shipped == "int8" else fp32).read_bytes())
        (args.out / "tokenizer.json").write_bytes((work / "tokenizer.json").read_bytes())
        common.write_json(common.metrics_path(args.out.name), metrics)
    else:
        ablations = common.metrics_path(args.out.name).parent / "ablations"
        ablations.mkdir(exist_ok=True)
        common.write_json(ablations / f"{args.ablation}.json", metrics)
    print("shipped", shipped, flush=True)


if __name__ == "__main__":
    main()
