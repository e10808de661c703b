#!/usr/bin/env python3
"""Builds the tokenizer parity corpus from the shared research data sets.

The corpus is a deterministic (seeded) sample of a few thousand texts and text pairs drawn from
the clinical/biomedical data under <shared>/data. It is written as JSON lines in the format the
`clinlm tokenize` CLI reads ({"id", "text", "pair"?}) and is derived from research data whose
licences forbid redistribution, so it lives in the git-ignored build dir, never in the repo.

Only the standard library is used, so this runs with any python3 (the venv is not required).

    python3 tools/parity_corpus.py --shared ../shared --out .cache/parity/corpus.jsonl

Rebuilding is skipped when the inputs (this script plus the size/mtime of every source file)
have not changed since the last build; --force rebuilds anyway.
"""

from __future__ import annotations

import argparse
import csv
import glob
import hashlib
import json
import os
import random
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

# Changing the seed or any quota changes the corpus (and so every cached reference output).
SEED = 20230601

# Texts per source. Sizes aim at a few thousand lines in total, covering short sentences,
# whole abstracts and a few very long passages.
SINGLE_QUOTAS = {
    "iu-xray": 500,
    "nli4ct-statement": 250,
    "nli4ct-trial": 300,
    "pubmedqa-context": 250,
    "pubmedqa-answer": 100,
    "hoc-sentence": 250,
    "hoc-abstract": 100,
    "covidqa-paragraph": 200,
    "covidqa-question": 100,
    "sick": 300,
    "mediqa": 250,
    "ncbi": 200,
    "ade": 250,
}
PAIR_QUOTAS = {
    "sick-pair": 200,  # NLI premise/hypothesis
    "nli4ct-pair": 150,  # trial section / statement
    "mediqa-pair": 100,  # consumer question / FAQ question (entailment)
    "pubmedqa-pair": 100,  # QA question / context
    "covidqa-pair": 100,  # QA question / paragraph holding the answer
}
# A handful of long passages exercise long-sequence behaviour (truncation, many merges).
LONG_PASSAGES = 10
LONG_PASSAGE_CHARS = 20_000
MAX_TEXT_CHARS = 4_000


@dataclass
class Pools:
    """Candidate texts per source, before sampling."""

    singles: dict[str, list[str]] = field(default_factory=dict)
    pairs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    long: list[str] = field(default_factory=list)


def clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Cuts text to at most limit characters at a whitespace boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - 200, limit)
    return text[: cut if cut > 0 else limit]


def nonempty(text: str | None) -> bool:
    return bool(text and text.strip())


