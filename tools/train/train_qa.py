"""Fine-tunes all-MiniLM-L6-v2 for extractive QA on COVID-QA and writes a model folder.

Usage (from the repository root, after `bash tools/train/setup.sh`):
    .venv-train/bin/python tools/train/train_qa.py --out models/minilm-covidqa

Data: ../shared/data/covidqa/200423_covidQA.json (SQuAD format, one article per entry), read, never copied.
Split BY ARTICLE: the articles' document_ids are shuffled with the seed and the first --test-articles
are the test set, so no article is in both train and test. Windows: question + context, max_length 384,
stride 128 (HF's only_second truncation with overflow). Training uses every window that holds the whole
answer (the label is its token span) plus, per question, one seeded window without the answer pointing at
[CLS]; the test scores the best span over all windows of the question (as the Go pipeline does), with
the official SQuAD v1.1 normalisation (lowercase, strip punctuation and articles, squash whitespace).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import string
import time
from pathlib import Path

import numpy as np
import torch

import common


# --- the official SQuAD v1.1 evaluation (normalize_answer, exact match, token F1), re-written ----

def normalize_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def exact_match(pred: str, gold: str) -> float:
    return float(normalize_answer(pred) == normalize_answer(gold))


def f1(pred: str, gold: str) -> float:
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    common_toks = collections.Counter(p) & collections.Counter(g)
    same = sum(common_toks.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(metric, pred, golds):
    return max(metric(pred, g) for g in golds)


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


def train_features(tok, arts, max_length, stride, rng):
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
    neg = [rng.choice(v) for _, v in sorted(neg_by_q.items())]
    return pos, neg


def predict(session, tok, arts, max_length, stride, max_answer_tokens, pad_id, batch_size=16):
    """Best span (start <= end, within the context, <= max_answer_tokens) over every window of a question."""
    preds = {}
    for a in arts:
        qas = [qa for qa in a["qas"] if qa["answers"]]
        if not qas:
            continue
        enc = windows(tok, [qa["question"] for qa in qas], [a["context"]] * len(qas), max_length, stride)
        n = len(enc["input_ids"])
        best = {}
        for s0 in range(0, n, batch_size):
            idx = list(range(s0, min(n, s0 + batch_size)))
            feed = common.pad_batch([{k: enc[k][i] for k in ("input_ids", "attention_mask", "token_type_ids")}
                                     for i in idx], pad_id)
            st, en = session.run(["start_logits", "end_logits"], feed)
            for r, w in enumerate(idx):
                q = enc["overflow_to_sample_mapping"][w]
                seq = enc.sequence_ids(w)
                ctx = np.array([s == 1 for s in seq])
                sl = np.where(ctx, st[r, : len(seq)], -np.inf)
                el = np.where(ctx, en[r, : len(seq)], -np.inf)
                top_s = np.argsort(-sl)[:20]
                top_e = np.argsort(-el)[:20]
                offs = enc["offset_mapping"][w]
                for i in top_s:
                    for j in top_e:
                        if not (ctx[i] and ctx[j]) or j < i or j - i + 1 > max_answer_tokens:
                            continue
                        score = float(sl[i] + el[j])
                        if q not in best or score > best[q][0]:
                            best[q] = (score, a["context"][offs[i][0]: offs[j][1]])
        for q, qa in enumerate(qas):
            preds[str(qa["id"])] = best.get(q, (0.0, ""))[1]
    return preds


def score(preds, arts):
    em = f = n = 0
    for a in arts:
        for qa in a["qas"]:
            if not qa["answers"] or str(qa["id"]) not in preds:
                continue
            golds = [x["text"] for x in qa["answers"]]
            em += best_over_golds(exact_match, preds[str(qa["id"])], golds)
            f += best_over_golds(f1, preds[str(qa["id"])], golds)
            n += 1
    return {"exact_match": round(100 * em / n, 2), "f1": round(100 * f / n, 2), "questions": n}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-length", type=int, default=384)
    ap.add_argument("--stride", type=int, default=128)
    ap.add_argument("--max-answer-tokens", type=int, default=64)
    ap.add_argument("--test-articles", type=int, default=10)
    ap.add_argument("--eval-questions", type=int, default=0, help="score only this many test questions (0: all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=0, help="optimizer steps (0: --epochs, capped by --budget-minutes)")
    ap.add_argument("--budget-minutes", type=float, default=0)
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
    if args.eval_questions:
        # A seeded subset of the test questions (the CPU budget); articles stay whole in the split.
        qids = sorted(str(qa["id"]) for a in test_arts for qa in a["qas"])
        keep = set(random.Random(args.seed).sample(qids, min(args.eval_questions, len(qids))))
        test_arts = [{**a, "qas": [qa for qa in a["qas"] if str(qa["id"]) in keep]} for a in test_arts]
    rng = random.Random(args.seed)
    pos, neg = train_features(tok, train_arts, args.max_length, args.stride, rng)
    feats = pos + neg
    print(f"articles train {len(train_arts)} test {len(test_arts)}; train windows {len(pos)} with answer + "
          f"{len(neg)} without; test questions {sum(len(a['qas']) for a in test_arts)}", flush=True)

    model = AutoModelForQuestionAnswering.from_pretrained(common.base_model_dir())
    order = list(range(len(feats)))
    rng.shuffle(order)
    epoch_batches = [order[i:i + args.batch_size] for i in range(0, len(order), args.batch_size)]
    total = args.steps or int(len(epoch_batches) * args.epochs)
    if not args.steps and args.budget_minutes:
        total = min(total, common.steps_in_budget(model, [[feats[i] for i in b] for b in epoch_batches[:2]],
                                                  tok.pad_token_id, args.budget_minutes,
                                                  labels_key=("start_positions", "end_positions")))
        common.seed_everything(args.seed, args.threads)
    print(f"training {total} steps (reproduce with --steps {total})", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / max(1, total // 10)) * max(0.0, (total - s) / max(1, total - total // 10)))
    model.train()
    t0 = time.time()
    step = 0
    while step < total:
        for b in epoch_batches:
            if step >= total:
                break
            fb = [feats[i] for i in b]
            feed = {k: torch.tensor(v) for k, v in common.pad_batch(fb, tok.pad_token_id).items()}
            loss = model(**feed, start_positions=torch.tensor([f["start_positions"] for f in fb]),
                         end_positions=torch.tensor([f["end_positions"] for f in fb])).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 5 == 0 or step == total:
                print(f"step {step}/{total} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
        rng.shuffle(epoch_batches)
    train_s = time.time() - t0
    model.eval()

    args.out.mkdir(parents=True, exist_ok=True)
    work = common.REPO_ROOT / ".cache" / "train" / args.out.name
    work.mkdir(parents=True, exist_ok=True)
    tok_json = json.loads(tok.backend_tokenizer.to_str())
    used = set()
    for a in arts:  # the whole corpus (train and test text): the tokens this domain uses
        used |= set(tok(a["context"])["input_ids"])
        used |= {i for qa in a["qas"] for i in tok(qa["question"])["input_ids"]}
    pruned_json, kept = common.prune_vocabulary(tok_json, model, used)
    pruned_json["truncation"] = None
    pruned_json["padding"] = None
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    Tokenizer.from_str(json.dumps(pruned_json)).save(str(args.out / "tokenizer.json"))
    ptok = PreTrainedTokenizerFast(tokenizer_file=str(args.out / "tokenizer.json"), unk_token="[UNK]",
                                   pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    print(f"vocabulary pruned {len(tok_json['model']['vocab'])} -> {len(kept)}", flush=True)

    fp32 = work / "model.fp32.onnx"
    common.export_onnx(model, fp32, ["start_logits", "end_logits"])
    int8 = work / "model.int8.onnx"
    common.quantize_int8(fp32, int8)
    metrics = {"seed": args.seed, "epochs": args.epochs, "steps": total, "batch_size": args.batch_size, "lr": args.lr,
               "max_length": args.max_length, "stride": args.stride, "max_answer_tokens": args.max_answer_tokens,
               "test_article_ids": sorted(test_ids), "train_articles": len(train_arts),
               "train_windows": {"with_answer": len(pos), "without_answer": len(neg)},
               "train_seconds": round(train_s), "vocab_size": len(kept), "versions": common.versions(), "eval": {}}
    for name, path in (("fp32", fp32), ("int8", int8)):
        t1 = time.time()
        sess = common.ort_session(path, args.threads)
        preds = predict(sess, ptok, test_arts, args.max_length, args.stride, args.max_answer_tokens,
                        ptok.pad_token_id)
        metrics["eval"][name] = {"covidqa_test": score(preds, test_arts), "bytes": path.stat().st_size,
                                 "eval_seconds": round(time.time() - t1)}
        print(name, json.dumps(metrics["eval"][name]), flush=True)
    keep_int8 = metrics["eval"]["int8"]["covidqa_test"]["f1"] >= metrics["eval"]["fp32"]["covidqa_test"]["f1"] - 1.0
    metrics["shipped"] = "int8" if keep_int8 else "fp32"
    (args.out / "model.onnx").write_bytes((int8 if keep_int8 else fp32).read_bytes())
    common.write_json(common.metrics_path(args.out.name), metrics)
    print("shipped", metrics["shipped"], flush=True)


if __name__ == "__main__":
    main()
