"""Task files (inference/eval/README.md) for the demo models' test sets, built from ../shared/data.

Usage (from the repository root):
    .venv-train/bin/python tools/train/taskfiles.py [--out .cache/taskfiles]

writes one JSONL file per model of tools/train/metrics/ into the git-ignored --out folder:
    minilm-nli-sick-test.jsonl      SICK TEST pairs, in file order
    minilm-nli-nli4ct-gold-test.jsonl   NLI4CT Gold_test.json, premise = gold evidence (as train_nli.py)
    minilm-radqa-covidqa-test.jsonl the held-out COVID-QA articles' questions, in file order
    minilm-hoc-test.jsonl           the held-out HoC abstracts' sentences, in the metrics file's PMID order
so that `go run ./web eval --model NAME --data FILE` re-computes a card's numbers. The files hold
research-licensed text, so they are never committed; web/eval_test.go builds the same examples in Go
(the first few of each, `go_eval_subset` in the metrics files) and checks the Go numbers against them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import common

SICK_LABELS = {"ENTAILMENT": "entailment", "NEUTRAL": "neutral", "CONTRADICTION": "contradiction"}


def sick_test(data: Path) -> list[dict]:
    lines = (data / "sick" / "SICK.txt").read_text(encoding="utf-8").splitlines()
    col = {c: i for i, c in enumerate(lines[0].split("\t"))}
    out = []
    for line in lines[1:]:
        f = line.split("\t")
        if len(f) > col["SemEval_set"] and f[col["SemEval_set"]].strip() == "TEST":
            out.append({"id": f[col["pair_ID"]], "premise": f[col["sentence_A"]], "hypothesis": f[col["sentence_B"]],
                        "label": SICK_LABELS[f[col["entailment_label"]].strip()]})
    return out


def covidqa_test(data: Path, test_ids: list[str]) -> list[dict]:
    """Every question of the test articles with at least one answer, in the file's order."""
    d = json.loads((data / "covidqa" / "200423_covidQA.json").read_text(encoding="utf-8"))
    keep, out = set(test_ids), []
    for entry in d["data"]:
        for para in entry["paragraphs"]:
            if str(para["document_id"]) not in keep:
                continue
            for qa in para["qas"]:
                if qa["answers"]:
                    out.append({"id": str(qa["id"]), "context": para["context"], "question": qa["question"],
                                "answers": [{"text": a["text"], "answer_start": a["answer_start"]}
                                            for a in qa["answers"]]})
    return out


def hoc_test(data: Path, pmids: list[str]) -> list[dict]:
    import train_hoc

    hoc = train_hoc.load_hoc(data)
    return [{"id": f"{p}:{i}", "text": text, "labels": labels}
            for p in pmids for i, (text, labels) in enumerate(hoc[p])]


def nli4ct_gold_test(data: Path) -> list[dict]:
    """NLI4CT Gold_test.json built as train_nli.py builds it (gold evidence lines as the premise)."""
    import train_nli

    items = json.loads((data / "nli4ct" / "Gold_test.json").read_text(encoding="utf-8"))
    labels = {"Entailment": "entailment", "Contradiction": "contradiction"}
    return [{"id": k, "premise": train_nli.nli4ct_premise(data, v), "hypothesis": v["Statement"],
             "label": labels[v["Label"]]} for k, v in sorted(items.items())]


def for_model(name: str, metrics: dict, data: Path) -> dict[str, list[dict]]:
    """File name -> examples, the model's headline test set first."""
    if name == "minilm-nli":
        return {f"{name}-sick-test.jsonl": sick_test(data), f"{name}-nli4ct-gold-test.jsonl": nli4ct_gold_test(data)}
    if name == "minilm-radqa":  # its public test: the COVID-QA articles train_qa.py held out
        return {f"{name}-covidqa-test.jsonl": covidqa_test(data, metrics["test_article_ids"])}
    if name == "minilm-hoc":
        return {f"{name}-test.jsonl": hoc_test(data, metrics["test_pmids"])}
    raise KeyError(name)


MODELS = ("minilm-nli", "minilm-radqa", "minilm-hoc")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=common.REPO_ROOT / ".cache" / "taskfiles")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = common.shared_data()
    for name in MODELS:
        path = common.metrics_path(name)
        if not path.exists():
            continue
        for file, rows in for_model(name, json.loads(path.read_text()), data).items():
            write_jsonl(args.out / file, rows)
            print(f"{args.out / file}: {len(rows)} examples")


if __name__ == "__main__":
    main()
