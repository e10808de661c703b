"""Training data written one by one rather than drawn from templates.

written_nli.jsonl: clinical NLI pairs, as MedNLI was made: for each note excerpt, one statement that must be
true, one that might be, one that cannot be.

Why they exist beside the generators: stages 9 to 11 showed that templates aimed at observed failures raise the
score on cases like those failures and not on freshly written ones. These pairs were written by separate sessions
of ours, one clinical area or note type each, with fictional patients and no loops filling frames. Those sessions
saw neither the generators, the dev set nor any evaluation set. Hypotheses were written against the usual shortcuts
(contradictions without a negation word, entailments that paraphrase, neutrals that share the premise's words).
Each writer's area or skill is the prefix of its pairs' ids. The first round (stage 12): cardiology, pulmonary and
critical care, renal and endocrine, infection and haematology-oncology, neurology and psychiatry, GI and surgery,
obstetrics / paediatrics / musculoskeletal, cross-cutting history lines, discharge summaries, ED triage, nursing and
ICU notes, consult notes, lab panels and vital signs, medications, radiology reports, outpatient visits, certainty
and time, lay wording, and long multi-problem premises (3,220 premises). The second round (stage 13, prefix w2-):
ward progress notes, procedures and operations, geriatrics / palliative care / social history, specialty clinics,
numbers and trends, paediatrics and obstetrics, pharmacology and drug levels, hospital-course paragraphs (960
premises). The third round (stage 14, prefix w3a- to w3f-) has shorter premises, one or two sentences, each file on
one skill the issue names: negation and denial, lab values against conditions, drugs implying conditions,
abbreviations and shorthand, time / certainty / family history, vital signs and examination against states (898
premises). The fourth round (prefix w4a- to w4e-, written while stage 14 trained) has longer premises in note forms
the others cover less: assessment-and-plan lines and problem lists, history-and-physical paragraphs, nursing /
triage / patient-reported wording, hospital courses over time, and paediatric, obstetric, psychiatric, oncology and
transplant notes (749 premises; first used by stage 15). The fifth round (prefix w5a- to w5d-, first used by stage
16) aims at the kinds of pairs stage 14 still got wrong on two evaluation sets kept outside the repository, without
their cases: premises that deny some findings and affirm others in one line, medication lists over about 200 drugs
and the conditions they do or do not establish, numbers (labs, gases, vital signs, drug levels) including normal
ones against disorders, and plans, conditionals and past versus current status (599 premises). 6,426 premises,
19,278 pairs, one third per label. A blind relabelling of 240 sampled pairs of the first two rounds by another
session agreed with 237 (98.8 %; the three others: two neutrals read as entailed, one contradiction as neutral); of
180 sampled pairs of the third, 177 (98.3 %; the three others are close calls: a magnesium level at the low edge of
the therapeutic range with reflexes lost, a drug named as the cause of a reaction, a pending pathology report); of
180 sampled pairs of the fourth, all 180; of 160 sampled pairs of the fifth, 159 (an untreated LDL read as saying
nothing of a statin now).

The file is a clinlm NLI task file, so `clinlm eval --model minilm-nli --data
tools/train/clinical/written_nli.jsonl` scores it as it stands.

Before they were committed, every premise that shared a run of words covering 80 % of a premise of the dev set or of
an evaluation set kept outside the repository was dropped with its hypotheses: 10 premises of the first round (stock
lines such as "Allergies: PCN (hives), sulfa (rash)."), none of the second, 2 of the third, 1 of the fourth, 1 of
the fifth (a dementia medication list). One stock line of six words is left inside a longer training premise
("Metoprolol succinate 50 mg daily.", dev pair nli-drug-21, inside cardio-0022's medication list); `go test
./inference/eval/devset -run TestWrittenTrainingPairsKeptApart` fails on any dev premise of eight words or more
found inside a training premise.

The split is by premise, so the three hypotheses of a premise are all in training or all held out. It is a
stable hash of the premise, not a draw: adding pairs never moves old ones between the splits.

written_qa.jsonl: short radiology reports (CT, X-ray, ultrasound, MRI, mammography, echo, nuclear medicine,
fluoroscopy) with the questions a clinician asks of them, about a third not answered by the report; answers are
RadQA's shortest span, a negated finding answered by its negation. Written by separate sessions under the same rules
as the NLI pairs (no evaluation set seen). It is a clinlm QA task file. QA is split by report, with a larger share
held out (20 %), because the held-out reports tune the no-answer threshold beside the generated ones. 132 reports,
1,032 questions, 328 of them unanswerable. Of the 150 reports written (the last 30 after stage 14 was trained), 18
were dropped with their questions because one of their sentences covered 80 % or more of a sentence of eight words
or more in a dev-set report or an evaluation report kept outside the repository (stock lines such as "Paranasal
sinuses and mastoid air cells are clear."); `go test ./inference/eval/devset -run
TestWrittenTrainingReportsKeptApart` fails on any dev-report sentence of eight words or more found inside a training
report. Another session, answering 60 sampled questions of the last 30 reports without seeing the answers, scored
token-F1 99.4 against them and found the same 23 without an answer.

written_clip.jsonl: 700 discharge-summary sentences with their CLIP action-item labels (gen_clip's seven), written
by a separate session under the same rules, in the styles discharge summaries use (terse "F/u PCP 1 wk", patient
instructions, notes to the PCP, hedged recommendations). 212 carry no label, mostly hospital-course sentences that
name drugs, labs, scans and procedures already done (the task's hard negatives); 130 carry two or more. Per label:
medication 131, patient instructions 111, appointment 103, lab 86, procedure 72, other 66, imaging 62. A blind
relabelling of 120 sampled sentences agreed exactly on 98 (micro-F1 0.877 between the two sessions); the differences
are CLIP's own grey zones (a pending result as "lab" or "other", a therapy session as "procedure" with or without
"appointment"). Split by sentence, 20 % held out; the held-out sentences join the generated ones in tuning the
per-label thresholds. `go test ./inference/eval/devset -run TestWrittenTrainingSentencesKeptApart` fails on a dev
sentence of eight words or more found inside a training sentence, and devset_overlap.py counts these sentences with
the generated ones (no sentence of the dev set or of the evaluation sets kept outside was close enough to drop).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .gen_clip import LABELS as CLIP_LABELS

NLI_DATA = Path(__file__).with_name("written_nli.jsonl")
QA_DATA = Path(__file__).with_name("written_qa.jsonl")
CLIP_DATA = Path(__file__).with_name("written_clip.jsonl")
LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2}
NLI_HELD_OUT_PERCENT = 10
QA_HELD_OUT_PERCENT = 20
CLIP_HELD_OUT_PERCENT = 20


def held_out(text: str, percent: int) -> bool:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 100 < percent


def _split_lines(path: Path, split: str):
    if split not in ("train", "held-out"):
        raise ValueError(f"split {split!r}: want train or held-out")
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            yield n, json.loads(line)


def nli_pairs(split: str, path: Path = NLI_DATA) -> list[tuple[str, str, int]]:
    """(premise, hypothesis, label) of the "train" or "held-out" split, in file order."""
    rows = []
    for n, ex in _split_lines(path, split):
        if ex["label"] not in LABELS:
            raise ValueError(f"{path.name}:{n}: label {ex['label']!r}")
        if held_out(ex["premise"], NLI_HELD_OUT_PERCENT) == (split == "held-out"):
            rows.append((ex["premise"], ex["hypothesis"], LABELS[ex["label"]]))
    return rows


def qa_cases(split: str, path: Path = QA_DATA) -> list[dict]:
    """train_demo's QA cases ({context, question, answer, start}; no answer: "" and -1) of one split, by report."""
    cases = []
    for n, ex in _split_lines(path, split):
        if held_out(ex["context"], QA_HELD_OUT_PERCENT) != (split == "held-out"):
            continue
        answer, start = "", -1
        if ex["answers"]:
            answer, start = ex["answers"][0]["text"], ex["answers"][0]["answer_start"]
            if ex["context"][start:start + len(answer)] != answer:
                raise ValueError(f"{path.name}:{n}: answer_start {start} does not hold {answer!r}")
        cases.append({"context": ex["context"], "question": ex["question"], "answer": answer, "start": start})
    return cases


def clip_sentences(split: str, path: Path = CLIP_DATA) -> list[tuple[str, list[str]]]:
    """(sentence, labels) of the "train" or "held-out" split, as gen_clip.examples gives them."""
    rows = []
    for n, ex in _split_lines(path, split):
        unknown = set(ex["labels"]) - set(CLIP_LABELS)
        if unknown:
            raise ValueError(f"{path.name}:{n}: labels {sorted(unknown)} are not CLIP's")
        if held_out(ex["text"], CLIP_HELD_OUT_PERCENT) == (split == "held-out"):
            rows.append((ex["text"], list(ex["labels"])))
    return rows
