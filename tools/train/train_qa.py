"""Fine-tunes all-MiniLM-L6-v2 for extractive QA on COVID-QA and writes a model folder.

Usage (from the repository root, after `bash tools/train/setup.sh`):
    .venv-train/bin/python tools/train/train_qa.py --out models/minilm-covidqa

Data: ../shared/data/covidqa/200423_covidQA.json (SQuAD format, one article per entry), read, never copied.
Split BY ARTICLE: the articles' document_ids are shuffled with the seed and the first --test-articles
are the test set, so no article is in both train and test. Windows: question + context, max_length 256,
stride 96 (HF's only_second truncation with overflow; stride is the overlap). Training uses every window
that holds the whole answer (the label is its token span) plus a seeded sample of the windows without it
(--neg-per-question per question, labelled [CLS]). The test predicts what the Go engine predicts
(tools/eval/pipeline_reference.py: one window per run, per-window softmax, best span widened to whole
words, windows merged by score) and scores it with the official SQuAD v1.1 script (restated in
tools/eval/metrics_reference.py: lowercase, strip punctuation and articles, squash whitespace).

Two stages, so the CPU-heavy part can run alone: `--train-only` fine-tunes and saves a checkpoint in
.cache/train/<folder>/checkpoint; `--from-checkpoint` prunes the vocabulary, exports, quantises and
evaluates it. Without either flag it does both.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
import time
from pathlib import Path

import torch

import common
import taskfiles

sys.path.insert(0, str(common.REPO_ROOT / "tools" / "eval"))  # pipeline_reference, metrics_reference


# --- data --------------------------------------------------------------------------------------

def load_articles(data: Path) -> list[dict]:
    d = json.loads((data / "covidqa" / "200423_covidQA.json").read_text(encoding="utf-8"))
    arts = []
    for entry in d["data"]:
        for para in entry["paragraphs"]:
            arts.append({"id": str(para["document_id"]), "context": para["context"], "qas": para["qas"]})
    return arts


def windows(tok, questions, contexts, max_length, stride):
    return tok(questions, contexts, truncation="only_second", max_length=max_length, stride=stride,
               return_overflowing_tokens=True, return_offsets_mapping=True, return_token_type_ids=True,
               padding=False)


def train_features(tok, arts, max_length, stride, rng, neg_per_question=1.0):
    qs, cs, ans = [], [], []
    for a in arts:
        for qa in a["qas"]:
            if qa.get("is_impossible") or not qa["answers"]:
                continue
            qs.append(qa["question"])
            cs.append(a["context"])
            ans.append(qa["answers"][0])
    enc = windows(tok, qs, cs, max_length, stride)
    pos, neg_by_q = [], collections.defaultdict(list)
    for w in range(len(enc["input_ids"])):
        q = enc["overflow_to_sample_mapping"][w]
        start_char = ans[q]["answer_start"]
        end_char = start_char + len(ans[q]["text"])
        seq = enc.sequence_ids(w)
        offs = enc["offset_mapping"][w]
        ctx = [i for i, s in enumerate(seq) if s == 1]
        feat = {"input_ids": enc["input_ids"][w], "attention_mask": enc["attention_mask"][w],
                "token_type_ids": enc["token_type_ids"][w]}
        if offs[ctx[0]][0] <= start_char and offs[ctx[-1]][1] >= end_char:
            s = next(i for i in ctx if offs[i][1] > start_char)
            e = next(i for i in reversed(ctx) if offs[i][0] < end_char)
            pos.append({**feat, "start_positions": s, "end_positions": e})
        else:
            neg_by_q[q].append({**feat, "start_positions": 0, "end_positions": 0})
    # Windows without the answer vastly outnumber the others (~35 per question at 256 tokens); a seeded
    # sample of them, labelled [CLS], teaches the model to give such windows low span scores, which is
    # what merging windows by score needs, without spending the CPU budget on them.
    neg = []
    for _, v in sorted(neg_by_q.items()):
        k = int(neg_per_question) + (rng.random() < neg_per_question - int(neg_per_question))
        neg.extend(rng.sample(v, min(k, len(v))))
    return pos, neg


def engine_predictions(folder: Path, examples: list[dict]) -> list[str]:
    """The answers the Go engine gives, computed by tools/eval/pipeline_reference.py (HF tokenizers +
    Python onnxruntime, one window per run as `clinlm eval --max-batch 1` does): per window, softmax
    over [CLS] and the context, the best span of at most max_answer_length tokens widened to whole
    words; windows merged by score."""
    import pipeline_reference

    model = pipeline_reference.Model(folder)
    return [pipeline_reference.predict_qa(model, ex)["answer"] for ex in examples]


def squad_v1(preds: list[str], examples: list[dict]) -> dict:
    """Official SQuAD v1.1 EM/F1 (percent), as restated in tools/eval/metrics_reference.py."""
    import metrics_reference

    t = metrics_reference.squad([{"prediction": p, "golds": [a["text"] for a in ex["answers"]]}
                                 for p, ex in zip(preds, examples)])["totals"]["1.1"]
    return {"exact": round(t["exact"], 4), "f1": round(t["f1"], 4), "questions": len(examples)}


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def overlap_baseline(examples: list[dict]) -> list[str]:
    """A cheap baseline: the context sentence sharing the most normalised words with the question
    (the first such sentence on ties)."""
    import metrics_reference

    out = []
    for ex in examples:
        q = set(metrics_reference.tokens(ex["question"]))
        sents = [s for s in SENTENCE_END.split(ex["context"]) if s.strip()]
        out.append(max(sents, key=lambda s: len(q & set(metrics_reference.tokens(s)))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--stride", type=int, default=96, help="token overlap of windows (the Go engine needs < max_length/2)")
    ap.add_argument("--neg-per-question", type=float, default=1.0,
                    help="seeded windows without the answer per training question (fractions are drawn)")
    ap.add_argument("--max-answer-tokens", type=int, default=64)
    ap.add_argument("--test-articles", type=int, default=10)
    ap.add_argument("--eval-questions", type=int, default=0, help="score only the first N test questions (0: all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=0, help="optimizer steps (0: until --epochs or --budget-minutes)")
    ap.add_argument("--warmup-steps", type=int, default=10)
    ap.add_argument("--freeze-layers", type=int, default=0,
                    help="freeze the embeddings and the first N layers (a cheaper backward pass on a slow CPU)")
    ap.add_argument("--budget-minutes", type=float, default=0)
    ap.add_argument("--ship", choices=["auto", "int8", "fp32"], default="auto",
                    help="auto: int8 when its F1 is within one point of fp32's; int8 is needed for the 40 MB budget "
                         "(the fp32 file is about 60 MB)")
    ap.add_argument("--train-only", action="store_true", help="stop after saving the fine-tuned checkpoint")
    ap.add_argument("--from-checkpoint", action="store_true",
                    help="skip training: prune, export and evaluate the checkpoint a --train-only run saved")
    args = ap.parse_args()

    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    common.seed_everything(args.seed, args.threads)
    data = common.shared_data()
    tok = AutoTokenizer.from_pretrained(common.base_model_dir())
    arts = load_articles(data)
    ids = sorted({a["id"] for a in arts})
    random.Random(args.seed).shuffle(ids)
    test_ids = set(ids[: args.test_articles])
    train_arts = [a for a in arts if a["id"] not in test_ids]
    test_arts = [a for a in arts if a["id"] in test_ids]
    rng = random.Random(args.seed)
    pos, neg = train_features(tok, train_arts, args.max_length, args.stride, rng, args.neg_per_question)
    feats = pos + neg
    print(f"articles train {len(train_arts)} test {len(test_arts)}; train windows {len(pos)} with answer + "
          f"{len(neg)} without; test questions {sum(len(a['qas']) for a in test_arts)}", flush=True)

    work = common.REPO_ROOT / ".cache" / "train" / args.out.name
    checkpoint = work / "checkpoint"
    if args.from_checkpoint:
        model = AutoModelForQuestionAnswering.from_pretrained(checkpoint)
        run = json.loads((checkpoint / "run.json").read_text())
        total, train_s = run["steps"], run["train_seconds"]
    else:
        model = AutoModelForQuestionAnswering.from_pretrained(common.base_model_dir())
        common.freeze_bottom(model, args.freeze_layers)
        total, train_s = common.train_loop(model, feats, tok.pad_token_id, args, rng, ("start_positions", "end_positions"))
        model.save_pretrained(checkpoint)
        common.write_json(checkpoint / "run.json", {"steps": total, "train_seconds": round(train_s),
                                                    "args": {k: str(v) for k, v in vars(args).items()}})
        if args.train_only:
            return
    model.eval()

    args.out.mkdir(parents=True, exist_ok=True)
    tok_json = json.loads(tok.backend_tokenizer.to_str())
    used = set()
    for a in arts:  # the whole corpus (train and test text): the tokens this domain uses
        used |= set(tok(a["context"])["input_ids"])
        used |= {i for qa in a["qas"] for i in tok(qa["question"])["input_ids"]}
    # Characters: the corpus's and ASCII (a word with any other character becomes [UNK]).
    chars = {chr(c) for c in range(33, 127)}
    for a in arts:
        chars |= set(tok.backend_tokenizer.normalizer.normalize_str(a["context"]))
        chars |= {c for qa in a["qas"] for c in tok.backend_tokenizer.normalizer.normalize_str(qa["question"])}
    pruned_json, kept = common.prune_vocabulary(tok_json, model, used, chars=chars)
    pruned_json["truncation"] = None
    pruned_json["padding"] = None
    from tokenizers import Tokenizer
    Tokenizer.from_str(json.dumps(pruned_json)).save(str(args.out / "tokenizer.json"))
    print(f"vocabulary pruned {len(tok_json['model']['vocab'])} -> {len(kept)}", flush=True)

    fp32 = work / "model.fp32.onnx"
    common.export_onnx(model, fp32, ["start_logits", "end_logits"])
    int8 = work / "model.int8.onnx"
    common.quantize_int8(fp32, int8)
    metrics = {"seed": args.seed, "epochs": args.epochs, "steps": total, "batch_size": args.batch_size, "lr": args.lr,
               "warmup_steps": args.warmup_steps, "freeze_layers": args.freeze_layers, "threads": args.threads,
               "neg_per_question": args.neg_per_question,
               "max_length": args.max_length, "stride": args.stride, "max_answer_tokens": args.max_answer_tokens,
               "test_article_ids": sorted(test_ids), "train_articles": len(train_arts),
               "train_windows": {"with_answer": len(pos), "without_answer": len(neg)},
               "train_seconds": round(train_s), "vocab_size": len(kept), "versions": common.versions(), "eval": {}}
    examples = taskfiles.covidqa_test(data, sorted(test_ids))
    if args.eval_questions:
        examples = examples[: args.eval_questions]
    base = overlap_baseline(examples)
    metrics["baseline_best_overlap_sentence"] = squad_v1(base, examples)
    print("baseline", json.dumps(metrics["baseline_best_overlap_sentence"]), flush=True)
    preds = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        t1 = time.time()
        folder = work / f"eval-{name}"
        folder.mkdir(exist_ok=True)
        (folder / "model.onnx").write_bytes(path.read_bytes())
        (folder / "tokenizer.json").write_bytes((args.out / "tokenizer.json").read_bytes())
        common.write_json(folder / "manifest.json", {"task": "qa", "max_length": args.max_length, "stride": args.stride,
                                                     "max_answer_length": args.max_answer_tokens})
        preds[name] = engine_predictions(folder, examples)
        metrics["eval"][name] = {"covidqa_test": squad_v1(preds[name], examples), "bytes": path.stat().st_size,
                                 "eval_seconds": round(time.time() - t1)}
        print(name, json.dumps(metrics["eval"][name]), flush=True)
    holds = metrics["eval"]["int8"]["covidqa_test"]["f1"] >= metrics["eval"]["fp32"]["covidqa_test"]["f1"] - 1.0
    keep_int8 = args.ship == "int8" or (args.ship == "auto" and holds)
    shipped = metrics["shipped"] = "int8" if keep_int8 else "fp32"
    metrics["int8_within_one_f1_point"] = holds
    metrics["predictions_agree_fp32_int8"] = sum(a == b for a, b in zip(preds["fp32"], preds["int8"]))
    (args.out / "model.onnx").write_bytes((int8 if keep_int8 else fp32).read_bytes())
    common.write_json(common.metrics_path(args.out.name), metrics)
    print("shipped", shipped, flush=True)


if __name__ == "__main__":
    main()
