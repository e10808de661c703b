"""Clinical NLI pairs written one by one (written_nli.jsonl), as MedNLI was made: for each note excerpt, one
statement that must be true, one that might be, one that cannot be.

Why they exist beside the generators: stages 9 to 11 showed that templates aimed at observed failures raise the
score on cases like those failures and not on freshly written ones. These pairs were written by separate sessions
of ours, one clinical area or note type each, with fictional patients and no loops filling frames. Those sessions
saw neither the generators, the dev set nor any evaluation set. Hypotheses were written against the usual shortcuts
(contradictions without a negation word, entailments that paraphrase, neutrals that share the premise's words).
Nineteen areas, the prefix of each pair's id: cardiology, pulmonary and critical care, renal and endocrine,
infection and haematology-oncology, neurology and psychiatry, GI and surgery, obstetrics / paediatrics /
musculoskeletal, cross-cutting history lines, discharge summaries, ED triage, nursing and ICU notes, consult notes,
lab panels and vital signs, medications, radiology reports, outpatient visits, certainty and time, lay wording, and
long multi-problem premises. 3,220 premises, 9,660 pairs, one third per label. The file is a clinlm NLI task file,
so `clinlm eval --model minilm-nli --data tools/train/clinical/written_nli.jsonl` scores it as it stands.

Before they were committed, every premise that shared a run of words covering 80 % of a premise of the dev set or
of an evaluation set kept outside the repository was dropped with its hypotheses (10 premises: stock lines such as
"Allergies: PCN (hives), sulfa (rash)."). One stock line of six words is left inside a longer training premise
("Metoprolol succinate 50 mg daily.", dev pair nli-drug-21, inside cardio-0022's medication list);
`go test ./inference/eval/devset -run TestWrittenTrainingPairsKeptApart` fails on any dev premise of eight words or
more found inside a training premise.

The split is by premise, so the three hypotheses of a premise are all in training or all held out. It is a
stable hash of the premise, not a draw: adding pairs never moves old ones between the splits.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA = Path(__file__).with_name("written_nli.jsonl")
LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2}
HELD_OUT_PERCENT = 10


def held_out(premise: str) -> bool:
    return int(hashlib.sha256(premise.encode("utf-8")).hexdigest()[:8], 16) % 100 < HELD_OUT_PERCENT


def pairs(split: str, path: Path = DATA) -> list[tuple[str, str, int]]:
    """(premise, hypothesis, label) of the "train" or "held-out" split, in file order."""
    if split not in ("train", "held-out"):
        raise ValueError(f"split {split!r}: want train or held-out")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        ex = json.loads(line)
        if ex["label"] not in LABELS:
            raise ValueError(f"{path.name}:{n}: label {ex['label']!r}")
        if held_out(ex["premise"]) == (split == "held-out"):
            rows.append((ex["premise"], ex["hypothesis"], LABELS[ex["label"]]))
    return rows
