"""Continues masked-language-model pretraining of all-MiniLM-L6-v2 on public biomedical and clinical text:
the paper's recipe (domain-adaptive pretraining) in miniature, so that a general and a domain-adapted
encoder can be fine-tuned the same way and compared.

Usage (from the repository root, after `bash tools/train/setup.sh`):
    .venv-train/bin/python tools/train/pretrain_mlm.py --name mlm-biomed --layers 3 --budget-minutes 20
then fine-tune from the checkpoint it saves, e.g.
    .venv-train/bin/python tools/train/train_hoc.py --out models/minilm-hoc --vocab-size 0 \
        --init .cache/train/mlm-biomed/checkpoint --ablation hoc-3layers-full-vocab-mlm

Corpus (read from ../shared/data, never copied): IU chest X-ray reports (findings and impression:
radiology text, the closest public relative of the paper's clinical notes), NLI4CT clinical-trial
reports, PubMedQA and NCBI-disease abstracts, ADE sentences. Hallmarks of Cancer is left out on purpose:
it is the task the two encoders are compared on, and its test abstracts must stay unseen. The documents
are tokenized with MiniLM's own WordPiece tokenizer, joined with [SEP] and cut into blocks of
--block-size tokens ([CLS] ... [SEP]), so no compute goes to padding; 2% of the blocks (seeded) are held
out to measure the masked-token loss. Masking is BERT's: 15% of the tokens, of those 80% [MASK], 10% a
random token, 10% unchanged (transformers' DataCollatorForLanguageModeling), drawn once per block with
the seed so that a run is reproducible with --steps.

all-MiniLM-L6-v2 ships without an MLM head (it was trained as a sentence encoder), so the head is new:
its output matrix is tied to the word embeddings as in BERT, and only its transform and bias start
from scratch. The loss is computed on the masked positions only; the vocabulary projection over every
position would cost more than the encoder itself.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from pathlib import Path

import torch

import common


def corpus(data: Path) -> dict[str, list[str]]:
    """Source name -> documents (plain text)."""
    out: dict[str, list[str]] = {}
    with open(data / "iu-xray" / "indiana_reports.csv", newline="", encoding="utf-8") as f:
        out["iu-xray"] = [" ".join(t for t in (r["findings"], r["impression"]) if t and t.strip())
                          for r in csv.DictReader(f)]
    out["nli4ct"] = []
    for p in sorted((data / "nli4ct" / "CT json").glob("*.json")):
        ct = json.loads(p.read_text(encoding="utf-8"))
        out["nli4ct"].append("\n".join(line.strip() for k in ("Intervention", "Eligibility", "Results", "Adverse Events")
                                       for line in ct.get(k, []) if line.strip()))
    pq = json.loads((data / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    out["pubmedqa"] = [" ".join(v["CONTEXTS"] + [v["LONG_ANSWER"]]) for _, v in sorted(pq.items())]
    ncbi = []
    for split in ("train", "devel", "test"):
        path = next((data / "ncbi-disease" / "original-data" / split).glob("*.txt"))
        doc: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines() + [""]:
            m = re.match(r"^\d+\|[ta]\|(.*)$", line)
            if m:
                doc.append(m.group(1))
            elif not line.strip() and doc:
                ncbi.append(" ".join(doc))
                doc = []
    out["ncbi-disease"] = ncbi
    ade = set()
    for name in ("ADE-NEG.txt", "DRUG-AE.rel"):
        for line in (data / "ade" / name).read_text(encoding="utf-8", errors="replace").splitlines():
            # ADE-NEG: "PMID NEG sentence"; DRUG-AE.rel: "PMID|sentence|effect|...".
            text = line.split("|")[1] if "|" in line else line.split(" ", 2)[-1]
            if text.strip():
                ade.add(text.strip())
    out["ade"] = sorted(ade)
    return {k: [d for d in v if d.strip()] for k, v in out.items()}


def blocks(tok, docs: list[str], size: int) -> list[list[int]]:
    """Packs the documents' token ids, [SEP] between documents, into [CLS] + (size-2) + [SEP] blocks;
    the last partial block is dropped."""
    stream: list[int] = []
    for ids in tok(docs, add_special_tokens=False)["input_ids"]:
        stream.extend(ids)
        stream.append(tok.sep_token_id)
    body = size - 2
    return [[tok.cls_token_id] + stream[i:i + body] + [tok.sep_token_id]
            for i in range(0, len(stream) - body + 1, body)]


class MaskedOnlyMLM(torch.nn.Module):
    """BertForMaskedLM whose loss is computed on the masked positions only (labels != -100)."""

    def __init__(self, mlm):
        super().__init__()
        self.mlm = mlm

    def forward(self, input_ids, attention_mask, token_type_ids, labels):
        from transformers.modeling_outputs import MaskedLMOutput

        hidden = self.mlm.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
        picked = labels != -100
        logits = self.mlm.cls(hidden[picked])
        return MaskedLMOutput(loss=torch.nn.functional.cross_entropy(logits, labels[picked]))


@torch.no_grad()
def heldout_loss(model: MaskedOnlyMLM, feats: list[dict], batch: int) -> float:
    model.eval()
    total, n = 0.0, 0
    for i in range(0, len(feats), batch):
        fb = feats[i:i + batch]
        feed = {k: torch.tensor([f[k] for f in fb]) for k in ("input_ids", "attention_mask", "token_type_ids", "labels")}
        masked = int((feed["labels"] != -100).sum())
        total += model(**feed).loss.item() * masked
        n += masked
    model.train()
    return total / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="mlm-biomed", help="work folder under .cache/train and metrics file name")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--layers", type=int, default=3, help="keep the first N of MiniLM's 6 layers")
    ap.add_argument("--block-size", type=int, default=128)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--warmup-steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=0, help="optimizer steps (0: until --epochs or --budget-minutes)")
    ap.add_argument("--budget-minutes", type=float, default=0)
    args = ap.parse_args()

    from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling

    common.seed_everything(args.seed, args.threads)
    tok = AutoTokenizer.from_pretrained(common.base_model_dir())
    docs = corpus(common.shared_data())
    rng = random.Random(args.seed)
    all_blocks = []
    sizes = {}
    for name, ds in docs.items():
        b = blocks(tok, ds, args.block_size)
        sizes[name] = {"documents": len(ds), "blocks": len(b), "tokens": len(b) * args.block_size}
        all_blocks.extend(b)
    rng.shuffle(all_blocks)
    held = max(1, len(all_blocks) // 50)
    collator = DataCollatorForLanguageModeling(tokenizer=tok, mlm_probability=0.15, return_tensors="pt")

    def masked(bs: list[list[int]]) -> list[dict]:
        out = []
        for i in range(0, len(bs), 256):
            enc = collator([{"input_ids": b} for b in bs[i:i + 256]])
            for r in range(enc["input_ids"].shape[0]):
                ids = enc["input_ids"][r].tolist()
                out.append({"input_ids": ids, "attention_mask": [1] * len(ids), "token_type_ids": [0] * len(ids),
                            "labels": enc["labels"][r].tolist()})
        return out

    heldout, train = masked(all_blocks[:held]), masked(all_blocks[held:])
    print(f"corpus {json.dumps(sizes)}; blocks train {len(train)} held out {len(heldout)}", flush=True)

    mlm = BertForMaskedLM.from_pretrained(common.base_model_dir(), num_hidden_layers=args.layers)
    mlm.tie_weights()
    model = MaskedOnlyMLM(mlm)
    before = heldout_loss(model, heldout, args.batch_size)
    print(f"held-out masked-token loss before {before:.4f}", flush=True)
    total, train_s = common.train_loop(model, train, tok.pad_token_id, args, rng, ("labels",))
    after = heldout_loss(model, heldout, args.batch_size)
    print(f"held-out masked-token loss after {after:.4f}", flush=True)

    checkpoint = common.REPO_ROOT / ".cache" / "train" / args.name / "checkpoint"
    mlm.save_pretrained(checkpoint)
    tok.save_pretrained(checkpoint)
    metrics = {"seed": args.seed, "layers": args.layers, "block_size": args.block_size, "batch_size": args.batch_size,
               "lr": args.lr, "warmup_steps": args.warmup_steps, "steps": total,
               "tokens_seen": total * args.batch_size * args.block_size, "train_seconds": round(train_s),
               "corpus": sizes, "blocks": {"train": len(train), "held_out": len(heldout)},
               "heldout_masked_loss": {"before": round(before, 4), "after": round(after, 4),
                                       "note": "before: MiniLM with a new, untrained MLM head"},
               "versions": common.versions()}
    ablations = common.metrics_path(args.name).parent / "ablations"
    ablations.mkdir(exist_ok=True)
    common.write_json(ablations / f"{args.name}.json", metrics)
    print(f"saved {checkpoint}", flush=True)


if __name__ == "__main__":
    main()