def load_iu_xray(data: str, pools: Pools) -> None:
    texts = []
    with open(os.path.join(data, "iu-xray", "indiana_reports.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for column in ("findings", "impression"):
                if nonempty(row.get(column)):
                    texts.append(row[column])
    pools.singles["iu-xray"] = texts


def trial_sections(data: str) -> dict[str, dict[str, list[str]]]:
    trials = {}
    for path in sorted(glob.glob(os.path.join(data, "nli4ct", "CT json", "*.json"))):
        with open(path, encoding="utf-8") as f:
            trial = json.load(f)
        trials[trial["Clinical Trial ID"]] = {k: v for k, v in trial.items() if isinstance(v, list)}
    return trials


def load_nli4ct(data: str, pools: Pools) -> None:
    trials = trial_sections(data)
    statements, pairs = [], []
    for split in ("train.json", "dev.json", "test.json"):
        path = os.path.join(data, "nli4ct", split)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            examples = json.load(f)
        for key in sorted(examples):
            ex = examples[key]
            statements.append(ex["Statement"])
            section = trials.get(ex.get("Primary_id", ""), {}).get(ex.get("Section_id", ""))
            if section:
                # Trial sections keep their original line breaks and indentation on purpose.
                pairs.append((clip("\n".join(section)), ex["Statement"]))
    section_texts = []
    for tid in sorted(trials):
        for name in sorted(trials[tid]):
            lines = trials[tid][name]
            section_texts.extend(line for line in lines if nonempty(line))
    pools.singles["nli4ct-statement"] = statements
    pools.singles["nli4ct-trial"] = section_texts
    pools.pairs["nli4ct-pair"] = pairs


def load_pubmedqa(data: str, pools: Pools) -> None:
    with open(os.path.join(data, "pubmedqa", "ori_pqal.json"), encoding="utf-8") as f:
        examples = json.load(f)
    contexts, answers, pairs = [], [], []
    for key in sorted(examples):
        ex = examples[key]
        context = " ".join(ex["CONTEXTS"])
        contexts.append(context)
        answers.append(ex["LONG_ANSWER"])
        pairs.append((ex["QUESTION"], clip(context)))
    pools.singles["pubmedqa-context"] = [clip(c) for c in contexts]
    pools.singles["pubmedqa-answer"] = answers
    pools.pairs["pubmedqa-pair"] = pairs


def load_hoc(data: str, pools: Pools) -> None:
    sentences, abstracts = [], []
    for path in sorted(glob.glob(os.path.join(data, "hoc", "text", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f]
        sentences.extend(line for line in lines if nonempty(line))
        abstracts.append(clip("\n".join(lines)))
    pools.singles["hoc-sentence"] = sentences
    pools.singles["hoc-abstract"] = abstracts


def load_covidqa(data: str, pools: Pools) -> None:
    with open(os.path.join(data, "covidqa", "200423_covidQA.json"), encoding="utf-8") as f:
        docs = json.load(f)["data"]
    paragraphs, questions, pairs = [], [], []
    for doc in docs:
        for para in doc["paragraphs"]:
            context = para["context"]
            if len(context) > MAX_TEXT_CHARS:
                pools.long.append(clip(context, LONG_PASSAGE_CHARS))
            paragraphs.extend(p for p in context.split("\n\n") if nonempty(p))
            for qa in para["qas"]:
                questions.append(qa["question"])
                if qa.get("answers"):
                    start = qa["answers"][0]["answer_start"]
                    lo = context.rfind("\n\n", 0, start)
                    hi = context.find("\n\n", start)
                    passage = context[lo + 2 if lo >= 0 else 0 : hi if hi >= 0 else len(context)]
                    pairs.append((qa["question"], clip(passage)))
    pools.singles["covidqa-paragraph"] = [clip(p) for p in paragraphs]
    pools.singles["covidqa-question"] = questions
    pools.pairs["covidqa-pair"] = pairs


def load_sick(data: str, pools: Pools) -> None:
    sentences, pairs = [], []
    with open(os.path.join(data, "sick", "SICK.txt"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            sentences.extend([row["sentence_A"], row["sentence_B"]])
            pairs.append((row["sentence_A"], row["sentence_B"]))
    pools.singles["sick"] = sorted(set(sentences))
    pools.pairs["sick-pair"] = pairs


def load_mediqa(data: str, pools: Pools) -> None:
    questions, pairs = [], []
    for path in sorted(glob.glob(os.path.join(data, "mediqa-rqe", "*.xml"))):
        root = ET.parse(path).getroot()
        for pair in root.iter("pair"):
            chq = (pair.findtext("chq") or "").strip()
            faq = (pair.findtext("faq") or "").strip()
            if chq and faq:
                questions.extend([chq, faq])
                pairs.append((chq, faq))
    pools.singles["mediqa"] = sorted(set(questions))
    pools.pairs["mediqa-pair"] = pairs


NCBI_LINE = re.compile(r"^\d+\|[ta]\|(.*)$")


def load_ncbi(data: str, pools: Pools) -> None:
    texts = []
    for path in sorted(glob.glob(os.path.join(data, "ncbi-disease", "original-data", "*", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = NCBI_LINE.match(line.rstrip("\n"))
                if m and nonempty(m.group(1)):
                    texts.append(clip(m.group(1)))
    pools.singles["ncbi"] = texts


def load_ade(data: str, pools: Pools) -> None:
    texts = []
    with open(os.path.join(data, "ade", "ADE-NEG.txt"), encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) == 3 and nonempty(parts[2]):
                texts.append(parts[2])
    for name in ("DRUG-AE.rel", "DRUG-DOSE.rel"):
        with open(os.path.join(data, "ade", name), encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split("|")
                if len(parts) > 2 and nonempty(parts[1]):
                    texts.append(parts[1])
    pools.singles["ade"] = sorted(set(texts))


LOADERS = (load_iu_xray, load_nli4ct, load_pubmedqa, load_hoc, load_covidqa, load_sick, load_mediqa, load_ncbi, load_ade)


def source_files(data: str) -> list[str]:
    files = []
    for root, _, names in os.walk(data):
        files.extend(os.path.join(root, n) for n in names)
    return sorted(files)


def inputs_digest(data: str) -> str:
    """Hash of this script and every source file's path, size and mtime (cheap change check)."""
    h = hashlib.sha256()
    with open(__file__, "rb") as f:
        h.update(f.read())
    for path in source_files(data):
        st = os.stat(path)
        h.update(f"{os.path.relpath(path, data)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def sample(rng: random.Random, items: list, k: int) -> list:
    # Dedupe while keeping order so the sample does not depend on set iteration order.
    unique = list(dict.fromkeys(items))
    return rng.sample(unique, min(k, len(unique)))


def build(data: str) -> list[dict]:
    pools = Pools()
    for load in LOADERS:
        load(data, pools)
    rng = random.Random(SEED)
    records = []
    for source, quota in SINGLE_QUOTAS.items():
        for i, text in enumerate(sample(rng, pools.singles.get(source, []), quota)):
            records.append({"id": f"{source}:{i}", "text": text})
    for i, text in enumerate(sample(rng, pools.long, LONG_PASSAGES)):
        records.append({"id": f"long:{i}", "text": text})
    for source, quota in PAIR_QUOTAS.items():
        for i, (text, pair) in enumerate(sample(rng, pools.pairs.get(source, []), quota)):
            records.append({"id": f"{source}:{i}", "text": text, "pair": pair})
    return records


def main(argv: list[str]) -> int:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLINLM_SHARED", os.path.join(repo, "..", "shared")))
    parser.add_argument("--out", default=os.path.join(repo, ".cache", "parity", "corpus.jsonl"))
    parser.add_argument("--force", action="store_true", help="rebuild even when inputs are unchanged")
    args = parser.parse_args(argv)

    data = os.path.join(args.shared, "data")
    if not os.path.isdir(data):
        print(f"parity_corpus: {data} not found (set --shared or CLINLM_SHARED)", file=sys.stderr)
        return 2
    digest = inputs_digest(data)
    stamp = args.out + ".sha256"
    if not args.force and os.path.exists(args.out) and os.path.exists(stamp):
        with open(stamp, encoding="utf-8") as f:
            if f.read().strip() == digest:
                print(f"parity_corpus: {args.out} up to date", file=sys.stderr)
                return 0

    records = build(data)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, args.out)
    with open(stamp, "w", encoding="utf-8") as f:
        f.write(digest + "\n")
    pairs = sum(1 for r in records if "pair" in r)
    size = sum(len(r["text"].encode()) + len(r.get("pair", "").encode()) for r in records)
    print(f"parity_corpus: wrote {len(records)} records ({pairs} pairs, {size / 1e6:.2f} MB of text) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
